"""The formatting filters the templates use for money and times."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.template import Context, Template

from omniretail.web.templatetags.retail import cny, local_date, local_dt


def test_cny_formats_with_yen_sign_and_thousands_when_amount_is_decimal() -> None:
    assert cny(Decimal("1234.5")) == "¥1,234.50"


def test_cny_rounds_half_up_when_amount_has_sub_fen() -> None:
    assert cny("0.005") == "¥0.01"


def test_cny_is_empty_when_amount_is_missing() -> None:
    assert cny(None) == ""


def test_cny_keeps_raw_value_when_amount_is_not_money() -> None:
    assert cny("abc") == "abc"


def test_cny_renders_in_a_template_when_library_is_loaded() -> None:
    html = Template("{% load retail %}{{ amount|cny }}").render(Context({"amount": Decimal("99")}))
    assert html == "¥99.00"


def test_local_dt_shows_shanghai_time_when_value_is_utc() -> None:
    assert local_dt(dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.UTC)) == "2026-11-24 00:30:00"


def test_local_date_uses_business_day_when_value_is_late_utc() -> None:
    assert local_date(dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.UTC)) == "2026-11-24"
