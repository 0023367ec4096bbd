"""Order routing: which location fulfils a remote order.

Factors, in the order they decide:

1. **Rules** — a pickup is fulfilled by the store the customer chose (its floor or back room),
   never elsewhere; for delivery and parcels the customer's chosen store wins whenever it
   can fulfil the whole order. Local delivery leaves only from stores within
   ``ORDERS_DELIVERY_RADIUS_KM``; parcels may also leave from warehouses.
2. **Availability** — a location is a candidate only for what it can reserve now on the
   order's stock channel (inventory's availability rule: on hand − expired − reserved −
   safety buffer − walk-in keep; zero where the SKU is excluded from online).
3. **Distance** to the customer (haversine between coordinates) and **store load** (orders
   paid and not yet ready or dispatched at that location), combined as a score in kilometres:
   ``distance + LOAD_KM × load``.
4. **Split** across locations only when the order allows it: greedily the location that
   covers the most remaining units (best score on ties), until everything is covered.

Routing only reads; ``place_routed_order`` reserves through ``services.place_order`` (one
order per location, all in one transaction) and retries once when stock moved meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from omniretail.core import clock
from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.core.models import Location, LocationKind, Store
from omniretail.inventory import selectors as stock
from omniretail.inventory.errors import InventoryError
from omniretail.inventory.models import Channel as StockChannel
from omniretail.inventory.reservations import availability

from . import services, state
from .errors import OrderError
from .models import FulfilmentMode, Order, OrderChannel
from .models import OrderStatus as S

LOAD_STATUSES = (S.PAID, S.ALLOCATED, S.PICKING)
STORE_KINDS = (LocationKind.STORE_FLOOR, LocationKind.STORE_BACKROOM)


def load_km() -> float:
    """Kilometres one open order in the pick queue weighs against distance."""
    return float(getattr(settings, "ORDERS_ROUTING_LOAD_KM", 2.0))


def delivery_radius_km() -> float:
    return float(getattr(settings, "ORDERS_DELIVERY_RADIUS_KM", 10.0))


@dataclass
class Candidate:
    location_id: int
    location_code: str
    store_id: int | None
    kind: str
    distance_km: float | None
    load: int
    available: dict[int, int]
    preferred: bool = False

    @property
    def score(self) -> float:
        return (self.distance_km or 0.0) + load_km() * self.load

    def covers(self, wanted: dict[int, int]) -> bool:
        return all(self.available.get(sku, 0) >= qty for sku, qty in wanted.items())

    def coverage(self, wanted: dict[int, int]) -> int:
        return sum(min(self.available.get(sku, 0), qty) for sku, qty in wanted.items())


@dataclass
class Allocation:
    location_id: int
    store_id: int | None
    lines: list[services.LineRequest]


@dataclass
class RoutingPlan:
    allocations: list[Allocation]
    decided_by: str  # "rule" | "availability" | "distance" | "load" | "split"
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def split(self) -> bool:
        return len(self.allocations) > 1


def _candidates(
    store: Store,
    mode: str,
    wanted: dict[int, int],
    channel: str,
    point: tuple[float, float] | None,
) -> list[Candidate]:
    locs = Location.objects.filter(brand_id=store.brand_id, is_active=True)
    if mode == FulfilmentMode.PICKUP:
        locs = locs.filter(store=store)
    else:
        stores_ok = Q(
            kind__in=STORE_KINDS,
            store__is_active=True,
            store__fulfils_online=True,
            fulfils_online=True,
        )
        if mode == FulfilmentMode.SHIP:
            stores_ok |= Q(fulfils_online=True) & ~Q(kind__in=STORE_KINDS)
        locs = locs.filter(stores_ok | Q(store=store, kind__in=STORE_KINDS))
    locations = list(locs.order_by("code"))
    ids = frozenset(loc.pk for loc in locations)
    today = clock.today()
    avail: dict[int, dict[int, int]] = {loc.pk: {} for loc in locations}
    for level in stock.stock_levels(ids).filter(sku_id__in=list(wanted)):
        qty = availability(level, channel, today)
        if qty > 0:
            avail[level.location_id][level.sku_id] = qty
    loads = dict(
        Order.objects.filter(location_id__in=ids, status__in=LOAD_STATUSES)
        .values_list("location_id")
        .annotate(n=Count("pk"))
        .values_list("location_id", "n")
    )
    out = []
    for loc in locations:
        dist = None
        if point and loc.latitude is not None and loc.longitude is not None:
            dist = round(stock.haversine_km(point[0], point[1], loc.latitude, loc.longitude), 3)
        if (
            mode == FulfilmentMode.DELIVERY
            and loc.store_id != store.pk
            and (dist is None or dist > delivery_radius_km())
        ):
            continue
        out.append(
            Candidate(
                loc.pk,
                loc.code,
                loc.store_id,
                loc.kind,
                dist,
                loads.get(loc.pk, 0),
                avail[loc.pk],
                preferred=loc.store_id == store.pk,
            )
        )
    return out


def _key(c: Candidate) -> tuple:
    return (c.score, c.kind != LocationKind.STORE_FLOOR, c.location_code)


def route_order(
    *,
    store: Store,
    mode: str,
    lines: Sequence[services.LineRequest],
    channel: str = OrderChannel.ONLINE,
    latitude: float | None = None,
    longitude: float | None = None,
    allow_split: bool = False,
    exclude: frozenset[int] = frozenset(),
) -> RoutingPlan:
    """Choose where ``lines`` are fulfilled; ``store`` is the customer's chosen store."""
    if mode not in (FulfilmentMode.PICKUP, FulfilmentMode.SHIP, FulfilmentMode.DELIVERY):
        raise ValidationFailed(
            OrderError.INVALID_FULFILMENT, _("Only remote orders are routed."), {"mode": mode}
        )
    wanted: dict[int, int] = {}
    for line in lines:
        wanted[line.sku_id] = wanted.get(line.sku_id, 0) + line.quantity
    if not wanted:
        raise ValidationFailed(OrderError.EMPTY_ORDER, _("An order needs at least one line."))
    stock_channel = services.STOCK_CHANNEL.get(channel, StockChannel.ONLINE)
    point = (latitude, longitude) if latitude is not None and longitude is not None else None
    if point is None and store.latitude is not None and store.longitude is not None:
        point = (store.latitude, store.longitude)
    cands = [
        c
        for c in _candidates(store, mode, wanted, stock_channel, point)
        if c.location_id not in exclude
    ]

    def whole(c: Candidate) -> Allocation:
        return Allocation(
            c.location_id,
            c.store_id,
            [services.LineRequest(sku, qty) for sku, qty in wanted.items()],
        )

    full = sorted((c for c in cands if c.covers(wanted)), key=_key)
    preferred = [c for c in full if c.preferred]
    if preferred:
        return RoutingPlan([whole(preferred[0])], "rule", cands)
    if full:
        best = full[0]
        decided = "availability"
        if len(full) > 1:
            nearest = min(full, key=lambda c: (c.distance_km or 0.0, c.location_code))
            decided = "distance" if nearest is best else "load"
        return RoutingPlan([whole(best)], decided, cands)
    if not allow_split or mode == FulfilmentMode.PICKUP:
        raise Conflict(
            OrderError.NO_ROUTE,
            _("No single location can fulfil the whole order."),
            {"split_allowed": allow_split, "mode": mode},
        )
    remaining = dict(wanted)
    allocations: list[Allocation] = []
    pool = list(cands)
    while remaining and pool:
        pool.sort(key=lambda c: (-c.coverage(remaining), *_key(c)))
        best = pool.pop(0)
        take = {
            sku: min(best.available.get(sku, 0), qty)
            for sku, qty in remaining.items()
            if best.available.get(sku, 0) > 0
        }
        if not take:
            break
        allocations.append(
            Allocation(
                best.location_id,
                best.store_id,
                [services.LineRequest(sku, qty) for sku, qty in take.items()],
            )
        )
        for sku, qty in take.items():
            remaining[sku] -= qty
            if remaining[sku] == 0:
                del remaining[sku]
    if remaining:
        raise Conflict(
            OrderError.NO_ROUTE,
            _("Not enough stock across the locations to fulfil the order."),
            {"short": {str(k): v for k, v in remaining.items()}},
        )
    return RoutingPlan(allocations, "split", cands)


