"""Orders tests use the shared selling fixtures (omniretail.testing.sales: make_sku, place)."""
