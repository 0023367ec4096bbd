"""Outbox under faults: a loopback webhook receiver that fails and times out on a fixed
pattern, an in-process handler that fails on first try; time moves past every backoff."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import transaction

from omniretail.core import events
from omniretail.core.models import OutboxEvent, OutboxStatus, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

TOPIC = "reliability.fault"
SECRET = "reliability-secret"
CLIENT_TIMEOUT_S = 1.0
SLOW_S = 1.5

handler_calls: Counter[str] = Counter()
handler_applied: Counter[str] = Counter()


@events.handler(TOPIC, name="reliability.apply")
def _apply(event: OutboxEvent) -> None:
    """Idempotent in-process consumer that fails the first time for every fourth event."""
    handler_calls[str(event.pk)] += 1
    if event.payload["n"] % 4 == 0 and handler_calls[str(event.pk)] == 1:
        raise RuntimeError("downstream not ready")
    handler_applied[str(event.pk)] += 1


class Receiver:
    """Webhook receiver on 127.0.0.1. Per event (payload n) and attempt, deterministically:
    n % 3 == 0 → HTTP 500 twice; n % 5 == 1 → first attempt processed but answered after the
    client's timeout; n % 7 == 2 → HTTP 500 once; otherwise 200. Deduplicates by event id."""

    def __init__(self) -> None:
        self.attempts: Counter[str] = Counter()
        self.processed: Counter[str] = Counter()  # after dedup: must be 1 per event
        self.duplicates = 0
        self.bad_signatures = 0
        self.statuses: Counter[str] = Counter()
        self.lock = threading.Lock()

    def handle(self, headers: Any, body: bytes) -> tuple[int, float]:
        event_id = headers["X-Omniretail-Event-Id"]
        if not events.verify_signature(
            SECRET, headers["X-Omniretail-Timestamp"], body, headers["X-Omniretail-Signature"]
        ):
            with self.lock:
                self.bad_signatures += 1
            return 401, 0.0
        n = json.loads(body)["payload"]["n"]
        with self.lock:
            self.attempts[event_id] += 1
            attempt = self.attempts[event_id]
            if (n % 3 == 0 and attempt <= 2) or (n % 7 == 2 and attempt == 1):
                self.statuses["500"] += 1
                return 500, 0.0
            if event_id in self.processed:
                self.duplicates += 1
            else:
                self.processed[event_id] += 1
            if n % 5 == 1 and attempt == 1:
                self.statuses["timeout"] += 1
                return 200, SLOW_S
            self.statuses["200"] += 1
            return 200, 0.0


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status, delay = state.handle(self.headers, body)
            if delay:
                time.sleep(delay)  # the sender has given up by now
            try:
                self.send_response(status)
                self.end_headers()
            except OSError:
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def test_every_event_is_delivered_and_applied_once_when_the_receiver_fails_and_times_out(
    receiver: tuple[Receiver, str], monkeypatch: pytest.MonkeyPatch
):
    state, url = receiver
    handler_calls.clear()
    handler_applied.clear()
    monkeypatch.setitem(settings.OMNIRETAIL, "WEBHOOK_TIMEOUT_S", CLIENT_TIMEOUT_S)
    WebhookEndpoint.objects.create(name="faulty", url=url, secret=SECRET, topics=[TOPIC])
    start = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        with transaction.atomic():
            ids = {str(events.publish(TOPIC, {"n": n}).pk) for n in range(50)}
        rounds = 0
        while rounds < 20 and (
            OutboxEvent.objects.filter(status=OutboxStatus.PENDING).exists()
            or WebhookDelivery.objects.filter(status=OutboxStatus.PENDING).exists()
        ):
            events.dispatch_due()
            traveller.shift(dt.timedelta(minutes=2))  # past the lease and every backoff so far
            rounds += 1

    assert set(state.processed) == ids  # every event reached the receiver
    assert all(count == 1 for count in state.processed.values())  # deduplicated by id
    slow = [n for n in range(50) if n % 5 == 1 and n % 3 and n % 7 != 2]  # 6 events
    failing = 2 * len(range(0, 50, 3)) + len([n for n in range(50) if n % 7 == 2 and n % 3])
    assert state.statuses["timeout"] == len(slow) and state.statuses["500"] == failing == 39
    assert state.duplicates == len(slow)  # answers lost to the client timeout: redelivered
    assert state.bad_signatures == 0
    assert set(handler_applied) == ids and set(handler_applied.values()) == {1}
    assert sum(handler_calls.values()) == 50 + 13  # the failed first tries, retried once
    assert not OutboxEvent.objects.exclude(status=OutboxStatus.DONE).exists()
    assert WebhookDelivery.objects.filter(status=OutboxStatus.DONE).count() == 50
    assert not WebhookDelivery.objects.exclude(status=OutboxStatus.DONE).exists()
