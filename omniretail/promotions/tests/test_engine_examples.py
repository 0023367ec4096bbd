"""Hand-checked carts, one block per promotion type: the arithmetic is in the comments and the
assertions check exact totals and the fen-exact split over lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from django.utils import translation

from omniretail.promotions.cart import Reason, TimeWindow
from omniretail.promotions.engine import price_cart

from .builders import AT, cart, coupon, line, member, promo, scope


def shares(result, key):  # line_id → amount for one promotion key
    return {ln.line_id: a.amount for ln in result.lines for a in ln.allocations if a.key == key}


def test_percent_off_splits_fen_exact_when_lines_share_a_remainder():
    # 3 lines of ¥10.00, 10% off → ¥3.00 → ¥1.00 each. Then 3 × ¥0.01: 10% of 3.33 …
    # Cart: 3 × ¥3.33 lines (9.99), 10% → 0.999 → ¥1.00, split 0.33/0.33/0.33 + 0.01 to first.
    c = cart(line("a", 1, 1, "3.33"), line("b", 2, 1, "3.33"), line("c", 3, 1, "3.33"))
    p = promo("percent_off", {"percent": "10"}, pid=1)
    r = price_cart(c, [p])
    assert r.total == D("8.99")  # 9.99 − 1.00
    assert shares(r, "P1") == {"a": D("0.34"), "b": D("0.33"), "c": D("0.33")}


def test_percent_off_is_capped_when_max_discount_set():
    # ¥500 × 20% = ¥100, capped at ¥50 → ¥450
    r = price_cart(
        cart(line("a", 1, 1, "500")),
        [promo("percent_off", {"percent": "20", "max_discount": "50"})],
    )
    assert r.total == D("450.00")


def test_amount_off_applies_when_min_spend_reached():
    # ¥60 + ¥40 = ¥100 ≥ 99, ¥20 off split 60:40 → 12.00 / 8.00 → total ¥80
    c = cart(line("a", 1, 1, "60"), line("b", 2, 1, "40"))
    r = price_cart(c, [promo("amount_off", {"amount": "20", "min_spend": "99"}, pid=2)])
    assert r.total == D("80.00")
    assert shares(r, "P2") == {"a": D("12.00"), "b": D("8.00")}


def test_spend_threshold_explains_missing_amount_when_below_threshold():
    # ¥187.50 < ¥200 → 满200减30 not applied, 还差 ¥12.50
    p = promo(
        "spend_threshold", {"tiers": [{"threshold": "200", "discount": "30"}]}, name="满200减30"
    )
    c = cart(line("a", 1, 3, "62.50"))
    with translation.override("zh-hans"):
        r = price_cart(c, [p])
        assert r.total == D("187.50")
        assert r.skipped[0].reason == Reason.BELOW_THRESHOLD
        assert "¥12.50" in r.skipped[0].message
    with translation.override("en"):
        assert "spend ¥12.50 more" in price_cart(c, [p]).skipped[0].message


def test_spend_threshold_picks_highest_tier_when_stepped():
    # tiers 200→30, 400→70, 600→120; cart ¥450 → tier 400 → ¥70 off → ¥380
    p = promo(
        "spend_threshold",
        {
            "tiers": [
                {"threshold": "200", "discount": "30"},
                {"threshold": "400", "discount": "70"},
                {"threshold": "600", "discount": "120"},
            ]
        },
        pid=3,
    )
    c = cart(line("a", 1, 1, "300"), line("b", 2, 1, "150"))
    r = price_cart(c, [p])
    assert r.total == D("380.00")
    # 70 × 300/450 = 46.666… → 46.67; 70 × 150/450 = 23.333… → 23.33
    assert shares(r, "P3") == {"a": D("46.67"), "b": D("23.33")}


def test_every_threshold_repeats_until_cap_when_repeat():
    # 每满100减10, cap ¥30: ¥358 → 3 × 10 = 30 → ¥328; ¥458 → 4 × 10 = 40 → capped 30 → ¥428
    p = promo(
        "spend_threshold",
        {"tiers": [{"threshold": "100", "discount": "10"}], "repeat": True, "cap": "30"},
    )
    assert price_cart(cart(line("a", 1, 2, "179")), [p]).total == D("328.00")
    assert price_cart(cart(line("a", 1, 2, "229")), [p]).total == D("428.00")


def test_gift_line_added_at_zero_when_threshold_met():
    # 满500赠 1 × gift SKU 99: ¥520 ≥ 500 → gift; total unchanged ¥520
    p = promo("gift", {"threshold": "500", "gift_sku_id": 99, "gift_quantity": 1}, pid=4)
    r = price_cart(cart(line("a", 1, 1, "520")), [p])
    assert r.total == D("520.00")
    assert [(g.sku_id, g.quantity, g.unit_price) for g in r.gifts] == [(99, 1, D("0.00"))]


def test_buy_two_get_one_free_discounts_cheapest_when_mixed_prices():
    # units sorted 30, 20, 10 → group of 3 → cheapest (10) free → ¥50
    p = promo("buy_x_get_y", {"buy_quantity": 2, "get_quantity": 1}, pid=5)
    c = cart(line("a", 1, 1, "10"), line("b", 2, 1, "20"), line("c", 3, 1, "30"))
    r = price_cart(c, [p])
    assert r.total == D("50.00")
    assert shares(r, "P5") == {"a": D("10.00")}


def test_buy_x_get_y_half_price_over_runs_when_quantities_large():
    # 7 units of ¥12 (one line): groups of 3 (buy 2 get 1 at 50%) → 2 full groups → 2 × 6 = ¥12 off
    # → 84 − 12 = ¥72
    p = promo("buy_x_get_y", {"buy_quantity": 2, "get_quantity": 1, "percent_off": "50"})
    assert price_cart(cart(line("a", 1, 7, "12")), [p]).total == D("72.00")


def test_bundle_price_applies_per_complete_bundle():
    # A ¥60 + B ¥50 for ¥99; cart 2A + 1B → one bundle, saving 11 split 60:50 → 6.00 / 5.00
    # total = 120 + 50 − 11 = ¥159
    p = promo("bundle", {"components": [{"sku_ids": [1]}, {"sku_ids": [2]}], "price": "99"}, pid=6)
    r = price_cart(cart(line("a", 1, 2, "60"), line("b", 2, 1, "50")), [p])
    assert r.total == D("159.00")
    assert shares(r, "P6") == {"a": D("6.00"), "b": D("5.00")}


def test_second_item_half_price_when_same_sku():
    # 第二件半价 on 3 × ¥39.90: 1 unit at 50% → 19.95 off → 119.70 − 19.95 = ¥99.75
    p = promo("nth_item", {"nth": 2, "percent_off": "50"})
    assert price_cart(cart(line("a", 1, 3, "39.90")), [p]).total == D("99.75")


def test_member_price_uses_better_of_price_and_tier_when_member():
    # SKU 1 member price ¥88 (list 100); gold tier 5% → SKU 1: max(12, 5) = 12; SKU 2 ¥40 → 2.00
    # total = 140 − 14 = ¥126; no member → ¥140
    p = promo("member_price", {"prices": {"1": "88"}, "tier_percent_off": {"gold": "5"}})
    c = [line("a", 1, 1, "100"), line("b", 2, 1, "40")]
    assert price_cart(cart(*c, member=member("gold")), [p]).total == D("126.00")
    assert price_cart(cart(*c), [p]).total == D("140.00")


def test_flash_sale_limits_units_when_few_remain():
    # 秒杀 ¥1499 (list 2499); 1 unit left, cart 2 → one at 1499, one at 2499 = ¥3998
    p = promo(
        "flash_sale", {"prices": {"1": "1499"}, "quantity_limit": 100, "per_member_limit": 2}, pid=7
    )
    c = cart(line("a", 1, 2, "2499"), flash_remaining={7: 1})
    assert price_cart(c, [p]).total == D("3998.00")
    sold_out = cart(line("a", 1, 2, "2499"), flash_remaining={7: 0})
    assert price_cart(sold_out, [p]).skipped[0].reason == Reason.SOLD_OUT


def test_flash_sale_respects_per_member_limit_when_member_bought_before():
    # limit 2 per member, already bought 1 → 1 unit at sale price: 2499 + 1499 = ¥3998
    p = promo("flash_sale", {"prices": {"1": "1499"}, "per_member_limit": 2}, pid=8)
    c = cart(line("a", 1, 2, "2499"), member=member(), member_usage={8: 1})
    assert price_cart(c, [p]).total == D("3998.00")


def test_time_of_day_window_skips_when_outside_hours():
    # AT = 10:00 Shanghai Monday; happy hour 17:00–19:00 → not applied
    p = promo(
        "percent_off", {"percent": "10"}, time_windows=(TimeWindow(dt.time(17), dt.time(19)),)
    )
    r = price_cart(cart(line("a", 1, 1, "100")), [p])
    assert r.total == D("100.00") and r.skipped[0].reason == Reason.OUTSIDE_HOURS
    late = cart(line("a", 1, 1, "100"), at=AT + dt.timedelta(hours=8))  # 18:00
    assert price_cart(late, [p]).total == D("90.00")


def test_scope_limits_to_category_subtree_and_excludes_tag():
    # category 5 subtree (line a: cats {1,5,9}); line b excluded by tag "tobacco"; c other cat
    # 10% of a only: ¥200 → 20 off → 200 + 100 + 50 − 20 = ¥330
    p = promo(
        "percent_off", {"percent": "10"}, scope=scope(category_ids=[5], exclude_tags=["tobacco"])
    )
    c = cart(
        line("a", 1, 1, "200", category_ids=frozenset({1, 5, 9})),
        line("b", 2, 1, "100", category_ids=frozenset({1, 5}), tags=frozenset({"tobacco"})),
        line("c", 3, 1, "50", category_ids=frozenset({2})),
    )
    assert price_cart(c, [p]).total == D("330.00")


def test_channel_and_store_scope_skip_when_not_matching():
    p = promo("amount_off", {"amount": "5"}, scope=scope(channels=["online"], store_ids=[1]))
    assert price_cart(cart(line("a", 1, 1, "50")), [p]).skipped[0].reason == Reason.WRONG_CHANNEL
    ok = cart(line("a", 1, 1, "50"), channel="online", store_id=1)
    assert price_cart(ok, [p]).total == D("45.00")


def test_exclusive_group_best_for_customer_picks_largest_when_configured():
    # group G: 10% (¥30) vs ¥50 off; best-for-customer → ¥50 → 300 − 50 = ¥250
    a = promo(
        "percent_off", {"percent": "10"}, exclusive_group="G", priority=9, best_for_customer=True
    )
    b = promo("amount_off", {"amount": "50"}, exclusive_group="G", priority=1)
    r = price_cart(cart(line("a", 1, 1, "300")), [a, b])
    assert r.total == D("250.00")
    assert r.skipped[0].reason == Reason.EXCLUSIVE_LOST


def test_exclusive_group_priority_wins_when_not_best_for_customer():
    a = promo("percent_off", {"percent": "10"}, exclusive_group="G", priority=9)
    b = promo("amount_off", {"amount": "50"}, exclusive_group="G", priority=1)
    assert price_cart(cart(line("a", 1, 1, "300")), [a, b]).total == D("270.00")


def test_non_stackable_promotion_skips_lines_already_discounted():
    # member price cuts line a (¥100 → ¥90); non-stackable 20% touches only b: 50 → 40
    # total = 90 + 40 = ¥130
    m = promo("member_price", {"prices": {"1": "90"}})
    p = promo("percent_off", {"percent": "20"}, stackable=False)
    c = cart(line("a", 1, 1, "100"), line("b", 2, 1, "50"), member=member())
    assert price_cart(c, [m, p]).total == D("130.00")


def test_threshold_counts_net_after_item_discounts_when_stacked():
    # 第二件半价 on 2 × ¥110 → 220 − 55 = 165 < 满200 → 满减 not applied
    n = promo("nth_item", {"nth": 2, "percent_off": "50"})
    t = promo("spend_threshold", {"tiers": [{"threshold": "200", "discount": "20"}]})
    r = price_cart(cart(line("a", 1, 2, "110")), [n, t])
    assert r.total == D("165.00")


def test_coupon_combines_with_promotion_when_stackable():
    # 满200减30 → 270; coupon ¥20 off min 100 on 270 → ¥250
    t = promo("spend_threshold", {"tiers": [{"threshold": "200", "discount": "30"}]})
    cp = coupon("AAA", "amount_off", {"amount": "20", "min_spend": "100"})
    r = price_cart(cart(line("a", 1, 1, "300"), coupons=(cp,)), [t])
    assert r.total == D("250.00") and r.coupons_used == ["AAA"]


def test_best_coupon_chosen_when_two_exclusive_coupons():
    # ¥300: coupon A ¥20 off vs coupon B 10% (¥30) — only one → B → ¥270
    a = coupon("A", "amount_off", {"amount": "20"})
    b = coupon("B", "percent_off", {"percent": "10"})
    r = price_cart(cart(line("a", 1, 1, "300"), coupons=(a, b)), [])
    assert r.total == D("270.00") and r.coupons_used == ["B"]
    assert r.skipped[0].reason == Reason.COUPON_NOT_BEST


def test_non_stacking_coupon_replaces_promotions_when_cheaper():
    # promo 5% → ¥285; coupon 20% not stacking → on list price ¥300 → ¥240 (cheaper, chosen)
    p = promo("percent_off", {"percent": "5"})
    cp = coupon("Z", "percent_off", {"percent": "20"}, stacks_with_promotions=False)
    r = price_cart(cart(line("a", 1, 1, "300"), coupons=(cp,)), [p])
    assert r.total == D("240.00")
    assert r.skipped[0].reason == Reason.REPLACED_BY_COUPON
