"""The web console: server-rendered page shells, their scripts and the vendored
uPlot, all served by the API (no build step)."""
