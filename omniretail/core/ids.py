"""Readable document numbers, unique under concurrency.

``next_document_number("SH001")`` → ``SH001-20261122-000123``: the prefix names the store or
document kind, the date is the business day, the counter restarts each day. The counter row is
incremented with a single UPDATE inside the caller's transaction, so two processes never get
the same number (row lock on PostgreSQL, the write lock on SQLite).
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.db.models import F

from . import clock
from .models import DocumentSequence

_PREFIX = re.compile(r"^[A-Z0-9][A-Z0-9_]{0,39}$")


def next_sequence_value(prefix: str, day: dt.date | None = None) -> int:
    if not _PREFIX.match(prefix):
        raise ValueError(f"document prefix must be upper-case letters and digits: {prefix!r}")
    day = day or clock.today()
    with transaction.atomic():
        updated = DocumentSequence.objects.filter(prefix=prefix, day=day).update(
            last_value=F("last_value") + 1
        )
        if not updated:
            try:
                with transaction.atomic():
                    DocumentSequence.objects.create(prefix=prefix, day=day, last_value=1)
                    return 1
            except IntegrityError:
                DocumentSequence.objects.filter(prefix=prefix, day=day).update(
                    last_value=F("last_value") + 1
                )
        return DocumentSequence.objects.values_list("last_value", flat=True).get(
            prefix=prefix, day=day
        )


def next_document_number(prefix: str, day: dt.date | None = None, width: int = 6) -> str:
    day = day or clock.today()
    value = next_sequence_value(prefix, day)
    return f"{prefix}-{day:%Y%m%d}-{value:0{width}d}"
