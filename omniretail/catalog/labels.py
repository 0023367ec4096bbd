"""Shelf labels at scale: chain-wide price changes for tens of thousands of SKUs, and a store's
full label set (every SKU the store carries, with the price in force), both in bounded pages.

``bulk_set_prices`` writes what ``pricing.set_price`` writes per SKU — the price row and its
label event — in chunks of ``CHUNK`` rows, one transaction, one audit row and one outbox event
(``catalog.prices.changed`` with the chunk's SKU ids) per chunk, so a 50,000-SKU change never
holds the write lock for long nor floods webhooks with 50,000 deliveries. Every change is
validated before the first chunk is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.core import audit, clock, events
from omniretail.core.context import current_actor
from omniretail.core.errors import NotFound, ValidationFailed
from omniretail.core.models import Store
from omniretail.core.money import MoneyError, quantize
from omniretail.core.pagination import decode_cursor, encode_cursor

from .errors import CatalogError
from .models import Channel, LabelEvent, PriceEntry, PriceKind, Sku
from .pricing import LabelLine, resolve_prices

CHUNK = 1000
MAX_CHANGES = 500_000
PAGE_MAX = 500


def _amount(value: Any) -> Decimal:
    try:
        amount = quantize(value)
    except MoneyError as exc:
        raise ValidationFailed(
            CatalogError.NEGATIVE_PRICE, _("The amount is not a valid price."), {"field": "amount"}
        ) from exc
    if amount < 0 or amount != Decimal(str(value)) or amount >= Decimal("100000000"):
        raise ValidationFailed(
            CatalogError.NEGATIVE_PRICE,
            _("A price must be zero or more, in whole fen, below 100,000,000."),
            {"field": "amount", "amount": str(value)[:30]},
        )
    return amount


def bulk_set_prices(
    changes: Sequence[tuple[int, Any]],
    *,
    kind: str = PriceKind.LIST,
    channel: str = "",
    store: Store | None = None,
    starts_at: dt.datetime | None = None,
    reason: str = "",
) -> int:
    """Give many SKUs a new price (now or scheduled); returns the number of rows written."""
    if kind not in (PriceKind.LIST, PriceKind.MEMBER):
        raise ValidationFailed(
            CatalogError.INVALID_PERIOD, _("Unknown price kind."), {"field": "kind"}
        )
    if channel and channel not in Channel.values:
        raise ValidationFailed(
            CatalogError.INVALID_PERIOD, _("Unknown channel."), {"field": "channel"}
        )
    if len(changes) > MAX_CHANGES:
        raise ValidationFailed(
            CatalogError.IMPORT_INVALID,
            _("At most %(n)s price changes at once.") % {"n": f"{MAX_CHANGES:,}"},
        )
    checked = [(int(sku_id), _amount(value)) for sku_id, value in changes]
    ids = sorted({sku_id for sku_id, _value in checked})
    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        if Sku.objects.filter(pk__in=part).count() != len(part):
            raise NotFound(_("SKU"))
    now = clock.now()
    start_at = starts_at or now
    actor = current_actor().label[:150]
    written = 0
    for offset in range(0, len(checked), CHUNK):
        chunk = checked[offset : offset + CHUNK]
        with transaction.atomic():
            PriceEntry.objects.bulk_create(
                [
                    PriceEntry(
                        sku_id=sku_id,
                        kind=kind,
                        channel=channel,
                        store=store,
                        amount=amount,
                        starts_at=start_at,
                        reason=reason[:200],
                        actor_label=actor,
                        created_at=now,
                    )
                    for sku_id, amount in chunk
                ]
            )
            LabelEvent.objects.bulk_create(
                [
                    LabelEvent(
                        sku_id=sku_id,
                        store=store,
                        feed_at=max(start_at, now),
                        reason="price_starts",
                    )
                    for sku_id, _amount_ in chunk
                ]
            )
            sku_ids = [sku_id for sku_id, _amount_ in chunk]
            audit.record(
                "catalog.price.bulk_set",
                store,
                changes={
                    "kind": kind,
                    "channel": channel,
                    "skus": len(chunk),
                    "first_sku_id": sku_ids[0],
                    "starts_at": start_at,
                },
                reason=reason,
                store_id=store.pk if store else None,
            )
            events.publish(
                "catalog.prices.changed",
                {
                    "sku_ids": sku_ids,
                    "kind": kind,
                    "channel": channel,
                    "store_id": store.pk if store else None,
                    "starts_at": start_at,
                    "scheduled": start_at > now,
                },
                aggregate_type="catalog.price_list",
                aggregate_id=sku_ids[0],
                store_id=store.pk if store else None,
            )
        written += len(chunk)
    return written


def label_lines(store: Store, changed: dict[int, dt.datetime]) -> list[LabelLine]:
    """Label lines for these SKUs at this store: three queries for any page size."""
    ids = list(changed)
    now = clock.now()
    lists = resolve_prices(ids, PriceKind.LIST, store_id=store.pk, channel=Channel.POS, at=now)
    members = resolve_prices(ids, PriceKind.MEMBER, store_id=store.pk, channel=Channel.POS, at=now)
    skus = {
        s["pk"]: s
        for s in Sku.objects.filter(pk__in=ids).values(
            "pk", "code", "name", "short_name", "spec", "uom"
        )
    }
    return [
        LabelLine(
            sku_id=i,
            sku_code=skus[i]["code"],
            name=skus[i]["name"],
            short_name=skus[i]["short_name"],
            spec=skus[i]["spec"],
            uom=skus[i]["uom"],
            list_price=lists[i].amount if i in lists else None,
            member_price=members[i].amount if i in members else None,
            changed_at=changed[i],
        )
        for i in ids
        if i in skus
    ]


def full_label_set(
    store: Store, cursor: str | None, limit: int = PAGE_MAX
) -> tuple[list[LabelLine], str | None]:
    """One page of every label the store needs — the SKUs on its sales floor, by SKU id —
    each with the price in force now. ``None`` as the next cursor: the set is complete."""
    from omniretail.inventory.selectors import assortment_sku_ids

    limit = max(1, min(int(limit), PAGE_MAX))
    tag = f"esl-full:{store.pk}"
    after = int(decode_cursor(cursor, tag)[0]) if cursor else 0
    ids = assortment_sku_ids(store.pk, after=after, limit=limit + 1)
    more = len(ids) > limit
    ids = ids[:limit]
    now = clock.now()
    lines = label_lines(store, dict.fromkeys(ids, now))
    return lines, (encode_cursor([ids[-1]], tag) if more and ids else None)
