"""storefront pages (server-rendered, thin)."""
