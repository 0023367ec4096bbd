from __future__ import annotations

import datetime as dt

import pytest

from omniretail.catalog import categories, pricing, restrictions, services
from omniretail.catalog.models import Barcode, Category, LifecycleStatus, Product, Sku
from omniretail.catalog.search import search_sku_ids
from omniretail.core.errors import Conflict, InvalidState, ValidationFailed

pytestmark = pytest.mark.django_db


def _product(catalog, code="P1", cat="BAIJIU"):
    return services.create_product(
        catalog["brand"], code=code, name="测试酒", category=catalog["cats"][cat]
    )


def test_create_sku_issues_code_from_rule_and_standard_name_when_no_code_given(
    moutai, catalog
) -> None:
    sku = services.create_sku(
        _product(catalog),
        services.SkuSpec(
            spec="52%vol 500ml", attributes={"abv": 52, "volume_ml": 500, "aroma_type": "浓香"}
        ),
    )
    assert sku.code == "SKU0000001"
    assert moutai.name == "贵州茅台 飞天 53%vol 500ml"
    assert sku.status == LifecycleStatus.DRAFT


def test_create_sku_refuses_unknown_attribute_and_saves_nothing_when_attribute_not_in_set(
    catalog,
) -> None:
    product = _product(catalog)
    with pytest.raises(ValidationFailed) as err:
        services.create_sku(
            product,
            services.SkuSpec(
                attributes={"abv": 52, "volume_ml": 500, "aroma_type": "浓香", "colour": "红"}
            ),
        )
    assert err.value.code == "catalog.unknown_attribute"
    assert not Sku.objects.exists()


@pytest.mark.parametrize(
    ("attrs", "code"),
    [
        (
            {"abv": "strong", "volume_ml": 500, "aroma_type": "浓香"},
            "catalog.invalid_attribute_value",
        ),
        ({"abv": 52, "volume_ml": 500, "aroma_type": "甜香"}, "catalog.invalid_attribute_value"),
        ({"abv": 52, "aroma_type": "浓香"}, "catalog.missing_attribute"),
        ({"abv": True, "volume_ml": 500, "aroma_type": "浓香"}, "catalog.invalid_attribute_value"),
    ],
)
def test_create_sku_refuses_when_attribute_has_wrong_type_or_is_missing(
    catalog, attrs, code
) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.create_sku(_product(catalog), services.SkuSpec(attributes=attrs))
    assert err.value.code == code


def test_create_sku_refuses_duplicate_barcode_when_another_sku_holds_it(moutai, catalog) -> None:
    with pytest.raises(Conflict) as err:
        services.create_sku(
            _product(catalog),
            services.SkuSpec(
                attributes={"abv": 52, "volume_ml": 500, "aroma_type": "浓香"},
                barcodes=[services.BarcodeSpec("6902952880294")],
            ),
        )
    assert err.value.code == "catalog.duplicate_barcode"
    assert Sku.objects.count() == 1


def test_sku_code_is_immutable_when_sku_was_activated(moutai) -> None:
    with pytest.raises(InvalidState) as err:
        services.update_sku(moutai, {"code": "NEW"})
    assert err.value.code == "catalog.code_immutable"


def test_pack_barcode_carries_pack_quantity_when_added(moutai) -> None:
    assert Barcode.objects.get(code="6902952880300").pack_quantity == 6
    assert Barcode.objects.get(sku=moutai, is_primary=True).code == "6902952880294"


def test_in_house_barcode_is_issued_when_no_code_given(moutai) -> None:
    barcode = services.add_barcode(moutai, services.BarcodeSpec(None, 1))
    assert barcode.code.startswith("2") and barcode.kind == "internal"


def test_lifecycle_refuses_when_transition_not_allowed(moutai) -> None:
    with pytest.raises(InvalidState) as err:
        services.change_status(moutai, "draft")
    assert err.value.code == "catalog.invalid_transition"


def test_scheduled_discontinuation_applies_when_its_time_comes(moutai, time_machine) -> None:
    from omniretail.core import clock

    at = clock.now() + dt.timedelta(days=2)
    services.change_status(moutai, "discontinued", effective_at=at)
    moutai.refresh_from_db()
    assert moutai.status == "active"
    time_machine.move_to(at + dt.timedelta(minutes=1))
    assert services.apply_due_changes() == 1
    moutai.refresh_from_db()
    assert moutai.status == "discontinued"
    assert not restrictions.check_sellable(moutai, "pos").sellable


