"""The web layer (DESIGN.md 4): JSON API under /api/v1 and server-rendered pages. Thin: routes
parse input, call one service or view, render the result."""
