"""The web console's pages, templates and static assets (served by the API): server-
rendered page shells, their scripts and the vendored uPlot, with no build step."""
