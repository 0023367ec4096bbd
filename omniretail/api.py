"""The one JSON API, mounted at /api/v1/ (docs at /api/v1/docs).

Every error leaves here as ``{"code", "message", "details"}`` with a stable code, whatever
raised it: a domain error, ninja's validation, a missing object, unparsable JSON.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from omniretail.core.errors import CoreError, DomainError

log = logging.getLogger(__name__)


api = NinjaAPI(
    title="omniretail API",
    version="1",
    description="Omnichannel retail operations: organisation, accounts, catalog, inventory and more.",
    urls_namespace="api",
    docs_url="/docs",
)


def _error(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "details": details or {}}, status=status
    )


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.status, exc.code, exc.message, exc.details)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "loc": [str(p) for p in e.get("loc", [])],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors
    ]
    return _error(
        request, 422, CoreError.VALIDATION_ERROR, _("The request is not valid."), {"errors": errors}
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, CoreError.UNAUTHENTICATED, _("Authentication required."))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, CoreError.NOT_FOUND, _("Not found."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and "parse request body" in str(exc.message):
        return _error(
            request, 400, CoreError.MALFORMED_JSON, _("The request body is not valid JSON.")
        )
    code = {
        400: CoreError.BAD_REQUEST,
        401: CoreError.UNAUTHENTICATED,
        403: CoreError.PERMISSION_DENIED,
        404: CoreError.NOT_FOUND,
        429: CoreError.RATE_LIMITED,
    }.get(exc.status_code, CoreError.BAD_REQUEST)
    return _error(request, exc.status_code, code, str(exc.message))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _error(request, 500, CoreError.INTERNAL, _("Internal error; it has been logged."))


def _mount() -> None:
    from omniretail.accounts.api import auth_router
    from omniretail.accounts.api import router as accounts_router
    from omniretail.analytics.api import router as analytics_router
    from omniretail.catalog.api import router as catalog_router
    from omniretail.core.api import audit_router, events_router, org_router
    from omniretail.inventory.api import router as inventory_router
    from omniretail.members.api import router as members_router
    from omniretail.orders.api import router as orders_router
    from omniretail.payments.api import router as payments_router
    from omniretail.pos.api import router as pos_router
    from omniretail.promotions.api import router as promotions_router
    from omniretail.storefront.api import router as storefront_router

    api.add_router("/auth", auth_router)
    api.add_router("/org", org_router)
    api.add_router("/accounts", accounts_router)
    api.add_router("/audit", audit_router)
    api.add_router("/events", events_router)
    api.add_router("/catalog", catalog_router)
    api.add_router("/inventory", inventory_router)
    api.add_router("/members", members_router)
    api.add_router("/promotions", promotions_router)
    api.add_router("/orders", orders_router)
    api.add_router("/payments", payments_router)
    api.add_router("/pos", pos_router)
    api.add_router("/analytics", analytics_router)
    api.add_router("/storefront", storefront_router)


_mount()
