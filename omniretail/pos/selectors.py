"""Till reads: the scan (barcode → priced line) and the priced cart on the screen.

The scan is the hottest read of the till and is benchmarked: a barcode join to its SKU, one
price read, one restriction read, one stock read and the brand's active promotions; the cart
line is built here from rows already read instead of through ``build_cart`` (which would read
the SKU and its price again)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, OuterRef, Subquery, Sum
from django.utils.translation import gettext as _

from omniretail.catalog import pricing
from omniretail.catalog.models import Barcode, PriceKind, SkuTag
from omniretail.catalog.restrictions import check_sellable, check_sellable_many
from omniretail.core import clock
from omniretail.core.errors import NotFound
from omniretail.core.models import Store
from omniretail.core.money import quantize
from omniretail.inventory.models import StockLevel
from omniretail.promotions import engine
from omniretail.promotions import selectors as promo
from omniretail.promotions.cart import Cart, CartLine
from omniretail.promotions.coupons import resolve_coupons

from .errors import PosError
from .models import PosCart, PosCartLine, PosRefund, Shift, ShiftStatus


@dataclass
class PricedLine:
    sku_id: int
    sku_code: str
    name: str
    quantity: int
    unit_price: Decimal
    list_amount: Decimal
    discount: Decimal
    net: Decimal
    promotions: list[dict[str, str]] = field(default_factory=list)
    available: int | None = None
    sellable: bool = True
    age_check_required: bool = False
    reasons: list[str] = field(default_factory=list)
    barcode: str = ""
    line_id: int | None = None
    override_price: Decimal | None = None
    manual_discount: Decimal = Decimal("0.00")


def line_out(line: PricedLine) -> dict[str, Any]:
    """The line as the API and templates show it: money as "12.50" strings."""
    out = asdict(line)
    for key in ("unit_price", "list_amount", "discount", "net", "manual_discount"):
        out[key] = str(out[key])
    out["override_price"] = str(line.override_price) if line.override_price is not None else None
    return out


def available_at_store(store_id: int, sku_ids: list[int]) -> dict[int, int]:
    rows = (
        StockLevel.objects.filter(location__store_id=store_id, sku_id__in=sku_ids)
        .values("sku_id")
        .annotate(free=Sum(F("on_hand") - F("reserved")))
    )
    return {r["sku_id"]: int(r["free"] or 0) for r in rows}


def _names(result: Any) -> dict[str, str]:
    return {a.key: a.name for a in result.applied}


PROMOTIONS_TTL_S = 15.0
_promotions_cache: dict[int, tuple[float, list[Any]]] = {}


def scan_promotions(brand_id: int, now: Any) -> list[Any]:
    """The brand's active promotions for scan previews, kept for ``PROMOTIONS_TTL_S`` seconds
    per process: a scan is a preview — the cart on the screen and the checkout price from a
    fresh read — so a promotion starting this minute shows at most a few seconds late."""
    hit = _promotions_cache.get(brand_id)
    tick = time.monotonic()
    if hit is not None and tick - hit[0] < PROMOTIONS_TTL_S:
        return hit[1]
    found = promo.active_promotions(brand_id, now)
    _promotions_cache[brand_id] = (tick, found)
    return found


def clear_scan_cache() -> None:
    _promotions_cache.clear()


def scan(store: Store, barcode: str) -> PricedLine:
    """A barcode at a store's till → one priced line; a pack barcode (a case of 6) scans as
    its pack quantity of units.

    At most four queries: the barcode with its SKU, category and the store's free stock
    (one join plus a subquery), the price, the sale restrictions, and the brand's active
    promotions when not cached; the SKU's tags only when a promotion is scoped by tag."""
    free = (
        StockLevel.objects.filter(sku_id=OuterRef("sku_id"), location__store_id=store.pk)
        .values("sku_id")
        .annotate(s=Sum(F("on_hand") - F("reserved")))
        .values("s")
    )
    hit = (
        Barcode.objects.select_related("sku__product__category")
        .annotate(free=Subquery(free))
        .filter(code=barcode[:14], sku__product__brand_id=store.brand_id)
        .first()
    )
    if hit is None:
        raise NotFound(_("barcode"), code=PosError.UNKNOWN_BARCODE)
    sku = hit.sku
    quantity = hit.pack_quantity
    verdict = check_sellable(sku, "pos")
    now = clock.now()
    price = pricing.resolve_prices(
        [sku.pk], PriceKind.LIST, store_id=store.pk, channel="pos", at=now
    ).get(sku.pk)
    line = PricedLine(
        sku_id=sku.pk,
        sku_code=sku.code,
        name=sku.name,
        quantity=quantity,
        unit_price=Decimal("0.00"),
        list_amount=Decimal("0.00"),
        discount=Decimal("0.00"),
        net=Decimal("0.00"),
        sellable=verdict.sellable and price is not None,
        age_check_required=verdict.requires_age_check,
        reasons=list(verdict.reasons) + ([] if price else [_("No price for this store.")]),
        barcode=hit.code,
    )
    line.available = int(hit.free or 0)
    if price is None:
        return line
    promotions = scan_promotions(store.brand_id, now)
    tags: frozenset[str] = frozenset()
    if any(p.scope.tags for p in promotions):
        tags = frozenset(
            SkuTag.objects.filter(sku_id=sku.pk, accepted=True).values_list("tag__code", flat=True)
        )
    cart = Cart(
        lines=(
            CartLine(
                line_id="1",
                sku_id=sku.pk,
                quantity=quantity,
                unit_price=price.amount,
                category_ids=promo.category_ids_of_path(sku.product.category.path),
                brand_id=sku.product.product_brand_id,
                tags=tags,
            ),
        ),
        channel="pos",
        at=now,
        store_id=store.pk,
        region_id=store.region_id,
    )
    result = engine.price_cart(cart, promotions)
    priced = result.lines[0]
    names = _names(result)
    line.unit_price = priced.unit_price
    line.list_amount = priced.list_amount
    line.discount = priced.discount
    line.net = priced.net_amount
    line.promotions = [
        {"key": a.key, "name": names.get(a.key, a.key), "amount": str(a.amount)}
        for a in priced.allocations
        if a.amount
    ]
    return line


