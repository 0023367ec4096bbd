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
    assert desk.post("members/lookup", {"phone": PHONE}).status_code == 200
    assert desk.post("members/lookup", {"phone": OTHER}).status_code == 404
    assert desk.get(f"members/lookup?phone={PHONE}").status_code == 422  # not in URLs

    records = list(all_logs)
    assert any(r.name == "django.request" for r in records)  # the 4xx answers were logged
    for record in records:
        text = _text(record)
        for secret in (PHONE, PHONE[3:], OTHER, OTHER[3:]):
            assert secret not in text, f"{record.name}: {text[:200]}"


def test_access_log_format_names_the_path_without_its_query_string():
    from omniretail.core.management.commands.serve import ACCESS_LOG_FORMAT

    assert "%(U)s" in ACCESS_LOG_FORMAT  # the path only
    for with_query in ("%(r)s", "%(q)s", "%(u)s", "{raw_uri}"):
        assert with_query not in ACCESS_LOG_FORMAT


@pytest.mark.serial
@pytest.mark.django_db(transaction=True)
def test_phone_digits_never_appear_in_the_servers_access_log_when_members_are_looked_up(
    file_db: str, tmp_path
):
    """The real server (gunicorn, `omniretail serve`): its whole output, access log included."""
    import httpx
    from django.db import connections

    from omniretail.core.loadtest import running_server
    from omniretail.reliability.scenarios import create_sale

    sale = create_sale(1)
    connections.close_all()
    log = tmp_path / "server.log"
    env = {"OMNIRETAIL_DATABASE_URL": file_db}
    with running_server(workers=1, threads=2, env=env, log_path=str(log)) as base:
        headers = {"Authorization": f"Bearer {sale.token}"}
        with httpx.Client(base_url=f"{base}/api/v1/", headers=headers, timeout=30) as api:
            created = api.post("members/register", json={"phone": PHONE, "name": "张三"})
            assert created.status_code == 201, created.text
            assert api.post("members/lookup", json={"phone": PHONE}).status_code == 200
            assert api.post("members/lookup", json={"phone": OTHER}).status_code == 404
            # A client that still puts it in the URL is refused, and the log keeps the path only.
            assert api.get(f"members/lookup?phone={PHONE}").status_code == 422

    text = log.read_text(errors="replace")
    assert "/api/v1/members/lookup" in text  # the access log was written
    for secret in (PHONE, PHONE[3:], OTHER, OTHER[3:]):
        assert secret not in text
