"""Demo organisation: one brand, three regions, stores in several cities, warehouses."""

from __future__ import annotations

import datetime as dt

from .models import Brand, Location, LocationKind, Region, Store, StoreType
from .seeding import SeedContext, seed_step

REGIONS = [
    ("EAST", "华东", "East China"),
    ("SOUTH", "华南", "South China"),
    ("NORTH", "华北", "North China"),
]

# (code, name, English name, type, city, address, latitude, longitude, region)
STORES = [
    (
        "SH001",
        "上海南京西路旗舰店",
        "Shanghai West Nanjing Rd Flagship",
        StoreType.FLAGSHIP,
        "上海",
        "静安区南京西路1266号",
        31.2298,
        121.4547,
        "EAST",
    ),
    (
        "SH002",
        "上海徐家汇烟酒店",
        "Shanghai Xujiahui Tobacco & Liquor",
        StoreType.TOBACCO_LIQUOR,
        "上海",
        "徐汇区漕溪北路88号",
        31.1946,
        121.4375,
        "EAST",
    ),
    (
        "SH003",
        "上海陆家嘴便利店",
        "Shanghai Lujiazui Convenience",
        StoreType.CONVENIENCE,
        "上海",
        "浦东新区陆家嘴环路1000号",
        31.2397,
        121.4998,
        "EAST",
    ),
    (
        "HZ001",
        "杭州武林烟酒店",
        "Hangzhou Wulin Tobacco & Liquor",
        StoreType.TOBACCO_LIQUOR,
        "杭州",
        "拱墅区武林广场21号",
        30.2741,
        120.1636,
        "EAST",
    ),
    (
        "NJ001",
        "南京新街口便利店",
        "Nanjing Xinjiekou Convenience",
        StoreType.CONVENIENCE,
        "南京",
        "秦淮区中山南路1号",
        32.0416,
        118.7845,
        "EAST",
    ),
    (
        "GZ001",
        "广州天河旗舰店",
        "Guangzhou Tianhe Flagship",
        StoreType.FLAGSHIP,
        "广州",
        "天河区天河路208号",
        23.1322,
        113.3270,
        "SOUTH",
    ),
    (
        "GZ002",
        "广州北京路烟酒店",
        "Guangzhou Beijing Rd Tobacco & Liquor",
        StoreType.TOBACCO_LIQUOR,
        "广州",
        "越秀区北京路168号",
        23.1263,
        113.2690,
        "SOUTH",
    ),
    (
        "SZ001",
        "深圳福田便利店",
        "Shenzhen Futian Convenience",
        StoreType.CONVENIENCE,
        "深圳",
        "福田区福华三路88号",
        22.5347,
        114.0577,
        "SOUTH",
    ),
    (
        "SZ002",
        "深圳南山烟酒店",
        "Shenzhen Nanshan Tobacco & Liquor",
        StoreType.TOBACCO_LIQUOR,
        "深圳",
        "南山区科技园南路16号",
        22.5400,
        113.9530,
        "SOUTH",
    ),
    (
        "BJ001",
        "北京王府井旗舰店",
        "Beijing Wangfujing Flagship",
        StoreType.FLAGSHIP,
        "北京",
        "东城区王府井大街138号",
        39.9140,
        116.4110,
        "NORTH",
    ),
    (
        "BJ002",
        "北京望京便利店",
        "Beijing Wangjing Convenience",
        StoreType.CONVENIENCE,
        "北京",
        "朝阳区望京街9号",
        39.9960,
        116.4700,
        "NORTH",
    ),
    (
        "TJ001",
        "天津和平烟酒店",
        "Tianjin Heping Tobacco & Liquor",
        StoreType.TOBACCO_LIQUOR,
        "天津",
        "和平区南京路219号",
        39.1200,
        117.2000,
        "NORTH",
    ),
]

WAREHOUSES = [
    (
        "WH-CENTRAL",
        "中央仓（苏州）",
        LocationKind.CENTRAL_WAREHOUSE,
        None,
        "苏州",
        31.2990,
        120.5853,
    ),
    ("WH-EAST", "华东区域仓", LocationKind.REGIONAL_WAREHOUSE, "EAST", "嘉兴", 30.7469, 120.7555),
    ("WH-SOUTH", "华南区域仓", LocationKind.REGIONAL_WAREHOUSE, "SOUTH", "东莞", 23.0207, 113.7518),
    ("WH-NORTH", "华北区域仓", LocationKind.REGIONAL_WAREHOUSE, "NORTH", "廊坊", 39.5380, 116.6838),
    ("FW-SH-PD", "上海浦东前置仓", LocationKind.FRONT_WAREHOUSE, "EAST", "上海", 31.2210, 121.5440),
    (
        "FW-SZ-BA",
        "深圳宝安前置仓",
        LocationKind.FRONT_WAREHOUSE,
        "SOUTH",
        "深圳",
        22.5550,
        113.8830,
    ),
]

