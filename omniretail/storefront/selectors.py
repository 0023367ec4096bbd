"""Storefront reads: the stores that fulfil online, a store's online assortment with prices and
availability, and a priced preview of the shopper's cart.

The storefront sells only what the catalog lets the online channel sell: SKUs under a
"not sellable online" rule (tobacco) are never listed, and every listed SKU is checked again
with ``check_sellable`` (age-checked goods carry "age check at pickup"). Prices are the online
list prices of the store; promotions and coupons come from the promotions engine, the same
pure function the order is priced with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils.translation import get_language

from omniretail.catalog import pricing
from omniretail.catalog.models import (
    Category,
    LifecycleStatus,
    PriceKind,
    RestrictionKind,
    SaleRestriction,
    Sku,
)
from omniretail.catalog.restrictions import check_sellable
from omniretail.catalog.search import search_sku_ids
from omniretail.core import clock
from omniretail.core.models import Location, LocationKind, Store
from omniretail.inventory.models import StockLevel
from omniretail.promotions import coupons as coupon_service
from omniretail.promotions import engine
from omniretail.promotions import selectors as promo_selectors

CHANNEL = "online"
PAGE_SIZE = 24
MAX_PAGE = 200


def localised(name: str, name_en: str) -> str:
    return name_en if name_en and (get_language() or "").startswith("en") else name


def online_stores() -> list[Store]:
    return list(
        Store.objects.filter(is_active=True, fulfils_online=True)
        .select_related("region")
        .order_by("code")
    )


def online_store(store_id: Any) -> Store | None:
    try:
        pk = int(store_id)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**62:
        return None
    return Store.objects.filter(pk=pk, is_active=True, fulfils_online=True).first()


def fulfilment_location(store: Store) -> Location | None:
    """Where the store's online orders are picked: the floor (as the orders service does)."""
    return (
        Location.objects.filter(store=store, kind=LocationKind.STORE_FLOOR).order_by("pk").first()
        or Location.objects.filter(store=store).order_by("pk").first()
    )


def _not_online(brand_id: int) -> Q:
    """SKUs a "not sellable" rule for the online channel covers (category subtree or SKU)."""
    rules = SaleRestriction.objects.filter(
        Q(channel="") | Q(channel=CHANNEL), kind=RestrictionKind.NOT_SELLABLE
    )
    cond = Q(pk__in=[])
    paths = list(
        Category.objects.filter(
            brand_id=brand_id, pk__in=rules.exclude(category=None).values("category_id")
        ).values_list("path", flat=True)
    )
    for path in paths:
        cond |= Q(product__category__path__startswith=path)
    sku_ids = list(rules.exclude(sku=None).values_list("sku_id", flat=True))
    if sku_ids:
        cond |= Q(pk__in=sku_ids)
    return cond


def top_categories(brand_id: int) -> list[dict[str, Any]]:
    rows = Category.objects.filter(brand_id=brand_id, is_active=True, depth=1).order_by(
        "sort_order", "code"
    )[:20]
    return [{"id": c.pk, "name": localised(c.name, c.name_en)} for c in rows]


@dataclass
class Item:
    sku_id: int
    code: str
    name: str
    spec: str
    price: Decimal
    available: int
    age_check: bool = False
    min_age: int | None = None
    codes: list[str] = field(default_factory=list)

    @property
    def in_stock(self) -> bool:
        return self.available > 0


def availability(location: Location | None, sku_ids: Iterable[int]) -> dict[int, int]:
    """Units free to promise at the location: on hand − reserved − safety buffer."""
    ids = list(sku_ids)
    if location is None or not ids:
        return {}
    return {
        sku_id: max(on_hand - reserved - buffer, 0)
        for sku_id, on_hand, reserved, buffer in StockLevel.objects.filter(
            location=location, sku_id__in=ids
        ).values_list("sku_id", "on_hand", "reserved", "safety_buffer")
    }


def items_for(store: Store, skus: Sequence[Sku]) -> list[Item]:
    """Listed items of ``skus`` in their order: priced online at the store, sellable online."""
    prices = pricing.resolve_prices(
        [s.pk for s in skus], PriceKind.LIST, store_id=store.pk, channel=CHANNEL, at=clock.now()
    )
    stock = availability(fulfilment_location(store), [s.pk for s in skus])
    out = []
    for sku in skus:
        price = prices.get(sku.pk)
        if price is None:
            continue
        verdict = check_sellable(sku, CHANNEL)
        if not verdict.sellable:
            continue  # tobacco and inactive SKUs are never listed online
        out.append(
            Item(
                sku_id=sku.pk,
                code=sku.code,
                name=localised(sku.name, sku.name_en),
                spec=sku.spec,
                price=price.amount,
                available=stock.get(sku.pk, 0),
                age_check=verdict.requires_age_check,
                min_age=verdict.min_age,
                codes=verdict.codes,
            )
        )
    return out


