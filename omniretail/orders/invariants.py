"""Order invariants checked by ``omniretail check-invariants`` (and after every DB test)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Sum

from omniretail.core.integrity import invariant
from omniretail.core.money import to_fen
from omniretail.inventory.models import Movement, Reservation, ReservationStatus

from .models import CLOSED_STATUSES, FulfilmentMode, Order, OrderLine
from .models import OrderStatus as S


@invariant("orders.total_is_sum_of_lines")
def total_is_sum_of_lines() -> Iterator[str]:
    rows = Order.objects.annotate(
        nets=Sum("lines__net"), discounts=Sum("lines__discount"), n=Count("lines")
    ).values_list("number", "total", "discount_total", "nets", "discounts", "n")
    for number, total, discount, nets, discounts, n in rows.iterator(chunk_size=2000):
        if n == 0:
            yield f"order {number}: no lines"
            continue
        # Sum over a MoneyField comes back as Decimal yuan, like the field itself.
        if to_fen(total) != to_fen(nets or 0):
            yield f"order {number}: total {total} ≠ sum of line nets {nets}"
        if to_fen(discount) != to_fen(discounts or 0):
            yield f"order {number}: discount {discount} ≠ sum of line discounts"


@invariant("orders.line_net_is_qty_times_price_minus_discount")
def line_net() -> Iterator[str]:
    for line in OrderLine.objects.select_related("order").iterator(chunk_size=2000):
        expected = line.quantity * line.unit_price - line.discount
        if line.net != expected or line.net < 0:
            yield f"order {line.order.number} line {line.line_no}: net {line.net} ≠ {expected}"


@invariant("orders.open_remote_lines_hold_stock")
def open_remote_lines_hold_stock() -> Iterator[str]:
    """Every line of an open non-till order is held (active reservation) or already sold.
    Checked in chunks with set queries, so the cost is a few queries per thousand lines."""
    lines = (
        OrderLine.objects.exclude(order__status__in=CLOSED_STATUSES)
        .exclude(order__fulfilment_mode=FulfilmentMode.POS_CARRY_OUT)
        .exclude(order__status=S.CREATED)
        .exclude(order__status=S.PARTIALLY_FULFILLED, fulfilled_quantity=0)
        .values_list("order__number", "line_no")
        .order_by("pk")
    )
    chunk: list[tuple[str, int]] = []
    for row in lines.iterator(chunk_size=1000):
        chunk.append(row)
        if len(chunk) == 1000:
            yield from _unheld(chunk)
            chunk = []
    if chunk:
        yield from _unheld(chunk)


def _unheld(rows: list[tuple[str, int]]) -> Iterator[str]:
    held_refs = {f"{number}:{no}" for number, no in rows}
    sale_refs = {f"order:{number}:{no}" for number, no in rows}
    held = set(
        Reservation.objects.filter(
            reference__in=held_refs,
            status__in=[ReservationStatus.ACTIVE, ReservationStatus.FULFILLED],
        ).values_list("reference", flat=True)
    )
    sold = set(Movement.objects.filter(reference__in=sale_refs).values_list("reference", flat=True))
    for number, no in rows:
        if f"{number}:{no}" not in held and f"order:{number}:{no}" not in sold:
            yield f"order {number} line {no}: neither reserved nor sold"


@invariant("orders.closed_orders_hold_no_stock")
def closed_orders_hold_no_stock() -> Iterator[str]:
    """A cancelled, refunded or completed order keeps no active reservation: its units are
    either sold or back on the shelf. Reservations name their order (``<number>:<line>``), so
    the check walks the active reservations (few) rather than the orders (many)."""
    active = Reservation.objects.filter(status=ReservationStatus.ACTIVE).values_list(
        "reference", flat=True
    )
    numbers: dict[str, str] = {}
    for ref in active.iterator(chunk_size=2000):
        number, sep, line_no = ref.rpartition(":")
        if sep and line_no.isdigit():
            numbers.setdefault(number, ref)
    names = list(numbers)
    for i in range(0, len(names), 1000):
        closed = Order.objects.filter(
            number__in=names[i : i + 1000], status__in=CLOSED_STATUSES
        ).values_list("number", "status")
        for number, status in closed:
            yield f"order {number} ({status}) still holds reservation {numbers[number]}"


@invariant("orders.fulfilled_not_above_ordered")
def fulfilled_not_above_ordered() -> Iterator[str]:
    """Shipped units never exceed the line (the CHECK constraint's twin, readable)."""
    from django.db.models import F

    for number, no in (
        OrderLine.objects.filter(fulfilled_quantity__gt=F("quantity"))
        .values_list("order__number", "line_no")
        .iterator(chunk_size=1000)
    ):
        yield f"order {number} line {no}: fulfilled more than ordered"
