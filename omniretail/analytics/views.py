"""analytics pages (server-rendered, thin)."""