def assortment(
    store: Store, *, q: str = "", category_id: int | None = None, page: int = 1
) -> tuple[list[Item], bool]:
    """One page of the store's online assortment (and whether a next page exists).

    The store's assortment is what its fulfilment location carries (a stock row), of the
    brand's active SKUs, minus what may not be sold online."""
    location = fulfilment_location(store)
    if location is None:
        return [], False
    qs = (
        Sku.objects.filter(
            product__brand_id=store.brand_id,
            status=LifecycleStatus.ACTIVE,
            pk__in=StockLevel.objects.filter(location=location).values("sku_id"),
        )
        .exclude(_not_online(store.brand_id))
        .select_related("product", "product__category")
    )
    if category_id:
        cat = Category.objects.filter(pk=category_id, brand_id=store.brand_id).first()
        qs = qs.filter(product__category__path__startswith=cat.path) if cat else qs.none()
    page = min(max(page, 1), MAX_PAGE)
    start = (page - 1) * PAGE_SIZE
    if q.strip():
        ids = search_sku_ids(q[:100], base=qs, limit=start + PAGE_SIZE + 1)
        rows = {s.pk: s for s in qs.filter(pk__in=ids)}
        skus = [rows[i] for i in ids if i in rows]
    else:
        skus = list(qs.order_by("product__category__path", "code")[: start + PAGE_SIZE + 1])
    window = skus[start : start + PAGE_SIZE + 1]
    return items_for(store, window[:PAGE_SIZE]), len(window) > PAGE_SIZE


def item(store: Store, sku_id: int) -> Item | None:
    sku = (
        Sku.objects.select_related("product", "product__category")
        .filter(pk=sku_id, product__brand_id=store.brand_id)
        .first()
        if 0 < sku_id < 2**62
        else None
    )
    if sku is None:
        return None
    found = items_for(store, [sku])
    return found[0] if found else None


@dataclass
class CartLineView:
    item: Item
    quantity: int
    list_amount: Decimal = Decimal("0.00")
    discount: Decimal = Decimal("0.00")
    net: Decimal = Decimal("0.00")

    @property
    def short(self) -> bool:
        return self.quantity > self.item.available


@dataclass
class CartView:
    lines: list[CartLineView]
    list_total: Decimal = Decimal("0.00")
    discount_total: Decimal = Decimal("0.00")
    total: Decimal = Decimal("0.00")
    explanation: list[str] = field(default_factory=list)
    coupon_error: str = ""
    dropped: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not any(line.short for line in self.lines)


def cart_view(
    store: Store, items: dict[int, int], *, member_id: int | None = None, coupon: str = ""
) -> CartView:
    """The cart priced as the order will be: the engine with the brand's active promotions
    and the coupon (an unusable coupon is explained, and the cart priced without it)."""
    from omniretail.core.errors import DomainError

    skus = list(
        Sku.objects.select_related("product", "product__category").filter(
            pk__in=list(items), product__brand_id=store.brand_id
        )
    )
    listed = {i.sku_id: i for i in items_for(store, skus)}
    dropped = [sku_id for sku_id in items if sku_id not in listed]
    lines = [CartLineView(listed[s], q) for s, q in items.items() if s in listed and q > 0]
    view = CartView(lines=lines, dropped=dropped)
    if not lines:
        return view
    now = clock.now()
    coupon_defs: list[Any] = []
    if coupon:
        try:
            coupon_defs = coupon_service.resolve_coupons(
                store.brand_id, [coupon], channel=CHANNEL, member_id=member_id, at=now
            )
        except DomainError as exc:
            view.coupon_error = exc.message
    cart = promo_selectors.build_cart(
        store.brand_id,
        [(line.item.sku_id, line.quantity) for line in lines],
        channel=CHANNEL,
        store=store,
        at=now,
        member_id=member_id,
        coupons=coupon_defs,
    )
    result = engine.price_cart(cart, promo_selectors.active_promotions(store.brand_id, now))
    by_sku = {r.sku_id: r for r in result.lines}
    for line in lines:
        priced = by_sku.get(line.item.sku_id)
        if priced is not None:
            line.list_amount, line.discount, line.net = (
                priced.list_amount,
                priced.discount,
                priced.net_amount,
            )
    view.list_total = result.list_total
    view.discount_total = result.discount_total
    view.total = result.total
    view.explanation = [a.message for a in result.applied]
    return view


def order_lines(order: Any) -> list[dict[str, Any]]:
    return [
        {
            "name": localised(line.sku.name, line.sku.name_en),
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount": line.discount,
            "net": line.net,
            "in_store_purchase": line.in_store_purchase,
        }
        for line in order.lines.select_related("sku").order_by("line_no")
    ]


def member_orders(member: Any, *, limit: int = 30) -> list[Any]:
    """The member's orders in every channel (till receipts and online orders), newest first."""
    from omniretail.orders.models import Order

    return list(
        Order.objects.select_related("store")
        .filter(member_id=member.pk)
        .order_by("-created_at", "-pk")[:limit]
    )
