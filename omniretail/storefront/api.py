"""storefront JSON API under /api/v1/storefront/. Thin: parse, check scope, call a service or selector."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["storefront"])
