"""Demo catalog: liquor, tobacco, drinks, snacks, daily goods, gifts (~2,000 SKUs at scale 1).

Rows go through the importer's chunked apply, so seeded SKUs carry the same barcodes, prices,
attribute rows, label events and search tokens as imported or API-created ones.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from omniretail.core.seeding import SeedContext, seed_step

from . import barcodes as bc
from .categories import create_category
from .importer import CHUNK, _apply_chunk, _Context, _validate
from .models import (
    AttributeDefinition,
    AttributeType,
    Category,
    CategoryAttribute,
    ProductBrand,
    RestrictionKind,
    SaleRestriction,
    Tag,
    TagRule,
)

ATTRIBUTES = [
    ("abv", "酒精度", "ABV", AttributeType.NUMBER, "%vol", []),
    ("volume_ml", "容量", "Volume", AttributeType.NUMBER, "ml", []),
    (
        "aroma_type",
        "香型",
        "Aroma type",
        AttributeType.ENUM,
        "",
        ["酱香", "浓香", "清香", "兼香", "米香", "凤香"],
    ),
    ("origin", "产地", "Origin", AttributeType.TEXT, "", []),
    ("vintage", "年份", "Vintage", AttributeType.NUMBER, "", []),
    ("gift_box", "礼盒装", "Gift box", AttributeType.BOOLEAN, "", []),
    ("packs_per_carton", "每条包数", "Packs per carton", AttributeType.NUMBER, "", []),
    ("tar_mg", "焦油量", "Tar", AttributeType.NUMBER, "mg", []),
    ("colour", "颜色", "Colour", AttributeType.TEXT, "", []),
    ("size", "尺码", "Size", AttributeType.ENUM, "", ["S", "M", "L", "XL"]),
    ("material", "材质", "Material", AttributeType.TEXT, "", []),
]
# code, name, English, parent, attributes (code, required), near-expiry days
CATEGORIES = [
    ("LIQ", "酒类", "Liquor", None, [("abv", True), ("volume_ml", True)], None),
    (
        "BAIJIU",
        "白酒",
        "Baijiu",
        "LIQ",
        [("aroma_type", True), ("origin", False), ("gift_box", False)],
        None,
    ),
    ("WINE", "葡萄酒", "Wine", "LIQ", [("origin", False), ("vintage", False)], None),
    ("BEER", "啤酒", "Beer", "LIQ", [], 30),
    ("TOB", "烟草", "Tobacco", None, [("packs_per_carton", True), ("tar_mg", False)], None),
    ("CIG", "卷烟", "Cigarettes", "TOB", [], None),
    ("DRINK", "饮料", "Drinks", None, [("volume_ml", False)], 15),
    ("SNACK", "休闲食品", "Snacks", None, [], 20),
    ("DAILY", "日用百货", "Daily goods", None, [], None),
    ("LIGHTER", "打火机", "Lighters", "DAILY", [], None),
    (
        "APPAREL",
        "服饰",
        "Apparel",
        "DAILY",
        [("colour", False), ("size", False), ("material", False)],
        None,
    ),
    ("GIFT", "礼品", "Gifts", None, [], None),
    ("GIFTBOX", "节令礼盒", "Seasonal gift boxes", "GIFT", [], 60),
    ("GIFTBAG", "礼品袋", "Gift bags", "GIFT", [], None),
]
BAIJIU = [  # brand code, brand, English, product, aroma, origin, base price per 500ml, abv
    ("MOUTAI", "贵州茅台", "Kweichow Moutai", "飞天", "酱香", "贵州仁怀", 2499, 53),
    ("MOUTAI", "贵州茅台", "Kweichow Moutai", "王子酒", "酱香", "贵州仁怀", 268, 53),
    ("WULIANGYE", "五粮液", "Wuliangye", "第八代普五", "浓香", "四川宜宾", 1099, 52),
    ("YANGHE", "洋河", "Yanghe", "梦之蓝M6+", "浓香", "江苏宿迁", 699, 52),
    ("YANGHE", "洋河", "Yanghe", "海之蓝", "浓香", "江苏宿迁", 168, 42),
    ("FENJIU", "汾酒", "Fenjiu", "青花30", "清香", "山西汾阳", 899, 53),
    ("FENJIU", "汾酒", "Fenjiu", "黄盖玻汾", "清香", "山西汾阳", 59, 53),
    ("LUZHOU", "泸州老窖", "Luzhou Laojiao", "国窖1573", "浓香", "四川泸州", 1099, 52),
    ("LUZHOU", "泸州老窖", "Luzhou Laojiao", "特曲", "浓香", "四川泸州", 258, 52),
]
CIGS = [
    ("ZHONGHUA", "中华", "Chunghwa", ["硬", "软", "双中支"], 45),
    ("YUXI", "玉溪", "Yuxi", ["软", "硬和谐"], 23),
    ("FURONGWANG", "芙蓉王", "Furongwang", ["硬", "蓝"], 25),
    ("HUANGHELOU", "黄鹤楼", "Huanghelou", ["硬金砂", "1916"], 30),
]
SIMPLE = {  # category: (brand code, brand, English, [(name, spec, price, uom)])
    "BEER": [
        (
            "TSINGTAO",
            "青岛啤酒",
            "Tsingtao",
            [
                ("经典", "500ml", Decimal("6.5"), "can"),
                ("纯生", "500ml", Decimal("8"), "can"),
                ("白啤", "330ml", Decimal("9"), "bottle"),
            ],
        )
    ],
    "WINE": [
        (
            "CHANGYU",
            "张裕",
            "Changyu",
            [
                ("解百纳干红", "750ml", Decimal("128"), "bottle"),
                ("爱斐堡赤霞珠", "750ml", Decimal("398"), "bottle"),
            ],
        )
    ],
    "DRINK": [
        (
            "NONGFU",
            "农夫山泉",
            "Nongfu Spring",
            [
                ("饮用天然水", "550ml", Decimal("2"), "bottle"),
                ("东方树叶乌龙茶", "500ml", Decimal("5"), "bottle"),
            ],
        ),
        (
            "COKE",
            "可口可乐",
            "Coca-Cola",
            [("可乐", "330ml", Decimal("3.5"), "can"), ("雪碧", "500ml", Decimal("3.5"), "bottle")],
        ),
    ],
    "SNACK": [
        ("OREO", "奥利奥", "Oreo", [("原味夹心饼干", "97g", Decimal("7.9"), "pack")]),
        (
            "WANGWANG",
            "旺旺",
            "Want Want",
            [("仙贝", "52g", Decimal("6.5"), "bag"), ("雪饼", "84g", Decimal("8.5"), "bag")],
        ),
        ("LAYS", "乐事", "Lay's", [("原味薯片", "70g", Decimal("8"), "bag")]),
    ],
    "DAILY": [
        ("VINDA", "维达", "Vinda", [("抽纸", "3层100抽", Decimal("12.9"), "pack")]),
        ("COLGATE", "高露洁", "Colgate", [("牙膏", "120g", Decimal("15.9"), "piece")]),
    ],
    "LIGHTER": [
        ("ZIPPO", "Zippo", "Zippo", [("经典镀铬打火机", "", Decimal("198"), "piece")]),
        ("BIC", "比克", "BIC", [("一次性打火机", "", Decimal("5"), "piece")]),
    ],
    "GIFTBOX": [
        ("WUFANGZHAI", "五芳斋", "Wufangzhai", [("粽子礼盒", "1.2kg", Decimal("168"), "box")]),
        (
            "GUANGZHOUJIUJIA",
            "广州酒家",
            "Guangzhou Restaurant",
            [("双黄莲蓉月饼礼盒", "750g", Decimal("298"), "box")],
        ),
    ],
    "GIFTBAG": [("HOUSE", "自营", "House brand", [("烟酒礼品袋", "大号", Decimal("3"), "piece")])],
    "APPAREL": [("HOUSE", "自营", "House brand", [("文化衫", "", Decimal("79"), "piece")])],
}


class _Barcodes:
    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set()

    def ean13(self) -> str:
        while True:
            body = "69" + "".join(str(self.rng.randrange(10)) for _ in range(10))
            code = body + str(bc.check_digit(body))
            if code not in self.used:
                self.used.add(code)
                return code


def build_rows(rng: random.Random, count: int, prefix: str = "") -> list[dict[str, str]]:
    """``count`` deterministic import rows covering every category."""
    import json

    codes = _Barcodes(rng)
    rows: list[dict[str, str]] = []

    def add(
        cat: str,
        brand: str,
        name: str,
        spec: str,
        price: Decimal,
        uom: str,
        attrs: dict[str, Any],
        packs: str = "",
        member: bool = True,
    ) -> None:
        n = len(rows) + 1
        cost = (price * Decimal(rng.choice(["0.55", "0.62", "0.7", "0.78", "0.85"]))).quantize(
            Decimal("0.01")
        )
        rows.append(
            {
                "sku_code": f"{prefix}S{n:07d}",
                "product_code": f"{prefix}P{n:07d}",
                "category_code": cat,
                "brand_code": brand,
                "name": name,
                "spec": spec,
                "uom": uom,
                "status": "active" if rng.random() > 0.03 else "draft",
                "barcode": codes.ean13(),
                "pack_barcodes": packs,
                "list_price": str(price),
                "member_price": str((price * Decimal("0.95")).quantize(Decimal("0.01")))
                if member
                else "",
                "cost": str(cost),
                "attributes": json.dumps(attrs, ensure_ascii=False),
            }
        )

    volumes = [
        (500, Decimal(1)),
        (375, Decimal("0.8")),
        (1000, Decimal("1.9")),
        (100, Decimal("0.25")),
        (1500, Decimal("2.9")),
    ]
    while len(rows) < count:
        for bcode, _bn, _en, pname, aroma, origin, base, abv in BAIJIU:
            vol, factor = rng.choice(volumes)
            gift = rng.random() < 0.25
            year = rng.choice(["", "2019年", "2020年", "2021年", "2022年", "2023年"])
            price = (Decimal(base) * factor * (Decimal("1.3") if gift else 1)).quantize(
                Decimal("1")
            )
            spec = f"{abv}%vol {vol}ml" + (" 礼盒装" if gift else "") + (f" {year}" if year else "")
            add(
                "BAIJIU",
                bcode,
                pname,
                spec,
                price,
                "box" if gift else "bottle",
                {
                    "abv": abv,
                    "volume_ml": vol,
                    "aroma_type": aroma,
                    "origin": origin,
                    "gift_box": gift,
                },
                packs=f"{codes.ean13()}*6",
            )
        for bcode, _bn, _en, variants, price in CIGS:
            v = rng.choice(variants)
            add(
                "CIG",
                bcode,
                v,
                f"20支 焦油{rng.choice([6, 8, 10, 11])}mg",
                Decimal(price),
                "pack",
                {"packs_per_carton": 10, "tar_mg": rng.choice([6, 8, 10, 11])},
                packs=f"{codes.ean13()}*10",
                member=False,
            )
        for cat, brands in SIMPLE.items():
            for bcode, _bn, _en, items in brands:
                name, spec, price, uom = rng.choice(items)
                attrs: dict[str, Any] = {}
                if cat == "BEER":
                    attrs = {"abv": rng.choice(["3.1", "4.0", "4.7"]), "volume_ml": int(spec[:-2])}
                    packs = f"{codes.ean13()}*24"
                elif cat == "WINE":
                    attrs = {
                        "abv": rng.choice(["12", "13", "13.5", "14"]),
                        "volume_ml": 750,
                        "origin": rng.choice(["山东烟台", "宁夏贺兰山", "新疆天山北麓"]),
                        "vintage": rng.choice([2018, 2019, 2020, 2021]),
                    }
                    packs = ""
                elif cat == "DRINK":
                    attrs, packs = (
                        {"volume_ml": int(spec[:-2])},
                        f"{codes.ean13()}*{rng.choice([12, 24])}",
                    )
                elif cat == "APPAREL":
                    attrs, packs = (
                        {
                            "colour": rng.choice(["黑", "白", "红"]),
                            "size": rng.choice(["S", "M", "L", "XL"]),
                            "material": "棉",
                        },
                        "",
                    )
                else:
                    packs = ""
                variant = rng.choice(["", "", "新款", "限定", "家庭装"])
                add(
                    cat,
                    bcode,
                    name + (variant and f"（{variant}）"),
                    spec,
                    price * (Decimal("1.8") if variant == "家庭装" else 1),
                    uom,
                    attrs,
                    packs,
                )
    return rows[:count]


def ensure_reference_data(brand: Any) -> dict[str, Category]:
    """Attribute library, categories with attribute sets, product brands, tags, sale rules."""
    attrs = {}
    for code, name, en, typ, unit, choices in ATTRIBUTES:
        attrs[code], _c = AttributeDefinition.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": en, "type": typ, "unit": unit, "choices": choices},
        )
    cats: dict[str, Category] = {c.code: c for c in Category.objects.filter(brand=brand)}
    for i, (code, name, en, parent, links, near) in enumerate(CATEGORIES):
        if code not in cats:
            cats[code] = create_category(
                brand,
                code=code,
                name=name,
                name_en=en,
                parent=cats[parent] if parent else None,
                sort_order=i * 10,
                near_expiry_days=near,
            )
            for j, (acode, required) in enumerate(links):
                CategoryAttribute.objects.create(
                    category=cats[code], attribute=attrs[acode], required=required, sort_order=j
                )
    if not SaleRestriction.objects.filter(category=cats["TOB"]).exists():
        for channel in ("online", "marketplace"):
            SaleRestriction.objects.create(
                category=cats["TOB"],
                channel=channel,
                kind=RestrictionKind.NOT_SELLABLE,
                display_allowed=True,
                note="烟草制品不得网上销售，可展示并预约到店购买",
            )
        SaleRestriction.objects.create(
            category=cats["LIQ"],
            channel="pos",
            kind=RestrictionKind.AGE_CHECK,
            min_age=18,
            note="向未成年人售酒违法，请核验年龄",
        )
        SaleRestriction.objects.create(
            category=cats["TOB"],
            channel="pos",
            kind=RestrictionKind.AGE_CHECK,
            min_age=18,
            note="不向未成年人售烟",
        )
    brands = (
        {(b[0], b[1], b[2]) for b in BAIJIU}
        | {(c[0], c[1], c[2]) for c in CIGS}
        | {(b[0], b[1], b[2]) for v in SIMPLE.values() for b in v}
    )
    for code, name, en in sorted(brands):
        ProductBrand.objects.get_or_create(code=code, defaults={"name": name, "name_en": en})
    for code, name, en, rule, params in [
        ("new", "新品", "New arrival", TagRule.NEW_ARRIVAL, {"days": 30}),
        ("high-margin", "高毛利", "High margin", TagRule.HIGH_MARGIN, {"min_margin": "0.35"}),
        ("slow-mover", "滞销", "Slow mover", TagRule.SUGGESTED, {}),
        ("gift", "送礼推荐", "Gift pick", TagRule.MANUAL, {}),
    ]:
        Tag.objects.get_or_create(
            brand=brand,
            code=code,
            defaults={"name": name, "name_en": en, "rule": rule, "params": params},
        )
    return cats


def load_rows(brand: Any, rows: list[dict[str, str]], progress: Any = None) -> int:
    ctx = _Context(brand)
    outcomes = [_validate(i, r, ctx) for i, r in enumerate(rows, start=2)]
    bad = [o for o in outcomes if o.issues]
    if bad:
        raise RuntimeError(f"seed rows invalid: {bad[0].row} {bad[0].issues}")
    for start in range(0, len(outcomes), CHUNK):
        _apply_chunk(brand, outcomes[start : start + CHUNK])
        if progress:
            progress(min(start + CHUNK, len(outcomes)))
    return len(outcomes)


@seed_step("catalog", order=30)
def seed_catalog(ctx: SeedContext) -> None:
    brand = ctx.objects["brand"]
    ensure_reference_data(brand)
    count = ctx.scaled(2000, minimum=50)
    rows = build_rows(ctx.rng, count)
    task = ctx.track("catalog: SKUs", count)
    load_rows(brand, rows, progress=lambda done: ctx.progress.update(task, completed=done))
    from omniretail.core.maintenance import refresh_statistics

    from .models import Sku

    # Fresh bulk-loaded tables have no planner statistics; PostgreSQL then planned the updates
    # below as nested loops over "empty" tables and took minutes.
    refresh_statistics()
    # Perishables track batches and expiry (the inventory seed plants lots for these).
    for code, days in (("BEER", 365), ("DRINK", 365), ("SNACK", 270), ("GIFTBOX", 90)):
        ids = list(
            Sku.objects.filter(product__brand=brand, product__category__code=code).values_list(
                "pk", flat=True
            )
        )
        Sku.objects.filter(pk__in=ids).update(tracks_batches=True, shelf_life_days=days)
    skus = list(Sku.objects.filter(product__brand=brand).order_by("pk"))
    ctx.objects["skus"] = [s for s in skus if s.status == "active"]
    moutai = next(r for r in rows if r["brand_code"] == "MOUTAI")
    ctx.truth["catalog"] = {
        "sku_count": len(skus),
        "active_sku_count": sum(1 for s in skus if s.status == "active"),
        "tobacco_not_sellable_online": True,
        "search_examples": {
            "mt": "贵州茅台",
            "茅台": "贵州茅台",
            moutai["barcode"]: moutai["sku_code"],
        },
    }


from . import scale_seed  # noqa: E402,F401  (registers the large-catalog steps)