HOURS = {
    StoreType.FLAGSHIP: (dt.time(9, 0), dt.time(22, 0)),
    StoreType.TOBACCO_LIQUOR: (dt.time(8, 0), dt.time(23, 0)),
    StoreType.CONVENIENCE: (dt.time(7, 0), dt.time(23, 0)),
}


def _extra_stores(ctx: SeedContext, count: int) -> list[tuple]:
    """For --scale above 1: more stores around the same cities, deterministic."""
    rows = []
    for i in range(count):
        base = STORES[i % len(STORES)]
        n = 100 + i
        prefix = base[0][:2]
        lat = base[6] + ctx.rng.uniform(-0.08, 0.08)
        lng = base[7] + ctx.rng.uniform(-0.08, 0.08)
        kind = ctx.rng.choice(
            [StoreType.CONVENIENCE, StoreType.CONVENIENCE, StoreType.TOBACCO_LIQUOR]
        )
        label = "便利店" if kind == StoreType.CONVENIENCE else "烟酒店"
        rows.append(
            (
                f"{prefix}{n:03d}",
                f"{base[4]}{n}号{label}",
                f"{prefix} Store {n}",
                kind,
                base[4],
                f"{base[5][:6]}{n}号",
                lat,
                lng,
                base[8],
            )
        )
    return rows


@seed_step("org", order=10)
def seed_org(ctx: SeedContext) -> None:
    brand = Brand.objects.create(
        code="YJ", name="悦己烟酒连锁", name_en="Yueji Tobacco & Liquor", gs1_prefix="2"
    )
    regions = {
        code: Region.objects.create(brand=brand, code=code, name=name, name_en=en)
        for code, name, en in REGIONS
    }
    store_rows = list(STORES) + _extra_stores(ctx, max(0, ctx.scaled(len(STORES)) - len(STORES)))
    task = ctx.track("stores", len(store_rows) + len(WAREHOUSES))
    stores: list[Store] = []
    for code, name, en, kind, city, address, lat, lng, region in store_rows:
        opens, closes = HOURS[kind]
        store = Store.objects.create(
            brand=brand,
            region=regions[region],
            code=code,
            name=name,
            name_en=en,
            store_type=kind,
            city=city,
            address=address,
            latitude=round(lat, 6),
            longitude=round(lng, 6),
            opens_at=opens,
            closes_at=closes,
            phone=f"021-6{ctx.rng.randint(1000000, 9999999)}",
            fulfils_online=kind != StoreType.TOBACCO_LIQUOR or ctx.rng.random() < 0.7,
        )
        Location.objects.create(
            brand=brand,
            region=store.region,
            store=store,
            code=f"{code}-FL",
            name=f"{name} 卖场",
            kind=LocationKind.STORE_FLOOR,
            city=city,
            address=address,
            latitude=store.latitude,
            longitude=store.longitude,
            opens_at=opens,
            closes_at=closes,
            fulfils_online=store.fulfils_online,
        )
        Location.objects.create(
            brand=brand,
            region=store.region,
            store=store,
            code=f"{code}-BR",
            name=f"{name} 后仓",
            kind=LocationKind.STORE_BACKROOM,
            city=city,
            address=address,
            latitude=store.latitude,
            longitude=store.longitude,
            fulfils_online=False,
        )
        stores.append(store)
        ctx.progress.advance(task)
    warehouses = []
    for code, name, kind, region, city, lat, lng in WAREHOUSES:
        warehouses.append(
            Location.objects.create(
                brand=brand,
                region=regions[region] if region else None,
                code=code,
                name=name,
                kind=kind,
                city=city,
                latitude=lat,
                longitude=lng,
                fulfils_online=kind == LocationKind.FRONT_WAREHOUSE,
            )
        )
        ctx.progress.advance(task)
    ctx.objects.update(brand=brand, regions=regions, stores=stores, warehouses=warehouses)
    ctx.truth["org"] = {
        "stores": len(stores),
        "warehouses": len(warehouses),
        "regions": len(regions),
    }
