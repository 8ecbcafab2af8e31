"""The browsable web UI: templates, static files and their routes."""
