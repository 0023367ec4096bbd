"""Transactional outbox.

``publish()`` writes an event row inside the caller's transaction, so an event exists if and
only if the change it describes committed. After commit a job delivers it: to in-process
handlers (each applied exactly once: its ``EventHandling`` marker is written in the handler's
own transaction) and to signed webhooks (at least once, with exponential backoff; receivers
deduplicate by the ``X-Omniretail-Event-Id`` header).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction

from . import clock
from .models import EventHandling, OutboxEvent, OutboxStatus, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

Handler = Callable[[OutboxEvent], None]
_handlers: dict[str, list[tuple[str, Handler]]] = defaultdict(list)

LEASE = dt.timedelta(seconds=60)


def handler(topic: str, name: str | None = None) -> Callable[[Handler], Handler]:
    """Register an in-process handler for ``topic`` (exact name, or a prefix ending in ``*``)."""

    def register(fn: Handler) -> Handler:
        handler_name = name or f"{fn.__module__}.{fn.__qualname__}"
        if all(existing != handler_name for existing, _ in _handlers[topic]):
            _handlers[topic].append((handler_name, fn))
        return fn

    return register


def handlers_for(topic: str) -> list[tuple[str, Handler]]:
    found: list[tuple[str, Handler]] = []
    for pattern, registered in _handlers.items():
        if (
            pattern == topic
            or pattern == "*"
            or (pattern.endswith("*") and topic.startswith(pattern[:-1]))
        ):
            found.extend(registered)
    return sorted(found, key=lambda item: item[0])


def _json_safe(payload: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def publish(
    topic: str,
    payload: dict[str, Any],
    *,
    aggregate_type: str = "",
    aggregate_id: object = "",
    store_id: int | None = None,
) -> OutboxEvent:
    """Record an event in the current transaction; delivery starts after commit."""
    if not connection.in_atomic_block:
        raise RuntimeError("events.publish() must be called inside the transaction of the change")
    at = clock.now()
    event = OutboxEvent.objects.create(
        topic=topic,
        payload=_json_safe(payload),
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate_id),
        store_id=store_id,
        created_at=at,
        next_attempt_at=at,
    )
    if not any(entry[1] is _schedule_dispatch for entry in connection.run_on_commit):
        transaction.on_commit(_schedule_dispatch)  # once per transaction, however many events
    return event


# Hot paths (a sale, a points accrual) publish an event per transaction; enqueueing a job for
# each would add a write to the job queue per sale. Instead one delayed dispatch serves every
# event committed within a short window: it runs after the window closes, so it sees them all.
DISPATCH_WINDOW_S = 0.5
_window_lock = threading.Lock()
_window_until = 0.0


def _schedule_dispatch() -> None:
    global _window_until
    from huey.contrib.djhuey import HUEY

    from .tasks import dispatch_outbox

    try:
        if HUEY.immediate:
            dispatch_outbox()
            return
        with _window_lock:
            now = time.monotonic()
            if now < _window_until:
                return
            _window_until = now + DISPATCH_WINDOW_S
        dispatch_outbox.schedule(delay=DISPATCH_WINDOW_S)
    except Exception:  # the periodic tick retries; a queue hiccup must not fail the request
        log.exception("could not schedule outbox dispatch")


def backoff(attempts: int) -> dt.timedelta:
    """5 s, 10 s, 20 s … capped at one hour."""
    return dt.timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 3600))


def _claim(model: type[OutboxEvent] | type[WebhookDelivery], pk: Any, now: dt.datetime) -> bool:
    """Take a lease on a due row with one conditional UPDATE, so two dispatchers never work
    the same row at the same time."""
    with transaction.atomic():
        return bool(
            model.objects.filter(
                pk=pk, status=OutboxStatus.PENDING, next_attempt_at__lte=now
            ).update(next_attempt_at=now + LEASE)
        )


@dataclass
class DispatchReport:
    events_done: int = 0
    events_retrying: int = 0
    events_failed: int = 0
    webhooks_delivered: int = 0
    webhooks_retrying: int = 0
    webhooks_failed: int = 0
    errors: list[str] = field(default_factory=list)


def dispatch_due(limit: int = 200, report: DispatchReport | None = None) -> DispatchReport:
    report = report or DispatchReport()
    now = clock.now()
    due = list(
        OutboxEvent.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        if _claim(OutboxEvent, pk, now):
            _deliver_event(OutboxEvent.objects.get(pk=pk), report)
    deliver_webhooks(limit=limit, report=report)
    return report


def _deliver_event(event: OutboxEvent, report: DispatchReport) -> None:
    failures: list[str] = []
    done = set(EventHandling.objects.filter(event=event).values_list("handler", flat=True))
    for name, fn in handlers_for(event.topic):
        if name in done:
            continue
        try:
            with transaction.atomic():
                EventHandling.objects.create(event=event, handler=name, handled_at=clock.now())
                fn(event)
        except IntegrityError:
            continue  # another dispatcher applied it
        except Exception as exc:
            log.exception("event handler %s failed for %s", name, event.pk)
            failures.append(f"{name}: {exc}")
    with transaction.atomic():
        endpoints = [
            ep for ep in WebhookEndpoint.objects.filter(is_active=True) if ep.wants(event.topic)
        ]
        for endpoint in endpoints:
            WebhookDelivery.objects.get_or_create(
                event=event, endpoint=endpoint, defaults={"next_attempt_at": clock.now()}
            )
        event.attempts += 1
        if failures:
            event.last_error = "\n".join(failures)[:4000]
            if event.attempts >= settings.OMNIRETAIL["OUTBOX_MAX_ATTEMPTS"]:
                event.status = OutboxStatus.FAILED
                report.events_failed += 1
            else:
                event.next_attempt_at = clock.now() + backoff(event.attempts)
                report.events_retrying += 1
            report.errors.extend(failures)
        else:
            event.status = OutboxStatus.DONE
            event.dispatched_at = clock.now()
            event.last_error = ""
            report.events_done += 1
        event.save(
            update_fields=["attempts", "last_error", "status", "next_attempt_at", "dispatched_at"]
        )


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def deliver_webhooks(
    limit: int = 200, report: DispatchReport | None = None, client: httpx.Client | None = None
) -> DispatchReport:
    report = report or DispatchReport()
    now = clock.now()
    due = list(
        WebhookDelivery.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not due:
        return report
    own_client = client is None
    http = client or httpx.Client(timeout=settings.OMNIRETAIL["WEBHOOK_TIMEOUT_S"])
    try:
        for pk in due:
            if _claim(WebhookDelivery, pk, now):
                _send(
                    WebhookDelivery.objects.select_related("event", "endpoint").get(pk=pk),
                    http,
                    report,
                )
    finally:
        if own_client:
            http.close()
    return report


def _send(delivery: WebhookDelivery, http: httpx.Client, report: DispatchReport) -> None:
    event = delivery.event
    body = json.dumps(
        {
            "id": str(event.pk),
            "topic": event.topic,
            "created_at": event.created_at.isoformat(),
            "payload": event.payload,
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode()
    timestamp = str(int(clock.now().timestamp()))
    headers = {
        "Content-Type": "application/json",
        "X-Omniretail-Event": event.topic,
        "X-Omniretail-Event-Id": str(event.pk),
        "X-Omniretail-Timestamp": timestamp,
        "X-Omniretail-Signature": sign(delivery.endpoint.secret, timestamp, body),
    }
    status_code: int | None = None
    error = ""
    try:
        response = http.post(delivery.endpoint.url, content=body, headers=headers)
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    delivery.attempts += 1
    delivery.last_status_code = status_code
    if not error:
        delivery.status = OutboxStatus.DONE
        delivery.delivered_at = clock.now()
        delivery.last_error = ""
        report.webhooks_delivered += 1
    elif delivery.attempts >= settings.OMNIRETAIL["OUTBOX_MAX_ATTEMPTS"]:
        delivery.status = OutboxStatus.FAILED
        delivery.last_error = error[:4000]
        report.webhooks_failed += 1
    else:
        delivery.next_attempt_at = clock.now() + backoff(delivery.attempts)
        delivery.last_error = error[:4000]
        report.webhooks_retrying += 1
    with transaction.atomic():
        delivery.save(
            update_fields=[
                "attempts",
                "last_status_code",
                "status",
                "delivered_at",
                "last_error",
                "next_attempt_at",
            ]
        )
