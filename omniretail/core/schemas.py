"""Schemas shared by every domain's API."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from ninja import Schema
from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class InputSchema(Schema):
    """Base of every request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, Any] = {}


def clock_time(value: Any) -> str | None:
    """Wall-clock times (opening hours) as "HH:MM": JSON Schema's "time" format demands an
    offset, which opening hours do not have."""
    return value.strftime("%H:%M") if value is not None else None


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    count_estimate: int | None = None


# The error responses every authenticated operation can produce.
AUTH_ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    422: ErrorOut,
}
READ_ERRORS: dict[int, type[ErrorOut]] = {**AUTH_ERRORS, 404: ErrorOut}
WRITE_ERRORS: dict[int, type[ErrorOut]] = {**READ_ERRORS, 409: ErrorOut}