def test_category_move_rewrites_subtree_paths_when_moved_under_another(catalog) -> None:
    cats = catalog["cats"]
    categories.move_category(cats["LIQ"], cats["GIFT"])
    baijiu = Category.objects.get(pk=cats["BAIJIU"].pk)
    gift = Category.objects.get(pk=cats["GIFT"].pk)
    assert baijiu.path.startswith(gift.path) and baijiu.depth == 2


def test_category_move_refuses_cycle_when_new_parent_is_a_descendant(catalog) -> None:
    cats = catalog["cats"]
    with pytest.raises(ValidationFailed) as err:
        categories.move_category(cats["LIQ"], cats["BAIJIU"])
    assert err.value.code == "catalog.category_cycle"
    assert Category.objects.get(pk=cats["LIQ"].pk).parent_id is None


def test_category_merge_moves_products_and_deletes_source_when_merged(catalog, moutai) -> None:
    cats = catalog["cats"]
    categories.merge_category(cats["BAIJIU"], cats["WINE"])
    assert Product.objects.get(pk=moutai.product_id).category_id == cats["WINE"].pk
    assert not Category.objects.filter(pk=cats["BAIJIU"].pk).exists()


def test_tobacco_is_not_sellable_online_but_displayable_when_rules_seeded(small_catalog) -> None:
    cig = Sku.objects.filter(product__category__code="CIG", status="active").first()
    online = restrictions.check_sellable(cig, "online")
    pos = restrictions.check_sellable(cig, "pos")
    assert not online.sellable and online.display_allowed and "channel_restricted" in online.codes
    assert pos.sellable and pos.requires_age_check and pos.min_age == 18


def test_liquor_requires_age_check_at_pos_when_sold_in_store(moutai) -> None:
    result = restrictions.check_sellable(moutai, "pos")
    assert result.sellable and result.requires_age_check
    assert restrictions.check_sellable(moutai, "online").requires_age_check is False


def test_price_resolution_prefers_store_override_when_in_force(frozen_now, moutai, org) -> None:
    from omniretail.core import clock

    s1 = org["stores"]["S1"]
    pricing.set_price(
        moutai, kind="list", amount="2399", store=s1, ends_at=clock.now() + dt.timedelta(days=1)
    )
    assert pricing.resolve_price(moutai.pk, store_id=s1.pk).amount == 2399
    assert pricing.resolve_price(moutai.pk, store_id=org["stores"]["S2"].pk).amount == 2499
    later = clock.now() + dt.timedelta(days=2)
    assert pricing.resolve_price(moutai.pk, store_id=s1.pk, at=later).amount == 2499


@pytest.mark.parametrize("amount", ["-1", "1.001", "abc"])
def test_set_price_refuses_when_amount_negative_or_sub_fen(moutai, amount) -> None:
    with pytest.raises(ValidationFailed) as err:
        pricing.set_price(moutai, kind="list", amount=amount)
    assert err.value.code == "catalog.negative_price"


def test_scheduled_price_reaches_esl_feed_when_it_starts(moutai, org, time_machine) -> None:
    from omniretail.core import clock

    s1 = org["stores"]["S1"]
    lines, cursor = pricing.esl_changes(s1, None)
    assert [line.list_price for line in lines] == [2499]
    start = clock.now() + dt.timedelta(hours=3)
    pricing.set_price(moutai, kind="list", amount="1999", channel="pos", starts_at=start)
    lines, same = pricing.esl_changes(s1, cursor)
    assert lines == [] and same == cursor
    time_machine.move_to(start + dt.timedelta(seconds=1))
    lines, _next = pricing.esl_changes(s1, cursor)
    assert [(line.sku_code, line.list_price) for line in lines] == [("FT500", 1999)]


def test_price_change_publishes_outbox_event_when_set(moutai) -> None:
    from omniretail.core.models import OutboxEvent

    pricing.set_price(moutai, kind="member", amount="2399")
    event = OutboxEvent.objects.filter(topic="catalog.price.changed").latest("created_at")
    assert event.payload["amount"] == "2399.00" and event.payload["kind"] == "member"


@pytest.mark.parametrize(
    "query", ["mt", "茅台", "maotai", "茅", "FT500", "6902952880300", "飞天 500ml", "mtft"]
)
def test_search_finds_moutai_when_queried_by_name_pinyin_initials_or_code(moutai, query) -> None:
    assert moutai.pk in search_sku_ids(query)


def test_search_returns_nothing_when_term_matches_no_sku(moutai) -> None:
    assert search_sku_ids("五粮液") == []