@dataclass
class PricedCart:
    lines: list[PricedLine]
    list_total: Decimal
    discount_total: Decimal
    total: Decimal
    explanation: list[str]
    age_check_required: bool


def price_pos_cart(cart: PosCart, store: Store) -> PricedCart:
    """The screen's cart priced as checkout will price it (same engine, same member)."""
    rows = list(cart.lines.select_related("sku__product__category").order_by("pk"))
    if not rows:
        zero = Decimal("0.00")
        return PricedCart([], zero, zero, zero, [], False)
    now = clock.now()
    coupons = (
        resolve_coupons(
            store.brand_id, cart.coupon_codes, channel="pos", member_id=cart.member_id, at=now
        )
        if cart.coupon_codes
        else []
    )
    built = promo.build_cart(
        store.brand_id,
        [(r.sku_id, r.quantity) for r in rows],
        channel="pos",
        store=store,
        at=now,
        member_id=cart.member_id,
        coupons=coupons,
    )
    result = engine.price_cart(built, promo.active_promotions(store.brand_id, now))
    names = _names(result)
    stock = available_at_store(store.pk, [r.sku_id for r in rows])
    lines = []
    verdicts = check_sellable_many([r.sku for r in rows], "pos")
    for row, priced in zip(rows, result.lines, strict=True):
        verdict = verdicts[row.sku_id]
        lines.append(
            PricedLine(
                sku_id=row.sku_id,
                sku_code=row.sku.code,
                name=row.sku.name,
                quantity=row.quantity,
                unit_price=priced.unit_price,
                list_amount=priced.list_amount,
                discount=priced.discount,
                net=priced.net_amount,
                promotions=[
                    {"key": a.key, "name": names.get(a.key, a.key), "amount": str(a.amount)}
                    for a in priced.allocations
                    if a.amount
                ],
                available=stock.get(row.sku_id, 0),
                sellable=verdict.sellable,
                age_check_required=verdict.requires_age_check,
                reasons=list(verdict.reasons),
                line_id=row.pk,
            )
        )
        _apply_adjustments(lines[-1], row)
    list_total = sum((ln.list_amount for ln in lines), Decimal("0.00"))
    total = sum((ln.net for ln in lines), Decimal("0.00"))
    return PricedCart(
        lines,
        list_total,
        list_total - total,
        total,
        result.explanation,
        any(ln.age_check_required for ln in lines),
    )


def _apply_adjustments(line: PricedLine, row: PosCartLine) -> None:
    """Supervisor-approved exceptions on top of the engine's price: an overridden unit price
    replaces the promotional price of the line, a manual discount comes off what is left."""
    if row.override_price is not None:
        line.unit_price = row.override_price
        line.net = quantize(row.override_price * row.quantity)
        line.promotions = [
            {
                "key": "override",
                "name": _("Price override"),
                "amount": str(line.list_amount - line.net),
            }
        ]
        line.override_price = row.override_price
    if row.manual_discount:
        off = min(row.manual_discount, line.net)
        line.net -= off
        line.manual_discount = off
        line.promotions.append({"key": "manual", "name": _("Manual discount"), "amount": str(off)})
    line.discount = line.list_amount - line.net


def open_shift_of(register_id: int) -> Shift | None:
    return (
        Shift.objects.select_related("register__store")
        .filter(register_id=register_id, status=ShiftStatus.OPEN)
        .first()
    )


def cashier_shift_ids(cashier_id: int, since: Any) -> list[int]:
    """The cashier's shifts that were open at some point since ``since`` (for risk rules)."""
    return list(
        Shift.objects.filter(cashier_id=cashier_id)
        .exclude(closed_at__lt=since)
        .values_list("pk", flat=True)[:500]
    )


def refunds_without_receipt(cashier_id: int, since: Any) -> int:
    return PosRefund.objects.filter(
        shift__cashier_id=cashier_id, with_receipt=False, created_at__gte=since
    ).count()
