"""Prices: list, member and cost per SKU, overridden per channel and per store, each for a
period. Rows are append-only (the table is the price history); a future ``starts_at`` is a
scheduled change. Every row also writes label events, so shelf labels learn when a price
starts and when it ends, and publishes ``catalog.price.changed`` (delivered as a signed
webhook by core).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from omniretail.core import audit, clock, events
from omniretail.core.context import current_actor
from omniretail.core.errors import ValidationFailed
from omniretail.core.models import Store
from omniretail.core.money import MoneyError, quantize
from omniretail.core.pagination import decode_cursor, encode_cursor

from .errors import CatalogError
from .models import Channel, LabelEvent, PriceEntry, PriceKind, Sku


@transaction.atomic
def set_price(
    sku: Sku,
    *,
    kind: str,
    amount: Any,
    channel: str = "",
    store: Store | None = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    reason: str = "",
) -> PriceEntry:
    """Record a price (now or scheduled). Negative or sub-fen amounts and empty periods are
    refused; nothing is written then."""
    if kind not in PriceKind.values:
        raise ValidationFailed(
            CatalogError.INVALID_PERIOD, _("Unknown price kind."), {"field": "kind"}
        )
    if channel and channel not in Channel.values:
        raise ValidationFailed(
            CatalogError.INVALID_PERIOD, _("Unknown channel."), {"field": "channel"}
        )
    try:
        value = quantize(amount)
    except MoneyError as exc:
        raise ValidationFailed(
            CatalogError.NEGATIVE_PRICE, _("The amount is not a valid price."), {"field": "amount"}
        ) from exc
    if value < 0 or value != Decimal(str(amount)) or value >= Decimal("100000000"):
        raise ValidationFailed(
            CatalogError.NEGATIVE_PRICE,
            _("A price must be zero or more, in whole fen, below 100,000,000."),
            {"field": "amount", "amount": str(amount)[:30]},
        )
    now = clock.now()
    start = starts_at or now
    if ends_at is not None and ends_at <= start:
        raise ValidationFailed(
            CatalogError.INVALID_PERIOD,
            _("The price period ends before it starts."),
            {"field": "ends_at"},
        )
    entry = PriceEntry.objects.create(
        sku=sku,
        kind=kind,
        channel=channel,
        store=store,
        amount=value,
        starts_at=start,
        ends_at=ends_at,
        reason=reason[:200],
        actor_label=current_actor().label[:150],
        created_at=now,
    )
    if kind != PriceKind.COST:
        LabelEvent.objects.create(
            sku=sku, store=store, feed_at=max(start, now), reason="price_starts"
        )
        if ends_at is not None:
            LabelEvent.objects.create(sku=sku, store=store, feed_at=ends_at, reason="price_ends")
    audit.record(
        "catalog.price.set",
        sku,
        changes={
            "kind": kind,
            "amount": str(value),
            "channel": channel,
            "store_id": store.pk if store else None,
            "starts_at": start,
            "ends_at": ends_at,
        },
        reason=reason,
        store_id=store.pk if store else None,
        brand_id=sku.product.brand_id,
    )
    events.publish(
        "catalog.price.changed",
        {
            "sku_id": sku.pk,
            "sku_code": sku.code,
            "kind": kind,
            "amount": str(value),
            "channel": channel,
            "store_id": store.pk if store else None,
            "starts_at": start,
            "ends_at": ends_at,
            "scheduled": start > now,
        },
        aggregate_type="catalog.sku",
        aggregate_id=sku.pk,
        store_id=store.pk if store else None,
    )
    return entry


def _in_force(at: dt.datetime) -> Q:
    return Q(starts_at__lte=at) & (Q(ends_at__isnull=True) | Q(ends_at__gt=at))


def _rank(entry: PriceEntry) -> tuple[int, dt.datetime, int]:
    specificity = (2 if entry.store_id else 0) + (1 if entry.channel else 0)
    return (specificity, entry.starts_at, entry.pk)


def resolve_price(
    sku_id: int,
    kind: str = PriceKind.LIST,
    *,
    store_id: int | None = None,
    channel: str = "",
    at: dt.datetime | None = None,
) -> PriceEntry | None:
    """The price in force: the most specific row for (store, channel), latest start wins."""
    prices = resolve_prices([sku_id], kind, store_id=store_id, channel=channel, at=at)
    return prices.get(sku_id)


def resolve_prices(
    sku_ids: list[int],
    kind: str = PriceKind.LIST,
    *,
    store_id: int | None = None,
    channel: str = "",
    at: dt.datetime | None = None,
) -> dict[int, PriceEntry]:
    at = at or clock.now()
    rows = PriceEntry.objects.filter(_in_force(at), sku_id__in=sku_ids, kind=kind)
    rows = (
        rows.filter(Q(store__isnull=True) | Q(store_id=store_id))
        if store_id
        else rows.filter(store__isnull=True)
    )
    rows = rows.filter(Q(channel="") | Q(channel=channel)) if channel else rows.filter(channel="")
    best: dict[int, PriceEntry] = {}
    for entry in rows:
        current = best.get(entry.sku_id)
        if current is None or _rank(entry) > _rank(current):
            best[entry.sku_id] = entry
    return best


def price_history(sku_id: int, *, store_ids: set[int] | None = None) -> list[PriceEntry]:
    rows = PriceEntry.objects.filter(sku_id=sku_id).select_related("store")
    if store_ids is not None:
        rows = rows.filter(Q(store__isnull=True) | Q(store_id__in=store_ids))
    return list(rows.order_by("-starts_at", "-pk")[:500])


@dataclass
class LabelLine:
    sku_id: int
    sku_code: str
    name: str
    short_name: str
    spec: str
    uom: str
    list_price: Decimal | None
    member_price: Decimal | None
    changed_at: dt.datetime


def esl_changes(
    store: Store, cursor: str | None, limit: int = 200
) -> tuple[list[LabelLine], str | None]:
    """Label changes of one store since ``cursor`` (signed), oldest first, each showing the
    POS price in force now. Events in the future are not shown until their time comes."""
    now = clock.now()
    limit = max(1, min(limit, 500))
    qs = LabelEvent.objects.filter(Q(store__isnull=True) | Q(store=store), feed_at__lte=now)
    tag = f"esl:{store.pk}"
    if cursor:
        at_iso, last_id = decode_cursor(cursor, tag)
        at = dt.datetime.fromisoformat(at_iso)
        qs = qs.filter(Q(feed_at__gt=at) | Q(feed_at=at, pk__gt=last_id))
    events_ = list(qs.order_by("feed_at", "pk").values("pk", "sku_id", "feed_at")[:limit])
    if not events_:
        return [], cursor
    last = events_[-1]
    next_cursor = encode_cursor([last["feed_at"].isoformat(), last["pk"]], tag)
    latest: dict[int, dt.datetime] = {}
    for ev in events_:
        latest[ev["sku_id"]] = ev["feed_at"]
    ids = list(latest)
    lists = resolve_prices(ids, PriceKind.LIST, store_id=store.pk, channel=Channel.POS, at=now)
    members = resolve_prices(ids, PriceKind.MEMBER, store_id=store.pk, channel=Channel.POS, at=now)
    skus = {s.pk: s for s in Sku.objects.filter(pk__in=ids)}
    lines = [
        LabelLine(
            sku_id=i,
            sku_code=skus[i].code,
            name=skus[i].name,
            short_name=skus[i].short_name,
            spec=skus[i].spec,
            uom=skus[i].uom,
            list_price=lists[i].amount if i in lists else None,
            member_price=members[i].amount if i in members else None,
            changed_at=latest[i],
        )
        for i in ids
        if i in skus
    ]
    return lines, next_cursor
