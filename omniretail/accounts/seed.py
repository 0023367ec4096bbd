"""Demo staff: every role, per store where the role is per store."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from omniretail.core.models import Location, LocationKind
from omniretail.core.seeding import SeedContext, seed_step

from .models import RoleAssignment, User
from .permissions import Role

DEMO_PASSWORD = "demo-pass-2026"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍鹏辉玲建华飞鑫波宁斌琳晶婷雪慧浩宇晨欣怡子涵梓轩思远"

# Brand-wide demo users (username, role, display name).
BRAND_USERS = [
    ("admin", Role.HQ_ADMIN, "总部管理员"),
    ("marketer", Role.MARKETER, "营销专员"),
    ("finance", Role.FINANCE, "财务专员"),
    ("analyst", Role.ANALYST, "数据分析师"),
    ("supplier", Role.SUPPLIER, "茅台经销商"),
]


def _name(ctx: SeedContext) -> str:
    return ctx.rng.choice(SURNAMES) + "".join(
        ctx.rng.choice(GIVEN) for _ in range(ctx.rng.choice([1, 2]))
    )


@seed_step("staff", order=20)
def seed_staff(ctx: SeedContext) -> None:
    brand = ctx.objects["brand"]
    stores = ctx.objects["stores"]
    # One hash for all demo users: argon2 per user would dominate seeding time at scale.
    password = make_password(DEMO_PASSWORD)
    users: list[User] = []
    assignments: list[tuple[str, Role, dict[str, object]]] = []

    def add(username: str, role: Role, display: str, **scope: object) -> None:
        users.append(
            User(
                username=username,
                display_name=display,
                password=password,
                is_staff=role == Role.HQ_ADMIN,
                is_superuser=role == Role.HQ_ADMIN,
            )
        )
        assignments.append((username, role, scope))

    for username, role, display in BRAND_USERS:
        add(username, role, display)
    for region in ctx.objects["regions"].values():
        add(
            f"{region.code.lower()}.manager",
            Role.REGIONAL_MANAGER,
            f"{region.name}区域经理 {_name(ctx)}",
            region=region,
        )
    for store in stores:
        prefix = store.code.lower()
        add(f"{prefix}.manager", Role.STORE_MANAGER, f"{_name(ctx)}（店长）", store=store)
        for i in range(1, 3 if store.store_type != "convenience" else 4):
            add(
                f"{prefix}.cashier{i}" if i > 1 else f"{prefix}.cashier",
                Role.CASHIER,
                f"{_name(ctx)}（收银）",
                store=store,
            )
        add(f"{prefix}.clerk", Role.WAREHOUSE_CLERK, f"{_name(ctx)}（仓管）", store=store)
    for wh in Location.objects.filter(brand=brand).exclude(
        kind__in=[LocationKind.STORE_FLOOR, LocationKind.STORE_BACKROOM]
    ):
        add(
            f"{wh.code.lower()}.clerk",
            Role.WAREHOUSE_CLERK,
            f"{_name(ctx)}（{wh.name}仓管）",
            location=wh,
        )

    task = ctx.track("staff", len(users))
    User.objects.bulk_create(users, batch_size=2000)
    by_name = dict(
        User.objects.filter(username__in=[u.username for u in users]).values_list("username", "pk")
    )
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user_id=by_name[u], role=r, brand=brand, **scope)
            for u, r, scope in assignments
        ],
        batch_size=2000,
    )
    ctx.progress.update(task, completed=len(users))
    ctx.truth["demo_logins"] = {
        "password": DEMO_PASSWORD,
        "users": {
            "hq_admin": "admin",
            "regional_manager": "east.manager",
            "store_manager": "sh001.manager",
            "cashier": "sh001.cashier",
            "warehouse_clerk": "sh001.clerk",
            "marketer": "marketer",
            "finance": "finance",
            "analyst": "analyst",
            "supplier": "supplier",
        },
    }
