"""Typed domain errors.

Services raise these; the API layer maps them to ``{"code", "message", "details"}`` with the
status of the error class. Codes are stable strings from each domain's ``errors.py`` Enum, so
clients can branch on them; messages are translated text for people.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class CoreError(StrEnum):
    NOT_FOUND = "not_found"
    VALIDATION_ERROR = "validation_error"
    MALFORMED_JSON = "malformed_json"
    UNAUTHENTICATED = "unauthenticated"
    PERMISSION_DENIED = "permission_denied"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_IN_PROGRESS = "idempotency_in_progress"
    INVALID_STATE = "invalid_state"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    LOCKED_OUT = "locked_out"
    BAD_REQUEST = "bad_request"
    INVALID_CURSOR = "invalid_cursor"
    INTERNAL = "internal_error"


class DomainError(Exception):
    """Base of every error a service may raise on purpose."""

    status: int = 400

    def __init__(self, code: StrEnum | str, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = str(code)
        self.message = str(message)
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class ValidationFailed(DomainError):
    status = 422


class BadRequest(DomainError):
    status = 400


class NotFound(DomainError):
    status = 404

    def __init__(
        self,
        what: str = "object",
        details: dict[str, Any] | None = None,
        code: StrEnum | str = CoreError.NOT_FOUND,
    ):
        from django.utils.translation import gettext

        super().__init__(code, gettext("%(what)s not found") % {"what": what}, details)


class PermissionDenied(DomainError):
    status = 403


class Unauthenticated(DomainError):
    status = 401


class Conflict(DomainError):
    status = 409


class InvalidState(DomainError):
    """A transition the object's current state does not allow."""

    status = 409


class RateLimited(DomainError):
    status = 429
