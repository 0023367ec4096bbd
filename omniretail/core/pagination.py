"""Keyset (cursor) pagination: pages cost the same at row 10 and row 10 million.

Cursors are signed, so a tampered or foreign cursor is refused with ``invalid_cursor``
instead of turning into an arbitrary query.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .errors import BadRequest, CoreError

_SALT = "omniretail.cursor"
MAX_LIMIT = 200


def encode_cursor(values: list[Any], tag: str) -> str:
    return signing.dumps({"v": values, "t": tag}, salt=_SALT, compress=True)


def decode_cursor(cursor: str, tag: str) -> list[Any]:
    try:
        data = signing.loads(cursor, salt=_SALT)
    except signing.BadSignature as exc:
        raise BadRequest(
            CoreError.INVALID_CURSOR, _("The page cursor is invalid or was tampered with.")
        ) from exc
    if not isinstance(data, dict) or data.get("t") != tag or not isinstance(data.get("v"), list):
        raise BadRequest(
            CoreError.INVALID_CURSOR, _("The page cursor belongs to another list or ordering.")
        )
    return data["v"]


def keyset_page(
    qs: QuerySet[Any], order: list[str], *, cursor: str | None, limit: int, tag: str
) -> tuple[list[Any], str | None]:
    """Return one page of ``qs`` ordered by ``order`` (field names, ``-`` for descending;
    the last must be unique, e.g. ``pk``) and the cursor of the next page."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    fields = [f.lstrip("-") for f in order]
    full_tag = f"{tag}:{','.join(order)}"
    if cursor:
        values = decode_cursor(cursor, full_tag)
        if len(values) != len(fields):
            raise BadRequest(
                CoreError.INVALID_CURSOR, _("The page cursor does not match this ordering.")
            )
        condition = Q()
        for i, name in enumerate(order):
            field = fields[i]
            op = "lt" if name.startswith("-") else "gt"
            step = Q(**{f"{field}__{op}": values[i]})
            for j in range(i):
                step &= Q(**{fields[j]: values[j]})
            condition |= step
        if values[0] is not None:
            # Implied by the OR above, but stated so the planner seeks the sort index to the
            # cursor instead of walking it from the start (SQLite cannot see through the OR).
            first_op = "lte" if order[0].startswith("-") else "gte"
            condition &= Q(**{f"{fields[0]}__{first_op}": values[0]})
        qs = qs.filter(condition)
    rows = list(qs.order_by(*order)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([_plain(_get(last, f)) for f in fields], full_tag)
    return rows, next_cursor


def _get(row: Any, field: str) -> Any:
    if isinstance(row, dict):
        return row[field]
    value = row
    for part in field.split("__"):
        value = getattr(value, part)
    return value


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value.__class__.__name__ == "Decimal":
        return str(value)
    return value
