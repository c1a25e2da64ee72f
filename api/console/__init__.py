"""The web console's pages, templates and static assets (served by the API)."""
