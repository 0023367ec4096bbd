"""Inventory JSON API under /api/v1/inventory/. Thin: parse, check scope, call a service.

Locations outside the caller's scope answer 404 exactly like unknown ones (no existence leak).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from omniretail.accounts.access import access
from omniretail.accounts.permissions import Perm
from omniretail.core.errors import NotFound
from omniretail.core.pagination import keyset_page
from omniretail.core.schemas import READ_ERRORS, WRITE_ERRORS, InputSchema

from . import counts, movements, reservations, selectors, transfers
from .errors import InventoryError
from .models import Channel, StockCount, Transfer, TransferDiscrepancy

router = Router(tags=["inventory"])

Qty = Field(ge=1, le=1_000_000_000)
Ref = Field(min_length=1, max_length=100, pattern=r"^[\w.:/-]+$")


def _loc(request: HttpRequest, location_id: int) -> int:
    if location_id not in request.scope.location_ids:  # type: ignore[attr-defined]
        raise NotFound(_("location"), code=InventoryError.UNKNOWN_LOCATION)
    return location_id


def _scope(request: HttpRequest) -> frozenset[int]:
    return request.scope.location_ids  # type: ignore[attr-defined,no-any-return]


# --- Stock ----------------------------------------------------------------------------------


class StockOut(Schema):
    sku_id: int
    sku_code: str
    sku_name: str
    location_id: int
    location_code: str
    on_hand: int
    reserved: int
    safety_buffer: int
    walk_in_keep: int
    online_excluded: bool
    min_qty: int | None
    max_qty: int | None
    reorder_point: int | None
    value_fen: int
    avg_cost_fen: int

    @staticmethod
    def resolve_sku_code(obj: Any) -> str:
        return str(obj.sku.code)

    @staticmethod
    def resolve_sku_name(obj: Any) -> str:
        return str(obj.sku.name)

    @staticmethod
    def resolve_location_code(obj: Any) -> str:
        return str(obj.location.code)


class StockPage(Schema):
    items: list[StockOut]
    next_cursor: str | None


@router.get("/stock", auth=access(Perm.INVENTORY_VIEW), response={200: StockPage, **READ_ERRORS})
def list_stock(
    request: HttpRequest,
    location_id: int | None = None,
    sku_id: int | None = None,
    category_id: int | None = None,
    q: str | None = None,
    low_only: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    qs = selectors.stock_levels(
        _scope(request),
        location_id=location_id,
        sku_id=sku_id,
        category_id=category_id,
        q=q,
        low_only=low_only,
    )
    # (location, SKU) is the stock_level_loc_sku_idx order: a store manager's page walks only
    # the store's slice of the index, however many millions of rows the chain holds.
    rows, next_cursor = keyset_page(
        qs, ["location_id", "sku_id"], cursor=cursor, limit=limit, tag="stock"
    )
    return {"items": rows, "next_cursor": next_cursor}


class WhereOut(Schema):
    location_id: int
    location_code: str
    location_name: str
    kind: str
    store_id: int | None
    on_hand: int
    reserved: int
    available: int
    distance_km: float | None


@router.get(
    "/skus/{sku_id}/where",
    auth=access(Perm.INVENTORY_VIEW),
    response={200: list[WhereOut], **READ_ERRORS},
)
def where_is(
    request: HttpRequest,
    sku_id: int,
    latitude: float | None = Query(None, ge=-90, le=90),
    longitude: float | None = Query(None, ge=-180, le=180),
    only_available: bool = False,
) -> list[Any]:
    """Where this SKU is, nearest first when a point is given (e.g. the shopper's)."""
    return selectors.where_is(
        sku_id,
        _scope(request),
        latitude=latitude,
        longitude=longitude,
        only_available=only_available,
    )


class MovementOut(Schema):
    id: int
    at: dt.datetime
    kind: str
    reason: str
    reference: str
    user_id: int | None
    batch_id: int
    lot_code: str
    quantity: int
    unit_cost_fen: int
    value_fen: int

    @staticmethod
    def resolve_lot_code(obj: Any) -> str:
        return str(obj.batch.lot_code)


class CardOut(Schema):
    items: list[MovementOut]
    next_cursor: str | None
    days_of_cover: float | None


@router.get(
    "/skus/{sku_id}/locations/{location_id}/card",
    auth=access(Perm.INVENTORY_VIEW),
    response={200: CardOut, **READ_ERRORS},
)
def stock_card(
    request: HttpRequest, sku_id: int, location_id: int, cursor: str | None = None, limit: int = 50
) -> dict[str, Any]:
    _loc(request, location_id)
    rows, next_cursor = keyset_page(
        selectors.stock_card(sku_id, location_id), ["-id"], cursor=cursor, limit=limit, tag="card"
    )
    return {
        "items": rows,
        "next_cursor": next_cursor,
        "days_of_cover": selectors.days_of_cover(sku_id, location_id),
    }


class PolicyIn(InputSchema):
    safety_buffer: int | None = Field(None, ge=0, le=1_000_000)
    walk_in_keep: int | None = Field(None, ge=0, le=1_000_000)
    online_excluded: bool | None = None
    min_qty: int | None = Field(None, ge=0, le=1_000_000_000)
    max_qty: int | None = Field(None, ge=0, le=1_000_000_000)
    reorder_point: int | None = Field(None, ge=0, le=1_000_000_000)


@router.put(
    "/skus/{sku_id}/locations/{location_id}/policy",
    auth=access(Perm.INVENTORY_APPROVE),
    response={200: StockOut, **WRITE_ERRORS},
)
def set_policy(request: HttpRequest, sku_id: int, location_id: int, payload: PolicyIn) -> Any:
    _loc(request, location_id)
    values = payload.dict(exclude_unset=True)
    for key in ("safety_buffer", "walk_in_keep", "online_excluded"):
        if key in values and values[key] is None:
            values.pop(key)
    level = movements.set_policy(sku_id=sku_id, location_id=location_id, values=values)
    return selectors.stock_levels(_scope(request)).get(pk=level.pk)


# --- Movements ------------------------------------------------------------------------------


class MovementResultOut(Schema):
    reference: str
    quantity: int
    value_fen: int
    replayed: bool
    movement_ids: list[int]


def _result(r: movements.MovementResult) -> dict[str, Any]:
    return {
        "reference": r.reference,
        "quantity": r.quantity,
        "value_fen": r.value_fen,
        "replayed": r.replayed,
        "movement_ids": [p.movement_id for p in r.movements],
    }


class ReceiptIn(InputSchema):
    sku_id: int
    location_id: int
    quantity: int = Qty
    unit_cost_fen: int = Field(ge=0, le=10**12)
    reference: str = Ref
    lot_code: str | None = Field(None, max_length=40)
    production_date: dt.date | None = None
    expiry_date: dt.date | None = None


@router.post(
    "/receipts", auth=access(Perm.INVENTORY_MOVE), response={200: MovementResultOut, **WRITE_ERRORS}
)
def post_receipt(request: HttpRequest, payload: ReceiptIn) -> dict[str, Any]:
    """Goods receipt; idempotent on ``reference``."""
    _loc(request, payload.location_id)
    return _result(movements.receive(**payload.dict()))


class SaleIn(InputSchema):
    sku_id: int
    location_id: int
    quantity: int = Qty
    reference: str = Ref
    reservation_reference: str | None = Field(None, max_length=100)


@router.post(
    "/sales", auth=access(Perm.INVENTORY_MOVE), response={200: MovementResultOut, **WRITE_ERRORS}
)
def post_sale(request: HttpRequest, payload: SaleIn) -> dict[str, Any]:
    """Sale (FEFO, unexpired only); idempotent on ``reference``. The value is the COGS."""
    _loc(request, payload.location_id)
    return _result(movements.sell(**payload.dict()))


class StockReturnIn(InputSchema):
    sku_id: int
    location_id: int
    quantity: int = Qty
    reference: str = Ref
    batch_id: int | None = None
    reason: str = Field("", max_length=200)


@router.post(
    "/returns", auth=access(Perm.INVENTORY_MOVE), response={200: MovementResultOut, **WRITE_ERRORS}
)
def post_return(request: HttpRequest, payload: StockReturnIn) -> dict[str, Any]:
    _loc(request, payload.location_id)
    return _result(movements.customer_return(**payload.dict()))


class AdjustmentIn(InputSchema):
    sku_id: int
    location_id: int
    delta: int = Field(ge=-1_000_000_000, le=1_000_000_000)
    reason: str = Field(min_length=1, max_length=200)
    batch_id: int | None = None
    write_off: bool = False


@router.post(
    "/adjustments",
    auth=access(Perm.INVENTORY_APPROVE),
    response={200: MovementResultOut, **WRITE_ERRORS},
)
def post_adjustment(request: HttpRequest, payload: AdjustmentIn) -> dict[str, Any]:
    """Privileged correction or damage write-off (audited)."""
    _loc(request, payload.location_id)
    data = payload.dict()
    if data.pop("write_off"):
        if data["delta"] >= 0:
            from omniretail.core.errors import ValidationFailed

            raise ValidationFailed(
                InventoryError.INVALID_QUANTITY, _("A write-off takes units: use a negative delta.")
            )
        return _result(
            movements.write_off(
                sku_id=data["sku_id"],
                location_id=data["location_id"],
                quantity=-data["delta"],
                reason=data["reason"],
                batch_id=data["batch_id"],
            )
        )
    return _result(movements.adjust(**data))


class RelocationIn(InputSchema):
    sku_id: int
    from_location_id: int
    to_location_id: int
    quantity: int = Qty
    reference: str = Ref


@router.post(
    "/relocations",
    auth=access(Perm.INVENTORY_MOVE),
    response={200: MovementResultOut, **WRITE_ERRORS},
)
def post_relocation(request: HttpRequest, payload: RelocationIn) -> dict[str, Any]:
    _loc(request, payload.from_location_id)
    _loc(request, payload.to_location_id)
    return _result(movements.relocate(**payload.dict()))


# --- Reservations ---------------------------------------------------------------------------


class ReservationIn(InputSchema):
    sku_id: int
    location_id: int
    quantity: int = Qty
    reference: str = Ref
    channel: Channel = Channel.ONLINE
    hold_minutes: int = Field(15, ge=1, le=24 * 60)


class ReservationOut(Schema):
    id: int
    reference: str
    sku_id: int
    location_id: int
    quantity: int
    channel: str
    status: str
    expires_at: dt.datetime


@router.post(
    "/reservations",
    auth=access(Perm.INVENTORY_RESERVE),
    response={200: ReservationOut, **WRITE_ERRORS},
)
def create_reservation(request: HttpRequest, payload: ReservationIn) -> Any:
    """Hold stock for an order line; a retry with the same reference returns the same hold."""
    _loc(request, payload.location_id)
    return reservations.reserve(
        sku_id=payload.sku_id,
        location_id=payload.location_id,
        quantity=payload.quantity,
        reference=payload.reference,
        channel=payload.channel,
        hold=dt.timedelta(minutes=payload.hold_minutes),
    )


@router.post(
    "/reservations/{reference}/release",
    auth=access(Perm.INVENTORY_RESERVE),
    response={200: ReservationOut, **WRITE_ERRORS},
)
def release_reservation(request: HttpRequest, reference: str) -> Any:
    return reservations.release(reference[:100], _scope(request))


class FulfilIn(InputSchema):
    sale_reference: str = Ref


@router.post(
    "/reservations/{reference}/fulfil",
    auth=access(Perm.INVENTORY_RESERVE),
    response={200: MovementResultOut, **WRITE_ERRORS},
)
def fulfil_reservation(request: HttpRequest, reference: str, payload: FulfilIn) -> dict[str, Any]:
    """Turn the hold into a sale (FEFO) in one transaction."""
    from .models import Reservation

    r = Reservation.objects.filter(reference=reference[:100]).first()
    if r is None or r.location_id not in _scope(request):
        raise NotFound(_("reservation"), code=InventoryError.RESERVATION_NOT_FOUND)
    return _result(
        movements.sell(
            sku_id=r.sku_id,
            location_id=r.location_id,
            quantity=r.quantity,
            reference=payload.sale_reference,
            reservation_reference=r.reference,
        )
    )


# --- Transfers ------------------------------------------------------------------------------


class TransferLineIn(InputSchema):
    sku_id: int
    quantity: int = Qty


class TransferIn(InputSchema):
    source_id: int
    destination_id: int
    lines: list[TransferLineIn] = Field(min_length=1, max_length=500)
    note: str = Field("", max_length=200)


class DiscrepancyOut(Schema):
    id: int
    quantity: int
    note: str
    status: str
    resolution: str


class TransferLineOut(Schema):
    id: int
    sku_id: int
    quantity: int
    shipped: int
    received: int
    discrepancies: list[DiscrepancyOut]

    @staticmethod
    def resolve_discrepancies(obj: Any) -> list[Any]:
        return list(obj.discrepancies.all())


class TransferOut(Schema):
    id: int
    number: str
    source_id: int
    destination_id: int
    status: str
    note: str
    created_at: dt.datetime
    lines: list[TransferLineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.prefetch_related("discrepancies").order_by("pk"))


def _transfer_out(transfer_id: int) -> Transfer:
    return Transfer.objects.get(pk=transfer_id)


@router.get(
    "/transfers", auth=access(Perm.INVENTORY_VIEW), response={200: list[TransferOut], **READ_ERRORS}
)
def list_transfers(request: HttpRequest, status: str | None = None, limit: int = 50) -> list[Any]:
    from django.db.models import Q

    scope = _scope(request)
    qs = Transfer.objects.filter(Q(source_id__in=scope) | Q(destination_id__in=scope))
    if status:
        qs = qs.filter(status=status[:20])
    return list(qs.order_by("-id")[: max(1, min(limit, 200))])


@router.post(
    "/transfers", auth=access(Perm.INVENTORY_TRANSFER), response={200: TransferOut, **WRITE_ERRORS}
)
def create_transfer(request: HttpRequest, payload: TransferIn) -> Any:
    """Request stock into (or out of) one of your locations from any location of the brand."""
    scope = _scope(request)
    if payload.source_id not in scope and payload.destination_id not in scope:
        raise NotFound(_("location"), code=InventoryError.UNKNOWN_LOCATION)
    from omniretail.core.models import Location

    brand_ids = set(
        Location.objects.filter(pk__in=[payload.source_id, payload.destination_id]).values_list(
            "brand_id", flat=True
        )
    )
    if len(brand_ids) != 1:
        raise NotFound(_("location"), code=InventoryError.UNKNOWN_LOCATION)
    t = transfers.request_transfer(
        source_id=payload.source_id,
        destination_id=payload.destination_id,
        lines=[transfers.LineIn(ln.sku_id, ln.quantity) for ln in payload.lines],
        note=payload.note,
        user=request.user,
    )
    return _transfer_out(t.pk)


@router.get(
    "/transfers/{transfer_id}",
    auth=access(Perm.INVENTORY_VIEW),
    response={200: TransferOut, **READ_ERRORS},
)
def get_transfer(request: HttpRequest, transfer_id: int) -> Any:
    t = Transfer.objects.filter(pk=transfer_id).first()
    if t is None or not transfers.visible(t, _scope(request)):
        raise NotFound(_("transfer"), code=InventoryError.TRANSFER_NOT_FOUND)
    return t


def _transition(name: str, perm: Perm) -> None:
    fn = {
        "approve": transfers.approve,
        "ship": transfers.ship,
        "cancel": transfers.cancel,
    }[name]

    @router.post(
        f"/transfers/{{transfer_id}}/{name}",
        auth=access(perm),
        response={200: TransferOut, **WRITE_ERRORS},
        operation_id=f"inventory_transfer_{name}",
    )
    def view(request: HttpRequest, transfer_id: int) -> Any:
        fn(transfer_id, _scope(request))
        return _transfer_out(transfer_id)


_transition("approve", Perm.INVENTORY_APPROVE)
_transition("ship", Perm.INVENTORY_TRANSFER)
_transition("cancel", Perm.INVENTORY_TRANSFER)


class ReceiptLineIn(InputSchema):
    line_id: int
    received: int = Field(ge=0, le=1_000_000_000)
    note: str = Field("", max_length=200)


class TransferReceiveIn(InputSchema):
    lines: list[ReceiptLineIn] = Field(default_factory=list, max_length=500)


@router.post(
    "/transfers/{transfer_id}/receive",
    auth=access(Perm.INVENTORY_TRANSFER),
    response={200: TransferOut, **WRITE_ERRORS},
)
def receive_transfer(request: HttpRequest, transfer_id: int, payload: TransferReceiveIn) -> Any:
    """Book the arrival; lines omitted arrived as shipped. A differing line needs a note."""
    transfers.receive(
        transfer_id,
        [transfers.ReceiptIn(ln.line_id, ln.received, ln.note) for ln in payload.lines],
        _scope(request),
    )
    return _transfer_out(transfer_id)


class ResolveIn(InputSchema):
    resolution: str = Field(min_length=1, max_length=200)


@router.post(
    "/discrepancies/{discrepancy_id}/resolve",
    auth=access(Perm.INVENTORY_APPROVE),
    response={200: DiscrepancyOut, **WRITE_ERRORS},
)
def resolve_discrepancy(request: HttpRequest, discrepancy_id: int, payload: ResolveIn) -> Any:
    d = transfers.resolve_discrepancy(discrepancy_id, payload.resolution, _scope(request))
    return TransferDiscrepancy.objects.get(pk=d.pk)


# --- Counts ---------------------------------------------------------------------------------


class CountIn(InputSchema):
    location_id: int
    kind: str = Field("cycle", pattern="^(full|cycle)$")
    sku_ids: list[int] = Field(default_factory=list, max_length=5000)
    blind: bool = True
    zone: str = Field("", max_length=40)


class CountLineOut(Schema):
    sku_id: int
    expected: int | None
    counted: int | None
    variance: int | None


class CountOut(Schema):
    id: int
    number: str
    location_id: int
    kind: str
    blind: bool
    zone: str
    status: str
    created_at: dt.datetime
    lines: list[CountLineOut]


def _count_out(count: StockCount) -> dict[str, Any]:
    hide = count.blind and count.status == "open"
    return {
        "id": count.pk,
        "number": count.number,
        "location_id": count.location_id,
        "kind": count.kind,
        "blind": count.blind,
        "zone": count.zone,
        "status": count.status,
        "created_at": count.created_at,
        "lines": [
            {
                "sku_id": ln.sku_id,
                "expected": None if hide else ln.expected,
                "counted": ln.counted,
                "variance": None if hide or ln.counted is None else ln.variance,
            }
            for ln in count.lines.order_by("sku_id")
        ],
    }


def _count(request: HttpRequest, count_id: int) -> StockCount:
    c = StockCount.objects.filter(pk=count_id, location_id__in=_scope(request)).first()
    if c is None:
        raise NotFound(_("stock count"), code=InventoryError.COUNT_NOT_FOUND)
    return c


@router.get(
    "/counts", auth=access(Perm.INVENTORY_VIEW), response={200: list[CountOut], **READ_ERRORS}
)
def list_counts(request: HttpRequest, status: str | None = None, limit: int = 50) -> list[Any]:
    qs = StockCount.objects.filter(location_id__in=_scope(request))
    if status:
        qs = qs.filter(status=status[:10])
    return [_count_out(c) for c in qs.order_by("-id")[: max(1, min(limit, 200))]]


@router.post("/counts", auth=access(Perm.INVENTORY_COUNT), response={200: CountOut, **WRITE_ERRORS})
def create_count(request: HttpRequest, payload: CountIn) -> Any:
    _loc(request, payload.location_id)
    c = counts.open_count(
        location_id=payload.location_id,
        kind=payload.kind,
        sku_ids=payload.sku_ids or None,
        blind=payload.blind,
        zone=payload.zone,
        user=request.user,
    )
    return _count_out(c)


@router.get(
    "/counts/{count_id}", auth=access(Perm.INVENTORY_VIEW), response={200: CountOut, **READ_ERRORS}
)
def get_count(request: HttpRequest, count_id: int) -> Any:
    return _count_out(_count(request, count_id))


class ScanIn(InputSchema):
    sku_id: int
    quantity: int = Field(ge=0, le=1_000_000)


class ScansIn(InputSchema):
    scans: list[ScanIn] = Field(min_length=1, max_length=5000)


@router.post(
    "/counts/{count_id}/scans",
    auth=access(Perm.INVENTORY_COUNT),
    response={200: CountOut, **WRITE_ERRORS},
)
def post_scans(request: HttpRequest, count_id: int, payload: ScansIn) -> Any:
    merged: dict[int, int] = {}
    for s in payload.scans:
        merged[s.sku_id] = merged.get(s.sku_id, 0) + s.quantity
    c = counts.record_scans(count_id, merged, _scope(request))
    return _count_out(c)


class RfidIn(InputSchema):
    epcs: list[str] = Field(min_length=1, max_length=counts.MAX_READS_PER_CALL)


class RfidOut(Schema):
    reads: int
    new_tags: int
    unknown_tags: int


@router.post(
    "/counts/{count_id}/rfid",
    auth=access(Perm.INVENTORY_COUNT),
    response={200: RfidOut, **WRITE_ERRORS},
)
def post_rfid(request: HttpRequest, count_id: int, payload: RfidIn) -> Any:
    """Device endpoint: thousands of EPC reads per call, each tag counted once per session."""
    return counts.ingest_rfid(count_id, [e[:64] for e in payload.epcs], _scope(request))


@router.post(
    "/counts/{count_id}/submit",
    auth=access(Perm.INVENTORY_COUNT),
    response={200: CountOut, **WRITE_ERRORS},
)
def submit_count(request: HttpRequest, count_id: int) -> Any:
    return _count_out(counts.submit(count_id, _scope(request)))


@router.post(
    "/counts/{count_id}/approve",
    auth=access(Perm.INVENTORY_APPROVE),
    response={200: CountOut, **WRITE_ERRORS},
)
def approve_count(request: HttpRequest, count_id: int) -> Any:
    """Post the variances as adjustments (audited)."""
    return _count_out(counts.approve(count_id, _scope(request)))


# --- Alerts and valuation -------------------------------------------------------------------


class AlertOut(Schema):
    id: int
    kind: str
    sku_id: int
    location_id: int
    batch_id: int | None
    message: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None


@router.get(
    "/alerts", auth=access(Perm.INVENTORY_VIEW), response={200: list[AlertOut], **READ_ERRORS}
)
def list_alerts(
    request: HttpRequest, kind: str | None = None, open_only: bool = True, limit: int = 100
) -> list[Any]:
    qs = selectors.alerts(_scope(request), open_only=open_only)
    if kind:
        qs = qs.filter(kind=kind[:20])
    return list(qs[: max(1, min(limit, 500))])


class ValuationOut(Schema):
    id: int | None
    code: str | None
    name: str | None
    units: int
    value_fen: int


@router.get(
    "/valuation",
    auth=access(Perm.INVENTORY_VIEW),
    response={200: list[ValuationOut], **READ_ERRORS},
)
def valuation(request: HttpRequest, by: Literal["location", "category"] = "location") -> list[Any]:
    """Inventory value at moving average cost, by location or category (fen)."""
    return selectors.valuation(_scope(request), by=by)
