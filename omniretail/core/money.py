"""Money in CNY: Decimal in Python, integer fen in the database.

Rounding happens only through this module (ROUND_HALF_UP to the fen) so every place that
rounds does it the same way, and splitting an amount never loses or invents a fen.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import models

CURRENCY = "CNY"
FEN = Decimal("0.01")
ZERO = Decimal("0.00")

MoneyLike = Decimal | int | str


class MoneyError(ValueError):
    """A value that cannot be money (NaN, infinity, garbage, sub-fen where not allowed)."""


def to_decimal(value: MoneyLike) -> Decimal:
    if isinstance(value, float):
        raise MoneyError("floats are never money; pass a Decimal or a string")
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError(f"not a decimal amount: {value!r}") from exc
    if not result.is_finite():
        raise MoneyError(f"not a finite amount: {value!r}")
    return result


def quantize(value: MoneyLike) -> Decimal:
    """Round to the fen, half up — the one rounding rule of the product."""
    return to_decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def to_fen(value: MoneyLike) -> int:
    return int(quantize(value) * 100)


def from_fen(fen: int) -> Decimal:
    return (Decimal(int(fen)) / 100).quantize(FEN)


def is_whole_fen(value: MoneyLike) -> bool:
    d = to_decimal(value)
    return d == d.quantize(FEN)


def allocate(total: MoneyLike, weights: Sequence[MoneyLike]) -> list[Decimal]:
    """Split ``total`` across ``weights`` in proportion, fen-exact (largest remainder).

    The parts always sum to ``total``; ties in the remainder go to the earliest line, so the
    result is deterministic. Zero total weight splits evenly.
    """
    total_fen = to_fen(total)
    if not weights:
        if total_fen:
            raise MoneyError("cannot allocate a non-zero amount across no lines")
        return []
    w = [to_decimal(x) for x in weights]
    if any(x < 0 for x in w):
        raise MoneyError("allocation weights must not be negative")
    weight_sum = sum(w, Decimal(0))
    if weight_sum == 0:
        w = [Decimal(1)] * len(w)
        weight_sum = Decimal(len(w))
    sign = -1 if total_fen < 0 else 1
    magnitude = abs(total_fen)
    exact = [Decimal(magnitude) * x / weight_sum for x in w]
    floors = [int(e) for e in exact]
    remainder = magnitude - sum(floors)
    order = sorted(range(len(w)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:remainder]:
        floors[i] += 1
    return [from_fen(sign * f) for f in floors]


def format_cny(value: MoneyLike) -> str:
    return f"¥{quantize(value):,.2f}"


class MoneyField(models.BigIntegerField):
    """A CNY amount stored as integer fen (SQLite would store a DecimalField as a float)."""

    description = "Money amount in CNY stored as integer fen"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        if value is None:
            return None
        return from_fen(int(value))

    def to_python(self, value: Any) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        try:
            return quantize(value)
        except MoneyError as exc:
            from django.core.exceptions import ValidationError

            raise ValidationError(str(exc)) from exc

    def get_prep_value(self, value: Any) -> int | None:
        if value is None:
            return None
        if hasattr(value, "resolve_expression"):
            return value
        return to_fen(value)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        return value
