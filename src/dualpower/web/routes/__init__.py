"""Routes by topic; each module has an `api` router (JSON, /api/v1) and a `pages` router (HTML)."""
