"""The large-catalog seed (issue #12): ``omniretail seed --scale large`` or ``--skus N --stores M``.

Runs after the demo steps and tops the chain up to ``M`` stores and ``N`` active SKUs: products
with two variants each, a primary in-house EAN-13 per SKU and a pack barcode (case of 6 or 12)
for every third, typed attribute rows, the search tokens the catalog services would index,
list prices per channel, member prices, and store price overrides for every 20th store.
Stock for the store assortments follows in ``inventory.scale_seed``.

Rows go in with ``bulkload`` (chunks of 5,000, ``COPY`` on PostgreSQL, secondary indexes
rebuilt after the load); the same ``--seed`` gives the same catalog.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from omniretail.core import bulkload, clock
from omniretail.core.models import Location, LocationKind, Region, Store, StoreType
from omniretail.core.seeding import SeedContext, seed_step

from .barcodes import make_ean13
from .models import (
    AttributeDefinition,
    Barcode,
    Category,
    LifecycleStatus,
    PriceEntry,
    Product,
    ProductBrand,
    SearchToken,
    Sku,
    SkuAttributeValue,
    SkuCodeRule,
)
from .search import sku_tokens, text_tokens

SKU_PREFIX = "LC"
# The scale steps run last — after the demo's analytics extract (order 990), so the seed's
# extract and alert rules cover the demo stores' year; the nightly extract picks the scale
# stores' stock up like any other (it streams: 52 s for the whole large seed).
SCALE_ORDER = 1000
# Every 20th scale store carries store-specific POS prices for part of its assortment.
OVERRIDE_EVERY = 20
OVERRIDES_PER_STORE = 1000

# category code → (nouns, specs with their volume/pack attribute, attribute codes to fill)
FAMILIES: dict[str, tuple[list[str], list[str]]] = {
    "BAIJIU": (
        ["酱香酒", "浓香原浆", "清香老酒", "窖藏", "陈酿", "纯粮酒", "年份酒", "典藏"],
        ["500ml", "1L"],
    ),
    "WINE": (["干红", "干白", "赤霞珠", "梅洛", "霞多丽", "起泡酒"], ["750ml", "375ml"]),
    "CIG": (["细支", "中支", "硬盒", "软盒", "爆珠", "金装"], ["20支", "10包"]),
    "DRINK": (
        ["矿泉水", "绿茶", "乌龙茶", "果汁", "苏打水", "功能饮料", "咖啡"],
        ["500ml", "1.5L"],
    ),
    "SNACK": (["薯片", "坚果", "牛肉干", "饼干", "瓜子", "海苔", "巧克力"], ["100g", "250g"]),
    "LIGHTER": (["防风打火机", "充气打火机", "火柴"], ["1个", "10个"]),
    "GIFTBAG": (["礼品袋", "手提袋", "包装盒"], ["大号", "小号"]),
}
ADJECTIVES = [
    "经典",
    "精选",
    "优级",
    "特制",
    "臻品",
    "珍藏",
    "金标",
    "银标",
    "红标",
    "蓝标",
    "尊享",
    "家庭装",
    "清爽",
    "醇厚",
    "原味",
    "香辣",
    "无糖",
    "低度",
    "高度",
    "老字号",
    "新品",
    "限定",
    "国潮",
    "传世",
]
ORIGINS = [
    "贵州仁怀",
    "四川宜宾",
    "山西汾阳",
    "山东烟台",
    "云南玉溪",
    "湖南长沙",
    "广东广州",
    "浙江杭州",
]


@dataclass(frozen=True)
class ScaleTargets:
    skus: int
    stores: int


def targets(ctx: SeedContext) -> ScaleTargets | None:
    if not ctx.skus and not ctx.stores:
        return None
    return ScaleTargets(skus=ctx.skus or 0, stores=ctx.stores or 0)


# --- stores -------------------------------------------------------------------------------------


def store_kind(i: int) -> str:
    """1 in 10 flagship, 3 in 10 tobacco & liquor, the rest convenience."""
    r = i % 10
    return (
        StoreType.FLAGSHIP
        if r == 0
        else StoreType.TOBACCO_LIQUOR
        if r <= 3
        else StoreType.CONVENIENCE
    )


def assortment_size(kind: str, rng: Any) -> int:
    if kind == StoreType.FLAGSHIP:
        return 15_000
    if kind == StoreType.TOBACCO_LIQUOR:
        return rng.randint(4_000, 8_000)
    return rng.randint(3_000, 5_000)


@seed_step("scale-stores", order=SCALE_ORDER)
def seed_scale_stores(ctx: SeedContext) -> None:
    goal = targets(ctx)
    if goal is None:
        return
    brand = ctx.objects["brand"]
    regions = list(Region.objects.filter(brand=brand).order_by("pk"))
    have = Store.objects.filter(brand=brand).count()
    missing = max(0, goal.stores - have)
    task = ctx.track("scale: stores", missing)
    store_ids = bulkload.next_ids(Store, missing)
    loc_ids = bulkload.next_ids(Location, 2 * missing)
    stores, locations = [], []
    for n, pk in enumerate(store_ids):
        kind = store_kind(n)
        region = regions[n % len(regions)]
        code = f"X{n + 1:04d}"
        stores.append(
            Store(
                pk=pk,
                brand=brand,
                region=region,
                code=code,
                name=f"{region.name}{n + 1}号店",
                name_en=f"{region.name_en or region.code} Store {n + 1}",
                store_type=kind,
                city=region.name,
                address=f"{region.name}路{n + 1}号",
                fulfils_online=kind != StoreType.TOBACCO_LIQUOR,
            )
        )
        for j, (suffix, lkind) in enumerate(
            (("FL", LocationKind.STORE_FLOOR), ("BR", LocationKind.STORE_BACKROOM))
        ):
            locations.append(
                Location(
                    pk=loc_ids[2 * n + j],
                    brand=brand,
                    region=region,
                    store_id=pk,
                    code=f"{code}-{suffix}",
                    name=f"{region.name}{n + 1}号店 {'卖场' if j == 0 else '后仓'}",
                    kind=lkind,
                    city=region.name,
                    fulfils_online=j == 0 and kind != StoreType.TOBACCO_LIQUOR,
                )
            )
    for start in range(0, len(stores), bulkload.CHUNK):
        Store.objects.bulk_create(stores[start : start + bulkload.CHUNK])
        ctx.progress.advance(task, len(stores[start : start + bulkload.CHUNK]))
    Location.objects.bulk_create(locations, batch_size=bulkload.CHUNK)
    bulkload.fix_sequence(Store)
    bulkload.fix_sequence(Location)
    ctx.objects["scale_store_ids"] = list(store_ids)
    ctx.truth["scale"] = {"stores_added": missing, "stores": have + missing}


# --- catalog ------------------------------------------------------------------------------------


@dataclass
class _Ref:
    brand: Any
    categories: dict[str, Category]
    product_brands: list[ProductBrand]
    attrs: dict[str, int]
    code_width: int


def _reference(brand: Any) -> _Ref:
    cats = {c.code: c for c in Category.objects.filter(brand=brand, code__in=list(FAMILIES))}
    missing = set(FAMILIES) - set(cats)
    if missing:
        raise RuntimeError(f"scale seed needs the demo categories {sorted(missing)}")
    return _Ref(
        brand=brand,
        categories=cats,
        product_brands=list(ProductBrand.objects.order_by("code")),
        attrs=dict(AttributeDefinition.objects.values_list("code", "pk")),
        code_width=7,
    )


def _price_fen(family: str, rng: Any) -> int:
    base = {
        "BAIJIU": (8_000, 300_000),
        "WINE": (5_000, 150_000),
        "CIG": (1_500, 10_000),
        "DRINK": (200, 1_500),
        "SNACK": (500, 5_000),
        "LIGHTER": (100, 3_000),
        "GIFTBAG": (200, 2_000),
    }[family]
    return rng.randint(*base) // 10 * 10


@seed_step("scale-catalog", order=SCALE_ORDER + 10)
def seed_scale_catalog(ctx: SeedContext) -> None:
    goal = targets(ctx)
    if goal is None:
        return
    brand = ctx.objects["brand"]
    have = Sku.objects.filter(product__brand=brand, status=LifecycleStatus.ACTIVE).count()
    count = max(0, goal.skus - have)
    ctx.truth.setdefault("scale", {})
    if count == 0:
        ctx.truth["scale"]["skus_added"] = 0
        return
    ref = _reference(brand)
    rng = ctx.rng
    now = clock.now()
    n_products = (count + 1) // 2
    product_ids = bulkload.next_ids(Product, n_products)
    sku_ids = bulkload.next_ids(Sku, count)
    rule, _ = SkuCodeRule.objects.get_or_create(brand=brand)
    ean_start = rule.in_house_next
    task = ctx.track("scale: SKUs", count)
    tables = [
        m._meta.db_table
        for m in (Barcode, SkuAttributeValue, PriceEntry, SearchToken, Sku, Product)
    ]
    stats = {"barcodes": 0, "pack_barcodes": 0, "prices": 0, "tokens": 0, "attribute_rows": 0}
    families = list(FAMILIES)
    with bulkload.indexes_deferred(*tables):
        for start in range(0, count, bulkload.CHUNK):
            end = min(count, start + bulkload.CHUNK)
            _write_chunk(
                ctx, ref, rng, now, start, end, product_ids, sku_ids, ean_start, families, stats
            )
            ctx.progress.update(task, completed=end)
    rule.in_house_next = ean_start + count + stats["pack_barcodes"] + 1
    rule.save(update_fields=["in_house_next"])
    for model in (Product, Sku, Barcode, SkuAttributeValue, PriceEntry):
        bulkload.fix_sequence(model)
    ctx.objects["scale_sku_ids"] = (sku_ids.start, sku_ids.stop)
    first = Sku.objects.filter(pk=sku_ids.start).first()
    ctx.truth["scale"].update(
        {
            "skus_added": count,
            "active_skus": have + count,
            "first_sku": first.code if first else None,
            **stats,
        }
    )


_PRODUCT_COLS = (
    "id",
    "brand_id",
    "category_id",
    "product_brand_id",
    "code",
    "name",
    "name_en",
    "description",
    "description_en",
    "status",
    "created_at",
    "updated_at",
)
_SKU_COLS = (
    "id",
    "product_id",
    "code",
    "name",
    "name_en",
    "short_name",
    "spec",
    "uom",
    "status",
    "tracks_batches",
    "tax_rate",
    "attributes",
    "created_at",
    "updated_at",
)
_BARCODE_COLS = ("sku_id", "code", "kind", "pack_quantity", "is_primary")
_ATTR_COLS = ("sku_id", "attribute_id", "value_text", "value_number")
_PRICE_COLS = (
    "sku_id",
    "kind",
    "channel",
    "store_id",
    "amount",
    "starts_at",
    "reason",
    "actor_label",
    "created_at",
)


class _Tokens:
    """``search.sku_tokens`` with each text's tokens memoised: generated names, specs, brands
    and origins repeat across thousands of SKUs, codes never do."""

    def __init__(self) -> None:
        self.cache: dict[str, frozenset[str]] = {}

    def __call__(self, texts: tuple[str, ...], codes: list[str]) -> set[str]:
        found = sku_tokens([], codes)
        for text in texts:
            hit = self.cache.get(text)
            if hit is None:
                hit = self.cache[text] = frozenset(text_tokens(text)) if text else frozenset()
            found |= hit
        return found


_tokens = _Tokens()


def _write_chunk(
    ctx: SeedContext,
    ref: _Ref,
    rng: Any,
    now: dt.datetime,
    start: int,
    end: int,
    product_ids: range,
    sku_ids: range,
    ean_start: int,
    families: list[str],
    stats: dict[str, int],
) -> None:
    prefix = ref.brand.gs1_prefix or "2"
    at = bulkload.db_datetime(now)
    since = bulkload.db_datetime(now - dt.timedelta(days=30))
    tax = connection.ops.adapt_decimalfield_value(Decimal("0.13"), 4, 2)
    products: list[tuple[Any, ...]] = []
    skus: list[tuple[Any, ...]] = []
    barcodes: list[tuple[Any, ...]] = []
    attr_rows: list[tuple[Any, ...]] = []
    prices: list[tuple[Any, ...]] = []
    token_groups: list[tuple[int, list[str]]] = []
    product_cache: dict[int, tuple[int, str, str, str, str]] = {}
    for n in range(start, end):
        p = n // 2
        if p not in product_cache:
            family = families[p % len(families)]
            nouns, _specs = FAMILIES[family]
            pb = ref.product_brands[rng.randrange(len(ref.product_brands))]
            pname = f"{pb.name}{rng.choice(ADJECTIVES)}{rng.choice(nouns)}"
            pcode = f"{SKU_PREFIX}P{p + 1:07d}"
            products.append(
                (
                    product_ids[p],
                    ref.brand.pk,
                    ref.categories[family].pk,
                    pb.pk,
                    pcode,
                    pname,
                    "",
                    "",
                    "",
                    LifecycleStatus.ACTIVE.value,
                    at,
                    at,
                )
            )
            product_cache[p] = (product_ids[p], family, pb.name, pname, pcode)
        product_id, family, pb_name, pname, pcode = product_cache[p]
        spec = FAMILIES[family][1][n % 2]
        sku_id = sku_ids[n]
        attrs: dict[str, Any] = {}
        if family in ("BAIJIU", "WINE"):
            attrs = {
                "origin": ORIGINS[rng.randrange(len(ORIGINS))],
                "abv": rng.choice([12, 38, 42, 53]),
            }
        elif family == "DRINK":
            attrs = {"volume_ml": 500 if spec == "500ml" else 1500}
        elif family == "CIG":
            attrs = {"packs_per_carton": 10, "tar_mg": rng.choice([6, 8, 10])}
        name = f"{pname} {spec}"
        code = f"{SKU_PREFIX}{n + 1:07d}"
        skus.append(
            (
                sku_id,
                product_id,
                code,
                name,
                "",
                name[:30],
                spec,
                "piece",
                LifecycleStatus.ACTIVE.value,
                False,
                tax,
                json.dumps(attrs, ensure_ascii=False),
                at,
                at,
            )
        )
        for acode, value in attrs.items():
            if acode in ref.attrs:
                text = isinstance(value, str)
                attr_rows.append(
                    (sku_id, ref.attrs[acode], value if text else "", None if text else value)
                )
        codes = [make_ean13(prefix, ean_start + n)]
        barcodes.append((sku_id, codes[0], "internal", 1, True))
        if n % 3 == 0:
            # Pack barcodes live above the unit range: unit n → ean_start + count + n // 3.
            pack = make_ean13(prefix, ean_start + len(sku_ids) + n // 3)
            barcodes.append((sku_id, pack, "internal", 12 if family == "CIG" else 6, False))
            codes.append(pack)
            stats["pack_barcodes"] += 1
        list_fen = _price_fen(family, rng)
        prices.append((sku_id, "list", "", None, list_fen, since, "opening price list", "seed", at))
        if n % 3 == 1:
            prices.append(
                (
                    sku_id,
                    "list",
                    "online",
                    None,
                    list_fen * 95 // 100,
                    since,
                    "opening price list",
                    "seed",
                    at,
                )
            )
        if n % 5 == 0:
            prices.append(
                (
                    sku_id,
                    "member",
                    "",
                    None,
                    list_fen * 9 // 10,
                    since,
                    "opening price list",
                    "seed",
                    at,
                )
            )
        extra = [v for v in attrs.values() if isinstance(v, str)]
        texts = (name, name[:30], spec, pname, pb_name, *extra)
        token_groups.append((sku_id, list(_tokens(texts, [code, pcode, *codes]))))
    bulkload.insert_rows(Product._meta.db_table, _PRODUCT_COLS, products)
    bulkload.insert_rows(Sku._meta.db_table, _SKU_COLS, skus)
    bulkload.insert_rows(Barcode._meta.db_table, _BARCODE_COLS, barcodes)
    bulkload.insert_rows(SkuAttributeValue._meta.db_table, _ATTR_COLS, attr_rows)
    bulkload.insert_rows(PriceEntry._meta.db_table, _PRICE_COLS, prices)
    tokens = bulkload.insert_fanned(SearchToken._meta.db_table, "token", "sku_id", token_groups)
    stats["barcodes"] += len(barcodes)
    stats["prices"] += len(prices)
    stats["tokens"] += tokens
    stats["attribute_rows"] += len(attr_rows)


def store_overrides(store_id: int, sku_ids: list[int], rng: Any) -> int:
    """Store-specific POS list prices (a price war, a local deal) for some of its SKUs."""
    now = clock.now()
    at = bulkload.db_datetime(now)
    since = bulkload.db_datetime(now - dt.timedelta(days=7))
    rows = [
        (
            sku_id,
            "list",
            "pos",
            store_id,
            rng.randint(100, 200_000) // 10 * 10,
            since,
            "store price",
            "seed",
            at,
        )
        for sku_id in sku_ids[:OVERRIDES_PER_STORE]
    ]
    return bulkload.insert_rows(PriceEntry._meta.db_table, _PRICE_COLS, rows)
