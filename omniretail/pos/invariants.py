"""Till invariants checked by ``omniretail check-invariants`` (and after every DB test)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count

from omniretail.core.integrity import invariant
from omniretail.core.money import to_fen

from .models import Shift, ShiftStatus


@invariant("pos.one_open_shift_per_register")
def one_open_shift_per_register() -> Iterator[str]:
    rows = (
        Shift.objects.filter(status=ShiftStatus.OPEN)
        .values("register_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    for row in rows:
        yield f"register {row['register_id']}: {row['n']} open shifts"


@invariant("pos.closed_shift_variance_is_counted_minus_expected")
def closed_shift_variance() -> Iterator[str]:
    rows = Shift.objects.filter(status=ShiftStatus.CLOSED).values_list(
        "pk", "counted_cash", "expected_cash", "variance"
    )
    for pk, counted, expected, variance in rows.iterator(chunk_size=2000):
        if counted is None or expected is None or variance is None:
            yield f"shift {pk}: closed without count, expected or variance"
        elif to_fen(variance) != to_fen(counted) - to_fen(expected):
            yield f"shift {pk}: variance {variance} ≠ {counted} − {expected}"
