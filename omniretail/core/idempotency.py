"""Idempotency-Key for state-changing API requests.

Same key + same request → the stored response, replayed; same key + a different request →
409 ``idempotency_key_reused``. The request runs inside one transaction together with the
insert of its record, so the effect and the record commit together or not at all: a client
that retries after a timeout can never apply a change twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from . import clock
from .errors import CoreError
from .models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Outcomes that depend on who asks or when, not on the request: never replayed.
NOT_STORED = {401, 403, 429}


class _Collision(Exception):
    """A concurrent request with the same key committed first."""


def principal_of(request: HttpRequest) -> str:
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    if auth.lower().startswith("bearer "):
        return "token:" + hashlib.sha256(auth[7:].strip().encode()).hexdigest()[:32]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "anonymous"


def request_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(b"\n" + request.get_full_path().encode() + b"\n")
    digest.update(request.body)
    return digest.hexdigest()


def _error(code: CoreError, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": str(code), "message": message, "details": {}}, status=status)


def _replay(record: IdempotencyRecord, digest: str) -> HttpResponse:
    if record.request_hash != digest:
        return _error(
            CoreError.IDEMPOTENCY_KEY_REUSED,
            _("This Idempotency-Key was already used with a different request."),
            409,
        )
    response = HttpResponse(
        bytes(record.response_body), status=record.status_code, content_type=record.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.META.get(HEADER)
        if not key or request.method not in UNSAFE or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > 200 or not key.isprintable():
            return _error(
                CoreError.BAD_REQUEST,
                _("Idempotency-Key must be at most 200 printable characters."),
                400,
            )
        principal = principal_of(request)
        digest = request_hash(request)
        existing = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
        if existing is not None:
            return _replay(existing, digest)
        try:
            with transaction.atomic():
                response = self.get_response(request)
                if (
                    response.status_code >= 500
                    or response.status_code in NOT_STORED
                    or response.streaming
                ):
                    transaction.set_rollback(response.status_code >= 500)
                    return response
                try:
                    with transaction.atomic():
                        IdempotencyRecord.objects.create(
                            key=key,
                            principal=principal,
                            method=request.method or "",
                            path=request.path[:500],
                            request_hash=digest,
                            status_code=response.status_code,
                            response_body=response.content,
                            content_type=response.get("Content-Type", "application/json"),
                            created_at=clock.now(),
                        )
                except IntegrityError as exc:
                    raise _Collision from exc
                return response
        except _Collision:
            record = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
            if record is None:
                return _error(
                    CoreError.IDEMPOTENCY_IN_PROGRESS,
                    _("A request with this key is in progress."),
                    409,
                )
            return _replay(record, digest)