def place_routed_order(
    *,
    store: Store,
    channel: str,
    fulfilment_mode: str,
    lines: Sequence[services.LineRequest],
    reference: str,
    member_id: int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    allow_split: bool = False,
    window: tuple | None = None,
) -> list[Order]:
    """Route, then place one order per allocated location in ONE transaction (a split is
    all or nothing). Idempotent on ``reference``: a retry returns the orders already made."""
    existing = list(
        Order.objects.filter(Q(reference=reference) | Q(split_group=reference)).order_by("pk")
    )
    if existing:
        return existing
    # Typed refusals first (unknown SKU, not sellable this way), before any stock question.
    services._validate(channel, fulfilment_mode, lines)
    services._sellability(store, channel, fulfilment_mode, sorted({ln.sku_id for ln in lines}))
    last_error: Conflict | None = None
    for _attempt in range(2):
        plan = route_order(
            store=store,
            mode=fulfilment_mode,
            lines=lines,
            channel=channel,
            latitude=latitude,
            longitude=longitude,
            allow_split=allow_split,
        )
        try:
            with transaction.atomic():
                return [
                    _place(
                        plan,
                        alloc,
                        n,
                        store,
                        channel,
                        fulfilment_mode,
                        reference,
                        member_id,
                        latitude,
                        longitude,
                        window,
                    )
                    for n, alloc in enumerate(plan.allocations, start=1)
                ]
        except Conflict as exc:  # stock moved between routing and reserving: route again
            if exc.code != InventoryError.INSUFFICIENT_STOCK:
                raise
            last_error = exc
    assert last_error is not None
    raise last_error


