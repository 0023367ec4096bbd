from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniretail.core.money import MoneyError, allocate, format_cny, from_fen, quantize, to_fen

amounts = st.integers(min_value=-10_000_000, max_value=10_000_000).map(from_fen)
weights = st.lists(
    st.integers(min_value=0, max_value=1_000_000).map(from_fen), min_size=1, max_size=30
)


def test_quantize_rounds_half_up_to_the_fen():
    assert quantize("1.005") == Decimal("1.01")
    assert quantize("1.004") == Decimal("1.00")
    assert quantize("-1.005") == Decimal("-1.01")


def test_floats_are_refused_as_money():
    with pytest.raises(MoneyError):
        quantize(0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "abc", ""])
def test_non_finite_or_garbage_is_refused(bad):
    with pytest.raises(MoneyError):
        quantize(bad)


def test_fen_round_trip():
    assert to_fen("1234.56") == 123456
    assert from_fen(123456) == Decimal("1234.56")


def test_allocate_splits_by_weight_with_largest_remainder():
    assert allocate("10.00", ["1", "1", "1"]) == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]
    assert allocate("30.00", ["100.00", "50.00", "50.00"]) == [
        Decimal("15.00"),
        Decimal("7.50"),
        Decimal("7.50"),
    ]


def test_allocate_with_zero_weights_splits_evenly():
    assert allocate("0.03", ["0", "0", "0"]) == [Decimal("0.01")] * 3


@given(total=amounts, parts=weights)
def test_allocation_never_loses_or_invents_a_fen(total, parts):
    result = allocate(total, parts)
    assert sum(result, Decimal(0)) == total
    assert len(result) == len(parts)
    # every part lies within one fen of its exact proportional share
    weight_sum = sum(parts, Decimal(0)) or Decimal(len(parts))
    for part, weight in zip(result, parts, strict=True):
        exact = total * (weight if sum(parts) else Decimal(1)) / weight_sum
        assert abs(part - exact) < Decimal("0.01")


@given(total=amounts, parts=weights)
def test_allocation_is_deterministic(total, parts):
    assert allocate(total, parts) == allocate(total, parts)


def test_format_cny_groups_thousands():
    assert format_cny("1234.5") == "¥1,234.50"
