"""Personal data never reaches the logs: a member's phone number, at DEBUG, on every path of
the member API (created, duplicate, invalid, lookup hit and miss)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
OTHER = "13787654321"
LOGGERS = ["", "django", "django.request", "django.server", "django.db.backends", "omniretail"]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.exc_text = self.format(record) if record.exc_info else record.exc_text
        self.records.append(record)


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    """Every record of every logger at DEBUG, also those that do not propagate to root
    (a record reaching several of these handlers is simply checked more than once)."""
    handler = _Collect()
    saved = {name: logging.getLogger(name).level for name in LOGGERS}
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
        logging.getLogger(name).addHandler(handler)
    caplog.set_level(logging.DEBUG)
    try:
        yield handler.records
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
            logging.getLogger(name).removeHandler(handler)


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def _text(record: logging.LogRecord) -> str:
    """What a handler can write: the message, its arguments, the traceback and every extra
    field except Django's ``request`` object, which no configured formatter renders (its repr
    carries the query string: see docs/reliability.md on the access log)."""
    parts = [record.getMessage(), repr(record.args or ""), record.exc_text or ""]
    parts += [repr(v) for k, v in vars(record).items() if k not in _STANDARD | {"request"}]
    return " ".join(parts)


def test_phone_digits_never_appear_in_any_log_record_when_members_register_and_are_looked_up(
    make_user, api_as, frozen_now, all_logs
):
    desk = api_as(make_user("cashier", store="S1"))
    created = desk.post(
        "members/register", {"phone": PHONE, "name": "张三", "consents": {"marketing": True}}
    )
    assert created.status_code == 201, created.json()
    duplicate = desk.post("members/register", {"phone": PHONE})
    assert 400 <= duplicate.status_code < 500
    invalid = desk.post("members/register", {"phone": PHONE + "9"})
    assert invalid.status_code == 422
    assert desk.get(f"members/lookup?phone={PHONE}").status_code == 200
    assert desk.get(f"members/lookup?phone={OTHER}").status_code == 404

    records = list(all_logs)
    assert any(r.name == "django.request" for r in records)  # the 4xx answers were logged
    for record in records:
        text = _text(record)
        for secret in (PHONE, PHONE[3:], OTHER, OTHER[3:]):
            assert secret not in text, f"{record.name}: {text[:200]}"
