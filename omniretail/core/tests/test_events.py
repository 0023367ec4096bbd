"""The transactional outbox: events exist iff their change committed; handlers apply once;
webhooks are signed and retried with backoff until delivered."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.db import transaction

from omniretail.core import events
from omniretail.core.models import (
    EventHandling,
    OutboxEvent,
    OutboxStatus,
    WebhookDelivery,
    WebhookEndpoint,
)

pytestmark = pytest.mark.django_db

applied: list[str] = []


@events.handler("test.happened", name="tests.record")
def _record(event: OutboxEvent) -> None:
    applied.append(str(event.pk))


flaky_calls = {"n": 0}


@events.handler("test.flaky", name="tests.flaky")
def _flaky(event: OutboxEvent) -> None:
    flaky_calls["n"] += 1
    if flaky_calls["n"] == 1:
        raise RuntimeError("downstream not ready")


@pytest.fixture(autouse=True)
def _reset():
    applied.clear()
    flaky_calls["n"] = 0


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        events.publish("test.happened", {})


def test_event_is_not_written_when_the_transaction_rolls_back():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        events.publish("test.happened", {"n": 1})
        _ = 1 / 0
    assert not OutboxEvent.objects.exists()


def test_handler_applies_an_event_exactly_once_even_when_dispatched_twice():
    with transaction.atomic():
        event = events.publish("test.happened", {"n": 1})
    events.dispatch_due()
    OutboxEvent.objects.filter(pk=event.pk).update(
        status=OutboxStatus.PENDING
    )  # simulate a redelivery
    events.dispatch_due()
    assert applied == [str(event.pk)]
    assert EventHandling.objects.filter(event=event).count() == 1


def test_failing_handler_is_retried_with_backoff_until_it_succeeds(frozen_now):
    with transaction.atomic():
        event = events.publish("test.flaky", {})
    report = events.dispatch_due()
    assert report.events_retrying == 1
    event.refresh_from_db()
    assert event.status == OutboxStatus.PENDING and event.attempts == 1
    assert events.dispatch_due().events_done == 0  # not due yet
    frozen_now.shift(dt.timedelta(seconds=6))
    assert events.dispatch_due().events_done == 1
    event.refresh_from_db()
    assert event.status == OutboxStatus.DONE


def test_backoff_doubles_and_is_capped():
    assert [events.backoff(n).total_seconds() for n in (1, 2, 3)] == [5, 10, 20]
    assert events.backoff(50).total_seconds() == 3600


class _Receiver(BaseHTTPRequestHandler):
    fail_first = 0
    received: list[dict] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"headers": dict(self.headers), "body": body})
        if type(self).fail_first > 0:
            type(self).fail_first -= 1
            self.send_response(503)
        else:
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def receiver():
    _Receiver.received = []
    _Receiver.fail_first = 0
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def test_webhook_is_signed_and_retried_until_delivered(receiver, org):
    _Receiver.fail_first = 1
    endpoint = WebhookEndpoint.objects.create(
        brand=org["brand"],
        name="erp",
        url=f"http://127.0.0.1:{receiver.server_port}/hook",
        secret="s3cret",
        topics=["test.*"],
    )
    start = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        with transaction.atomic():
            event = events.publish("test.happened", {"order": "SH001-1"})
        report = events.dispatch_due()
    assert report.webhooks_retrying == 1
    with time_machine.travel(start + dt.timedelta(seconds=10), tick=False):
        report = events.dispatch_due()
    assert report.webhooks_delivered == 1
    delivery = WebhookDelivery.objects.get(event=event, endpoint=endpoint)
    assert delivery.status == OutboxStatus.DONE and delivery.attempts == 2
    last = _Receiver.received[-1]
    headers = {k.lower(): v for k, v in last["headers"].items()}
    assert headers["x-omniretail-event-id"] == str(event.pk)
    assert events.verify_signature(
        "s3cret", headers["x-omniretail-timestamp"], last["body"], headers["x-omniretail-signature"]
    )
    assert json.loads(last["body"])["payload"] == {"order": "SH001-1"}


def test_webhook_only_receives_subscribed_topics(receiver, org):
    WebhookEndpoint.objects.create(
        brand=org["brand"],
        name="erp",
        url=f"http://127.0.0.1:{receiver.server_port}/",
        secret="s",
        topics=["inventory.*"],
    )
    with transaction.atomic():
        events.publish("test.happened", {})
    events.dispatch_due()
    assert _Receiver.received == []


def test_unreachable_webhook_fails_after_max_attempts(org, settings, frozen_now):
    settings.OMNIRETAIL = {
        **settings.OMNIRETAIL,
        "OUTBOX_MAX_ATTEMPTS": 2,
        "WEBHOOK_TIMEOUT_S": 0.5,
    }
    WebhookEndpoint.objects.create(
        brand=org["brand"], name="dead", url="http://127.0.0.1:9/", secret="s", topics=["*"]
    )
    with transaction.atomic():
        event = events.publish("test.happened", {})
    events.dispatch_due()
    frozen_now.shift(dt.timedelta(minutes=5))
    events.dispatch_due()
    delivery = WebhookDelivery.objects.get(event=event)
    assert delivery.status == OutboxStatus.FAILED
    assert delivery.last_error


def test_one_dispatch_is_scheduled_per_transaction_however_many_events():
    from django.db import connection

    with transaction.atomic():
        events.publish("test.happened", {"n": 1})
        events.publish("test.happened", {"n": 2})
        events.publish("test.happened", {"n": 3})
        scheduled = [
            entry for entry in connection.run_on_commit if entry[1] is events._schedule_dispatch
        ]
        assert len(scheduled) == 1
