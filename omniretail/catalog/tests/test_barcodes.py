from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniretail.catalog import barcodes as bc
from omniretail.catalog.models import BarcodeKind
from omniretail.core.errors import ValidationFailed


@given(st.text(alphabet="0123456789", min_size=7, max_size=13))
def test_generated_check_digit_validates_when_appended_to_any_body(body: str) -> None:
    assert bc.is_valid_gtin(body + str(bc.check_digit(body))) == (len(body) + 1 in (8, 12, 13, 14))


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(1, 9))
def test_changing_the_check_digit_invalidates_when_any_other_digit_is_used(
    body: str, delta: int
) -> None:
    wrong = (bc.check_digit(body) + delta) % 10
    assert not bc.is_valid_gtin(body + str(wrong))


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("6902952880294", BarcodeKind.EAN13),
        ("96385074", BarcodeKind.EAN8),
        ("036000291452", BarcodeKind.UPCA),
    ],
)
def test_classify_returns_kind_when_barcode_is_valid(code: str, kind: str) -> None:
    assert bc.classify(code) == kind


@pytest.mark.parametrize("code", ["6902952880295", "12345", "69029528802a4", "９６３８５０７４"])
def test_classify_raises_invalid_barcode_when_check_digit_or_shape_is_wrong(code: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        bc.classify(code)
    assert err.value.code == "catalog.invalid_barcode"


def test_make_ean13_is_valid_and_in_house_when_under_brand_prefix() -> None:
    code = bc.make_ean13("2", 42)
    assert code.startswith("2") and len(code) == 13 and bc.is_valid_gtin(code)
    assert bc.classify(code, "2") == BarcodeKind.INTERNAL


@pytest.mark.django_db
def test_next_in_house_ean13_never_repeats_when_called_repeatedly(org) -> None:
    codes = {bc.next_in_house_ean13(org["brand"]) for _ in range(5)}
    assert len(codes) == 5 and all(bc.is_valid_gtin(c) and c.startswith("2") for c in codes)


@pytest.mark.django_db
def test_next_in_house_ean13_refuses_when_brand_has_no_prefix(org) -> None:
    org["brand"].gs1_prefix = ""
    with pytest.raises(ValidationFailed) as err:
        bc.next_in_house_ean13(org["brand"])
    assert err.value.code == "catalog.no_gs1_prefix"
