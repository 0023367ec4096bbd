"""Till reads: the scan (barcode → priced line) and the priced cart on the screen.

The scan is the hottest read of the till and is benchmarked: one barcode join to its SKU with
its free stock and price in force, one restriction read and the brand's active promotions; the cart
line is built here from rows already read instead of through ``build_cart`` (which would read
the SKU and its price again)."""

from __future__ import annotations

import functools
import time
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from omniretail.accounts.scope import scope_version
from omniretail.catalog.models import (
    Barcode,
    Category,
    Channel,
    PriceEntry,
    PriceKind,
    Product,
    Sku,
    SkuTag,
)
from omniretail.catalog.restrictions import check_sellable, check_sellable_many
from omniretail.core import clock
from omniretail.core.errors import NotFound
from omniretail.core.models import Location, Store
from omniretail.core.money import from_fen, quantize
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


_till_stores: dict[int, tuple[Any, Store]] = {}


def till_store(store_id: int) -> Store | None:
    """A store by id for the till's hot reads, cached under the access version (any store,
    location or region saved or deleted moves it, as for cached scopes)."""
    version = scope_version()
    hit = _till_stores.get(store_id)
    if hit is not None and hit[0] == version:
        return hit[1]
    store = Store.objects.filter(pk=store_id).first() if 0 < store_id < 2**62 else None
    if store is not None:
        if len(_till_stores) > 5_000:
            _till_stores.clear()
        _till_stores[store_id] = (version, store)
    return store


# The scan's one lookup, written out once instead of built by the ORM per scan (building the
# queryset with its two correlated subqueries cost several times what the database spends on
# it). The barcode's unique index finds the row; the SKU, product and category by primary key;
# the store's free stock through ``stock_level_loc_sku_idx`` for each of the store's
# locations; the POS list price in force through ``price_sku_kind_start_idx``, ranked as
# ``catalog.pricing.resolve_prices`` ranks it: the most specific row (store + channel > store
# > channel > base), then the latest start, then the latest row.
_SCAN_SQL = """
SELECT b.code, b.pack_quantity, s.id, s.code, s.name, s.status, p.id, p.product_brand_id,
       c.id, c.path,
       (SELECT SUM(sl.on_hand - sl.reserved)
          FROM {stock} sl INNER JOIN {location} l ON sl.location_id = l.id
         WHERE l.store_id = %s AND sl.sku_id = b.sku_id) AS free,
       (SELECT pe.amount
          FROM {price} pe
         WHERE pe.sku_id = b.sku_id AND pe.kind = %s AND pe.starts_at <= %s
           AND (pe.ends_at IS NULL OR pe.ends_at > %s)
           AND (pe.store_id IS NULL OR pe.store_id = %s)
           AND (pe.channel = '' OR pe.channel = %s)
         ORDER BY (CASE WHEN pe.store_id IS NULL THEN 0 ELSE 2 END
                   + CASE WHEN pe.channel = '' THEN 0 ELSE 1 END) DESC,
                  pe.starts_at DESC, pe.id DESC
         LIMIT 1) AS price
  FROM {barcode} b
 INNER JOIN {sku} s ON s.id = b.sku_id
 INNER JOIN {product} p ON p.id = s.product_id
 INNER JOIN {category} c ON c.id = p.category_id
 WHERE b.code = %s AND p.brand_id = %s
"""


@functools.cache
def _scan_sql() -> str:
    return _SCAN_SQL.format(
        stock=StockLevel._meta.db_table,
        location=Location._meta.db_table,
        price=PriceEntry._meta.db_table,
        barcode=Barcode._meta.db_table,
        sku=Sku._meta.db_table,
        product=Product._meta.db_table,
        category=Category._meta.db_table,
    )


def _scan_row(store: Store, barcode: str, now: Any) -> tuple[Any, ...] | None:
    params = [
        store.pk,
        str(PriceKind.LIST),
        connection.ops.adapt_datetimefield_value(now),
        connection.ops.adapt_datetimefield_value(now),
        store.pk,
        str(Channel.POS),
        barcode[:14],
        store.brand_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_scan_sql(), params)
        return cursor.fetchone()  # type: ignore[no-any-return]


def scan(store: Store, barcode: str) -> PricedLine:
    """A barcode at a store's till → one priced line; a pack barcode (a case of 6) scans as
    its pack quantity of units.

    Two queries when warm: the barcode with its SKU, category, the store's free stock and the
    POS price in force (``_SCAN_SQL``: one join plus two correlated subqueries, each on an
    index), and the sale restrictions; the brand's active promotions when not cached, and the
    SKU's tags only when a promotion is scoped by tag."""
    now = clock.now()
    row = _scan_row(store, barcode, now)
    if row is None:
        raise NotFound(_("barcode"), code=PosError.UNKNOWN_BARCODE)
    (code, quantity, sku_id, sku_code, sku_name, status, product_id, product_brand_id) = row[:8]
    category_id, category_path, free, amount = row[8:]
    category = Category.from_db(connection.alias, ["id", "path"], [category_id, category_path])
    product = Product.from_db(
        connection.alias,
        ["id", "category_id", "product_brand_id"],
        [product_id, category_id, product_brand_id],
    )
    product.category = category
    sku = Sku.from_db(
        connection.alias,
        ["id", "product_id", "code", "name", "status"],
        [sku_id, product_id, sku_code, sku_name, status],
    )
    sku.product = product
    verdict = check_sellable(sku, "pos")
    price = None if amount is None else from_fen(int(amount))
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
        reasons=list(verdict.reasons)
        + ([] if price is not None else [_("No price for this store.")]),
        barcode=code,
    )
    line.available = int(free or 0)
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
                unit_price=price,
                category_ids=promo.category_ids_of_path(category_path),
                brand_id=product_brand_id,
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
