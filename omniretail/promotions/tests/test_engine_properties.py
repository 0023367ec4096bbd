"""Properties of the engine over generated carts (hypothesis, profile from conftest)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from omniretail.promotions.engine import price_cart

from .builders import cart, coupon, line, member, promo

prices = st.integers(min_value=1, max_value=300_00).map(lambda f: Decimal(f) / 100)


@st.composite
def carts(draw, with_coupons=True):
    n = draw(st.integers(1, 6))
    lines = [
        line(
            f"L{i}",
            draw(st.integers(1, 5)),
            draw(st.integers(1, 4)),
            str(draw(prices)),
            category_ids=frozenset({draw(st.integers(1, 3))}),
        )
        for i in range(n)
    ]
    coupons = ()
    if with_coupons:
        coupons = tuple(draw(st.lists(coupon_st(), max_size=3, unique_by=lambda c: c.code)))
    return lines, coupons, draw(st.booleans())


@st.composite
def coupon_st(draw):
    code = draw(st.sampled_from(["C1", "C2", "C3", "C4"]))
    combinable = draw(st.booleans())
    stacks = draw(st.booleans())
    if draw(st.booleans()):
        return coupon(
            code,
            "amount_off",
            {"amount": str(draw(st.integers(1, 50))), "min_spend": "0"},
            combinable=combinable,
            stacks_with_promotions=stacks,
        )
    return coupon(
        code,
        "percent_off",
        {"percent": str(draw(st.integers(1, 60)))},
        combinable=combinable,
        stacks_with_promotions=stacks,
    )


PROMOS = [
    promo("percent_off", {"percent": "15"}, pid=101),
    promo(
        "spend_threshold",
        {"tiers": [{"threshold": "100", "discount": "10"}], "repeat": True, "cap": "50"},
        pid=102,
    ),
    promo("buy_x_get_y", {"buy_quantity": 2, "get_quantity": 1}, pid=103),
    promo(
        "nth_item",
        {"nth": 2, "percent_off": "50"},
        pid=104,
        exclusive_group="X",
        best_for_customer=True,
    ),
    promo(
        "bundle",
        {"components": [{"sku_ids": [1]}, {"sku_ids": [2]}], "price": "1"},
        pid=105,
        exclusive_group="X",
    ),
    promo("member_price", {"tier_percent_off": {"gold": "7.5"}}, pid=106, stackable=False),
    promo("flash_sale", {"prices": {"3": "0.99"}, "quantity_limit": 3}, pid=107),
    promo("amount_off", {"amount": "25", "min_spend": "60"}, pid=108, priority=5),
    promo("gift", {"threshold": "50", "gift_sku_id": 9}, pid=109),
]


def _price(lines, coupons, is_member):
    return price_cart(cart(*lines, coupons=coupons, member=member() if is_member else None), PROMOS)


@given(carts())
def test_total_within_zero_and_list_total_when_any_cart(data):
    r = _price(*data)
    assert Decimal(0) <= r.total <= r.list_total
    assert r.total == sum(ln.net_amount for ln in r.lines)


@given(carts())
def test_allocations_sum_to_each_discount_when_any_cart(data):
    r = _price(*data)
    for ln in r.lines:
        assert ln.net_amount >= 0
        assert sum(a.amount for a in ln.allocations) == ln.discount
        assert all(
            a.amount > 0 and a.amount == a.amount.quantize(Decimal("0.01")) for a in ln.allocations
        )
    for a in r.applied:
        assert sum(a.lines.values()) == a.discount


@given(carts(), st.randoms(use_true_random=False))
def test_same_price_when_line_order_changes(data, rnd):
    lines, coupons, is_member = data
    shuffled = list(lines)
    rnd.shuffle(shuffled)
    a, b = _price(lines, coupons, is_member), _price(shuffled, coupons, is_member)
    assert a.total == b.total
    assert {ln.line_id: ln.net_amount for ln in a.lines} == {
        ln.line_id: ln.net_amount for ln in b.lines
    }


@settings(max_examples=30)
@given(carts(), coupon_st())
def test_adding_coupon_never_raises_total_when_best_for_customer(data, extra):
    lines, coupons, is_member = data
    coupons = tuple(c for c in coupons if c.code != extra.code)
    before = _price(lines, coupons, is_member).total
    after = _price(lines, (*coupons, extra), is_member).total
    assert after <= before


@given(
    st.integers(min_value=1, max_value=10**7),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=2, max_size=30),
)
def test_fast_spread_splits_exactly_like_core_allocate_when_weights_are_whole_fen(
    total_fen: int, weights_fen: list[int]
) -> None:
    from omniretail.core.money import allocate, from_fen
    from omniretail.promotions.rules.common import _allocate_fen

    weights = [from_fen(w) for w in weights_fen]
    total = min(from_fen(total_fen), sum(weights, from_fen(0)))
    if total <= 0 or sum(weights_fen) == 0:
        return
    assert _allocate_fen(total, weights) == allocate(total, weights)