def _place(
    plan: RoutingPlan,
    alloc: Allocation,
    n: int,
    store: Store,
    channel: str,
    mode: str,
    reference: str,
    member_id: int | None,
    latitude: float | None,
    longitude: float | None,
    window: tuple | None,
) -> Order:
    location = Location.objects.get(pk=alloc.location_id)
    selling = Store.objects.get(pk=alloc.store_id) if alloc.store_id else store
    order = services.place_order(
        store=selling,
        channel=channel,
        fulfilment_mode=mode,
        lines=alloc.lines,
        reference=reference if n == 1 else f"{reference}:{n}",
        member_id=member_id,
        location=location,
    )
    fields = {
        "delivery_latitude": latitude,
        "delivery_longitude": longitude,
        "split_group": reference if plan.split else "",
    }
    if window:
        fields["delivery_window_start"], fields["delivery_window_end"] = window
    Order.objects.filter(pk=order.pk).update(**fields)
    for key, value in fields.items():
        setattr(order, key, value)
    chosen = next((c for c in plan.candidates if c.location_id == alloc.location_id), None)
    state.record_event(
        order,
        "routed",
        note=_("Routed to %(loc)s (%(why)s)") % {"loc": location.code, "why": plan.decided_by},
        data={
            "decided_by": plan.decided_by,
            "location": location.code,
            "distance_km": chosen.distance_km if chosen else None,
            "load": chosen.load if chosen else None,
            "chosen_store": store.code,
            "candidates": [
                {"location": c.location_code, "distance_km": c.distance_km, "load": c.load}
                for c in plan.candidates[:20]
            ],
        },
    )
    return order
