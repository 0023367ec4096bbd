from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field, HttpUrl

from omniretail.accounts.access import access
from omniretail.accounts.permissions import Perm

from . import selectors, services
from .errors import NotFound
from .pagination import keyset_page
from .schemas import READ_ERRORS, WRITE_ERRORS, InputSchema, clock_time

org_router = Router(tags=["org"])
audit_router = Router(tags=["audit"])
events_router = Router(tags=["events"])


class RegionOut(Schema):
    id: int
    code: str
    name: str
    name_en: str


class StoreOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    brand_id: int
    region_id: int
    store_type: str
    city: str
    address: str
    latitude: float | None
    longitude: float | None
    opens_at: str | None = Field(None, pattern=r"^\d{2}:\d{2}$")
    closes_at: str | None = Field(None, pattern=r"^\d{2}:\d{2}$")
    fulfils_online: bool
    is_active: bool

    @staticmethod
    def resolve_opens_at(obj: Any) -> str | None:
        return clock_time(obj.opens_at)

    @staticmethod
    def resolve_closes_at(obj: Any) -> str | None:
        return clock_time(obj.closes_at)


class StoreUpdateIn(InputSchema):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    name_en: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=30)
    opens_at: dt.time | None = None
    closes_at: dt.time | None = None
    fulfils_online: bool | None = None
    is_active: bool | None = None


class LocationOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    brand_id: int
    region_id: int | None
    store_id: int | None
    city: str
    latitude: float | None
    longitude: float | None
    fulfils_online: bool
    is_active: bool


@org_router.get(
    "/regions", auth=access(Perm.ORG_VIEW), response={200: list[RegionOut], **READ_ERRORS}
)
def list_regions(request: HttpRequest) -> list[object]:
    return list(selectors.regions(request.scope).order_by("code"))


@org_router.get(
    "/stores", auth=access(Perm.ORG_VIEW), response={200: list[StoreOut], **READ_ERRORS}
)
def list_stores(
    request: HttpRequest, region_id: int | None = None, city: str | None = None
) -> list[object]:
    qs = selectors.stores(request.scope)
    if region_id is not None:
        qs = qs.filter(region_id=region_id)
    if city:
        qs = qs.filter(city=city[:50])
    return list(qs.order_by("code")[:1000])


@org_router.get(
    "/stores/{store_id}", auth=access(Perm.ORG_VIEW), response={200: StoreOut, **READ_ERRORS}
)
def get_store(request: HttpRequest, store_id: int) -> object:
    store = selectors.store(request.scope, store_id)
    if store is None:
        raise NotFound(_("store"))
    return store


@org_router.patch(
    "/stores/{store_id}", auth=access(Perm.ORG_MANAGE), response={200: StoreOut, **WRITE_ERRORS}
)
def update_store(request: HttpRequest, store_id: int, payload: StoreUpdateIn) -> object:
    return services.update_store(request.scope, store_id, payload.dict(exclude_unset=True))


@org_router.get(
    "/locations", auth=access(Perm.ORG_VIEW), response={200: list[LocationOut], **READ_ERRORS}
)
def list_locations(
    request: HttpRequest, store_id: int | None = None, kind: str | None = None
) -> list[object]:
    qs = selectors.locations(request.scope)
    if store_id is not None:
        qs = qs.filter(store_id=store_id)
    if kind:
        qs = qs.filter(kind=kind[:30])
    return list(qs.order_by("code")[:2000])


@org_router.get(
    "/locations/{location_id}",
    auth=access(Perm.ORG_VIEW),
    response={200: LocationOut, **READ_ERRORS},
)
def get_location(request: HttpRequest, location_id: int) -> object:
    location = selectors.locations(request.scope).filter(pk=location_id).first()
    if location is None:
        raise NotFound(_("location"))
    return location


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    store_id: int | None
    ip_address: str | None
    device: str
    changes: dict[str, object]
    reason: str
    is_pii_read: bool


class AuditPage(Schema):
    items: list[AuditOut]
    next_cursor: str | None


@audit_router.get("", auth=access(Perm.AUDIT_VIEW), response={200: AuditPage, **READ_ERRORS})
def list_audit(
    request: HttpRequest,
    action: str | None = None,
    object_type: str | None = None,
    actor: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> dict[str, object]:
    qs = selectors.audit_entries(
        request.scope, action=action, object_type=object_type, actor=actor, since=since, until=until
    )
    rows, next_cursor = keyset_page(qs, ["-at", "-id"], cursor=cursor, limit=limit, tag="audit")
    return {"items": rows, "next_cursor": next_cursor}


class OutboxOut(Schema):
    id: str
    topic: str
    status: str
    attempts: int
    created_at: dt.datetime
    dispatched_at: dt.datetime | None
    last_error: str


class WebhookIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    url: HttpUrl
    topics: list[str] = Field(default_factory=lambda: ["*"], max_length=50)


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    topics: list[str]
    is_active: bool


class WebhookCreatedOut(WebhookOut):
    secret: str


@events_router.get(
    "/outbox", auth=access(Perm.WEBHOOKS_MANAGE), response={200: list[OutboxOut], **READ_ERRORS}
)
def list_outbox(
    request: HttpRequest, status: str | None = None, topic: str | None = None, limit: int = 100
) -> list[dict[str, object]]:
    rows = selectors.outbox(request.scope, status=status, topic=topic).order_by("-created_at")[
        : max(1, min(limit, 500))
    ]
    return [
        {
            "id": str(e.pk),
            "topic": e.topic,
            "status": e.status,
            "attempts": e.attempts,
            "created_at": e.created_at,
            "dispatched_at": e.dispatched_at,
            "last_error": e.last_error,
        }
        for e in rows
    ]


@events_router.post(
    "/webhooks",
    auth=access(Perm.WEBHOOKS_MANAGE),
    response={201: WebhookCreatedOut, **WRITE_ERRORS},
)
def create_webhook(request: HttpRequest, payload: WebhookIn) -> tuple[int, object]:
    """Subscribe a URL to events; the secret signs every delivery (shown once)."""
    brand_id = min(request.scope.brand_ids) if request.scope.brand_ids else None
    if brand_id is None:
        raise NotFound(_("brand"))
    endpoint = services.create_webhook(
        brand_id=brand_id, name=payload.name, url=str(payload.url), topics=payload.topics
    )
    return 201, endpoint


@events_router.get(
    "/webhooks", auth=access(Perm.WEBHOOKS_MANAGE), response={200: list[WebhookOut], **READ_ERRORS}
)
def list_webhooks(request: HttpRequest) -> list[object]:
    from .models import WebhookEndpoint

    return list(WebhookEndpoint.objects.filter(brand_id__in=request.scope.brand_ids).order_by("pk"))


@events_router.delete(
    "/webhooks/{endpoint_id}",
    auth=access(Perm.WEBHOOKS_MANAGE),
    response={200: WebhookOut, **READ_ERRORS},
)
def deactivate_webhook(request: HttpRequest, endpoint_id: int) -> object:
    return services.deactivate_webhook(request.scope, endpoint_id)
