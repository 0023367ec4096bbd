"""The points ledger: earn on a sale, redeem, expire, reverse on a return, adjust.

Every change locks the member row, writes one ledger row with ``balance_after`` and updates
``Member.points_balance`` in the same transaction, so the balance always equals the ledger sum
(checked by ``members.points_balance_equals_ledger``). Positive rows are lots; negative rows
consume lots first-in-first-out (earliest expiry first), so expiry takes exactly what is left
of each year's points. Sales, redemptions and returns are idempotent on their reference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from omniretail.core import audit, clock, events
from omniretail.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from omniretail.core.models import Store
from omniretail.core.money import MoneyError, MoneyLike, to_fen

from . import conf, tiers
from .dates import end_of_year
from .errors import MemberError
from .models import EarnRule, Member, MemberStatus, PointsEntry, PointsKind, PointsMultiplier

MAX_POINTS = 10**12


@dataclass(frozen=True)
class SaleLine:
    """A sale line as the points rules see it (net of discounts, in CNY)."""

    net_amount: MoneyLike
    sku_id: int | None = None
    category_id: int | None = None


def expiry_for(day: dt.date) -> dt.date:
    """Points earned on ``day`` expire at the end of the year N years later (default: the
    end of the following year)."""
    return end_of_year(day.year + int(conf.get("POINTS_EXPIRY_YEARS")))


def _fen(value: MoneyLike, field: str) -> int:
    try:
        fen = to_fen(value)
    except MoneyError as exc:
        raise ValidationFailed(MemberError.INVALID_AMOUNT, str(exc), {"field": field}) from exc
    if fen < 0:
        raise ValidationFailed(
            MemberError.INVALID_AMOUNT, _("Amounts must not be negative."), {"field": field}
        )
    return fen


def _check_reference(reference: str) -> str:
    reference = (reference or "").strip()
    if not reference or len(reference) > 100:
        raise ValidationFailed(
            MemberError.INVALID_POINTS,
            _("A reference (1–100 characters) is required."),
            {"field": "reference"},
        )
    return reference


def _lock(member: Member) -> Member:
    locked = Member.objects.select_for_update().select_related("tier").filter(pk=member.pk).first()
    if locked is None:
        raise NotFound(_("member"), code=MemberError.MEMBER_NOT_FOUND)
    if locked.status != MemberStatus.ACTIVE:
        raise InvalidState(MemberError.MEMBER_INACTIVE, _("This member is not active."))
    return locked


def _existing(member: Member, kind: str, reference: str) -> PointsEntry | None:
    # Brand checked in Python: with it in the query SQLite walks the brand index instead.
    entry = next(
        (
            e
            for e in PointsEntry.objects.filter(kind=kind, reference=reference)
            if e.brand_id == member.brand_id
        ),
        None,
    )
    if entry is not None and entry.member_id != member.pk:
        raise Conflict(
            MemberError.REFERENCE_REUSED,
            _("This reference was already used for another member."),
            {"reference": reference},
        )
    return entry


def points_for(member: Member, net_fen: int, lines: Sequence[SaleLine] | None) -> int:
    """Whole points: net CNY × points per CNY × line multiplier × tier multiplier, rounded
    down once at the end (integer arithmetic, no floats)."""
    rule = EarnRule.objects.filter(brand_id=member.brand_id).first()
    per_yuan = rule.points_per_yuan if rule else 1
    weighted = net_fen * 100  # fen × line %
    if lines:
        sku_ids = {ln.sku_id for ln in lines if ln.sku_id}
        cat_ids = {ln.category_id for ln in lines if ln.category_id}
        by_sku: dict[int, int] = {}
        by_cat: dict[int, int] = {}
        if sku_ids or cat_ids:
            for m in PointsMultiplier.objects.filter(
                Q(sku_id__in=sku_ids) | Q(category_id__in=cat_ids), brand_id=member.brand_id
            ):
                if m.sku_id:
                    by_sku[m.sku_id] = m.multiplier_pct
                elif m.category_id:
                    by_cat[m.category_id] = m.multiplier_pct
        weighted = 0
        for ln in lines:
            pct = by_sku.get(ln.sku_id or 0) or by_cat.get(ln.category_id or 0) or 100
            weighted += _fen(ln.net_amount, "lines") * pct
    return weighted * per_yuan * member.tier.points_multiplier_pct // (100 * 100 * 100)


def _write(
    member: Member,
    kind: str,
    points: int,
    *,
    reference: str = "",
    expires_on: dt.date | None = None,
    net_fen: int | None = None,
    source: PointsEntry | None = None,
    store: Store | None = None,
    note: str = "",
) -> PointsEntry:
    """One ledger row and the balance update, inside the caller's transaction."""
    balance = member.points_balance + points
    if balance < 0:
        raise ValidationFailed(
            MemberError.INSUFFICIENT_POINTS,
            _("Not enough points."),
            {"balance": member.points_balance, "requested": -points},
        )
    entry = PointsEntry.objects.create(
        brand_id=member.brand_id,
        member=member,
        kind=kind,
        points=points,
        remaining=max(points, 0),
        expires_on=expires_on if points > 0 else None,
        balance_after=balance,
        reference=reference,
        net_amount=Decimal(net_fen) / 100 if net_fen is not None else None,
        source_entry=source,
        store=store,
        note=note[:200],
        created_at=clock.now(),
    )
    member.points_balance = balance
    Member.objects.filter(pk=member.pk).update(
        points_balance=balance, last_activity_at=entry.created_at
    )
    return entry


def _consume(member: Member, points: int, *, first: PointsEntry | None = None) -> None:
    """Take ``points`` from the member's live lots, ``first`` lot first, then earliest expiry."""
    today = clock.today()
    lots = list(
        PointsEntry.objects.filter(member=member, remaining__gt=0, expires_on__gte=today).order_by(
            "expires_on", "pk"
        )
    )
    if first is not None:
        lots.sort(key=lambda lot: lot.pk != first.pk)
    left = points
    for lot in lots:
        if left <= 0:
            break
        take = min(lot.remaining, left)
        PointsEntry.objects.filter(pk=lot.pk).update(remaining=lot.remaining - take)
        left -= take
    if left > 0:  # guarded by available(); reaching here means the lots and balance disagree
        raise InvalidState(MemberError.INSUFFICIENT_POINTS, _("Not enough unexpired points."))


def available(member: Member, today: dt.date | None = None) -> int:
    """Points that may be spent today (lots not yet past their expiry date)."""
    return (
        PointsEntry.objects.filter(
            member=member, remaining__gt=0, expires_on__gte=today or clock.today()
        ).aggregate(s=Sum("remaining"))["s"]
        or 0
    )


def earn_points_for_sale(
    member: Member,
    net_amount: MoneyLike,
    reference: str,
    store: Store | None = None,
    *,
    lines: Sequence[SaleLine] | None = None,
) -> PointsEntry:
    """Points for a completed sale; retrying the same ``reference`` returns the first entry
    (a different amount under the same reference is a 409)."""
    reference = _check_reference(reference)
    net_fen = _fen(net_amount, "net_amount")
    if lines and sum(_fen(ln.net_amount, "lines") for ln in lines) != net_fen:
        raise ValidationFailed(
            MemberError.INVALID_AMOUNT,
            _("The lines do not add up to the net amount."),
            {"field": "lines"},
        )
    with transaction.atomic():
        locked = _lock(member)
        prior = _existing(locked, PointsKind.EARN, reference)
        if prior is not None:
            if to_fen(prior.net_amount or 0) != net_fen:
                raise Conflict(
                    MemberError.REFERENCE_REUSED,
                    _("This sale reference was already used with another amount."),
                    {"reference": reference},
                )
            return prior
        points = points_for(locked, net_fen, lines)
        entry = _write(
            locked,
            PointsKind.EARN,
            points,
            reference=reference,
            expires_on=expiry_for(clock.today()),
            net_fen=net_fen,
            store=store,
        )
        events.publish(
            "members.points_earned",
            {"member_id": locked.pk, "points": points, "reference": reference},
            aggregate_type="member",
            aggregate_id=locked.pk,
            store_id=store.pk if store else None,
        )
        tiers.upgrade_if_due(locked)
    return entry


def redeem_points(
    member: Member, points: int, reference: str, store: Store | None = None
) -> PointsEntry:
    """Spend points (e.g. as tender at the till); idempotent on ``reference``."""
    reference = _check_reference(reference)
    if not isinstance(points, int) or points <= 0 or points > MAX_POINTS:
        raise ValidationFailed(
            MemberError.INVALID_POINTS, _("Points to redeem must be a positive whole number.")
        )
    with transaction.atomic():
        locked = _lock(member)
        prior = _existing(locked, PointsKind.REDEEM, reference)
        if prior is not None:
            if prior.points != -points:
                raise Conflict(
                    MemberError.REFERENCE_REUSED,
                    _("This redemption reference was already used with another amount."),
                    {"reference": reference},
                )
            return prior
        live = available(locked)
        if points > live:
            if points <= locked.points_balance:
                raise ValidationFailed(
                    MemberError.POINTS_EXPIRED,
                    _("Some of these points have expired and cannot be spent."),
                    {"available": live, "requested": points},
                )
            raise ValidationFailed(
                MemberError.INSUFFICIENT_POINTS,
                _("Not enough points."),
                {"available": live, "requested": points},
            )
        _consume(locked, points)
        entry = _write(locked, PointsKind.REDEEM, -points, reference=reference, store=store)
    return entry


def reverse_points_for_return(
    member: Member,
    sale_reference: str,
    return_reference: str,
    returned_net_amount: MoneyLike,
    store: Store | None = None,
) -> PointsEntry:
    """Take back the points a returned part of a sale earned, in proportion to the returned
    net amount (cumulative, so a sale returned in several parts reverses exactly what it
    earned). Points already spent cannot be taken back: the reversal stops at the balance and
    the shortfall is noted on the entry. Idempotent on ``return_reference``."""
    return_reference = _check_reference(return_reference)
    net_fen = _fen(returned_net_amount, "returned_net_amount")
    with transaction.atomic():
        locked = _lock(member)
        prior = _existing(locked, PointsKind.REVERSE, return_reference)
        if prior is not None:
            return prior
        sale = PointsEntry.objects.filter(
            member=locked, kind=PointsKind.EARN, reference=sale_reference
        ).first()
        if sale is None:
            raise NotFound(_("sale"), code=MemberError.SALE_NOT_FOUND)
        sale_fen = to_fen(sale.net_amount or 0)
        before_fen = _returned_fen(sale)
        if before_fen + net_fen > sale_fen:
            raise ValidationFailed(
                MemberError.RETURN_EXCEEDS_SALE,
                _("More is returned than the sale was worth."),
                {"sale_net_fen": sale_fen, "already_returned_fen": before_fen},
            )
        if sale_fen:
            due = (
                sale.points * (before_fen + net_fen) // sale_fen
                - sale.points * before_fen // sale_fen
            )
        else:
            due = 0
        live = available(locked)
        take = min(due, live)
        if take:
            _consume(locked, take, first=sale)
        note = f"shortfall {due - take}" if take < due else ""
        entry = _write(
            locked,
            PointsKind.REVERSE,
            -take,
            reference=return_reference,
            net_fen=-net_fen,
            source=sale,
            store=store,
            note=note,
        )
    return entry


def _returned_fen(sale: PointsEntry) -> int:
    return -sum(
        to_fen(n)
        for n in PointsEntry.objects.filter(source_entry=sale, kind=PointsKind.REVERSE).values_list(
            "net_amount", flat=True
        )
        if n is not None
    )


def adjust_points(member: Member, points: int, reason: str, reference: str = "") -> PointsEntry:
    """A manual correction (goodwill, error fix), audited with its reason."""
    if not isinstance(points, int) or points == 0 or abs(points) > MAX_POINTS:
        raise ValidationFailed(MemberError.INVALID_POINTS, _("Adjust by a non-zero whole number."))
    if not reason.strip():
        raise ValidationFailed(
            MemberError.INVALID_POINTS, _("A reason is required."), {"field": "reason"}
        )
    with transaction.atomic():
        locked = _lock(member)
        if reference:
            prior = _existing(locked, PointsKind.ADJUST, reference)
            if prior is not None:
                return prior
        if points < 0:
            if -points > available(locked):
                raise ValidationFailed(
                    MemberError.INSUFFICIENT_POINTS,
                    _("Not enough points."),
                    {"available": available(locked), "requested": -points},
                )
            _consume(locked, -points)
        entry = _write(
            locked,
            PointsKind.ADJUST,
            points,
            reference=reference,
            expires_on=expiry_for(clock.today()),
            note=reason,
        )
        audit.record(
            "members.points_adjust",
            locked,
            changes={"points": points, "balance_after": entry.balance_after},
            reason=reason,
            brand_id=locked.brand_id,
        )
    return entry


def expire_member_points(member_id: int, today: dt.date | None = None) -> int:
    """Expire every lot of one member whose date has passed; one ledger row per lot."""
    today = today or clock.today()
    expired = 0
    with transaction.atomic():
        member = Member.objects.select_for_update().filter(pk=member_id).first()
        if member is None:
            return 0
        for lot in PointsEntry.objects.filter(
            member=member, remaining__gt=0, expires_on__lt=today
        ).order_by("expires_on", "pk"):
            PointsEntry.objects.filter(pk=lot.pk).update(remaining=0)
            balance = member.points_balance - lot.remaining
            PointsEntry.objects.create(
                brand_id=member.brand_id,
                member=member,
                kind=PointsKind.EXPIRE,
                points=-lot.remaining,
                balance_after=balance,
                reference=f"expire:{lot.pk}",
                source_entry=lot,
                created_at=clock.now(),
            )
            member.points_balance = balance
            expired += lot.remaining
        if expired:
            Member.objects.filter(pk=member.pk).update(points_balance=member.points_balance)
    return expired


def expire_due_points(today: dt.date | None = None) -> int:
    """The periodic job: expire all lots past their date, member by member."""
    today = today or clock.today()
    member_ids = (
        PointsEntry.objects.filter(remaining__gt=0, expires_on__lt=today)
        .values_list("member_id", flat=True)
        .distinct()
    )
    return sum(expire_member_points(pk, today) for pk in list(member_ids))


# --- Batch accrual ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchSale:
    """One sale of a batch (e.g. a day of marketplace orders or a replayed import)."""

    member_id: int
    net_amount: MoneyLike
    reference: str
    store_id: int | None = None
    lines: Sequence[SaleLine] | None = None


@dataclass
class BatchResult:
    earned: int = 0  # ledger rows written
    replayed: int = 0  # references already earned (idempotent retries)
    skipped: list[str] = field(default_factory=list)  # references of inactive/unknown members
    points: int = 0


BATCH_CHUNK = 500


def _multipliers(
    brand_id: int, sales: Sequence[BatchSale]
) -> tuple[dict[int, int], dict[int, int]]:
    sku_ids = {ln.sku_id for s in sales for ln in (s.lines or ()) if ln.sku_id}
    cat_ids = {ln.category_id for s in sales for ln in (s.lines or ()) if ln.category_id}
    by_sku: dict[int, int] = {}
    by_cat: dict[int, int] = {}
    if sku_ids or cat_ids:
        for m in PointsMultiplier.objects.filter(
            Q(sku_id__in=sku_ids) | Q(category_id__in=cat_ids), brand_id=brand_id
        ):
            if m.sku_id:
                by_sku[m.sku_id] = m.multiplier_pct
            elif m.category_id:
                by_cat[m.category_id] = m.multiplier_pct
    return by_sku, by_cat


def earn_points_batch(sales: Sequence[BatchSale], *, chunk: int = BATCH_CHUNK) -> BatchResult:
    """Points for many sales at once: the same rows ``earn_points_for_sale`` writes (one lot
    per sale, ``balance_after`` running per member, the balance updated once per member),
    in chunks of ``chunk`` sales, each chunk one transaction with its members locked in pk
    order. Every sale is idempotent on its reference, so a batch that failed half-way is
    simply run again. A reference reused with another member or amount is a 409 that rolls
    back its chunk; sales of inactive or unknown members are skipped and reported."""
    result = BatchResult()
    for start in range(0, len(sales), chunk):
        _earn_chunk(list(sales[start : start + chunk]), result)
    return result


def _earn_chunk(sales: list[BatchSale], result: BatchResult) -> None:
    cleaned = []
    for sale in sales:
        reference = _check_reference(sale.reference)
        net_fen = _fen(sale.net_amount, "net_amount")
        if sale.lines and sum(_fen(ln.net_amount, "lines") for ln in sale.lines) != net_fen:
            raise ValidationFailed(
                MemberError.INVALID_AMOUNT,
                _("The lines do not add up to the net amount."),
                {"field": "lines", "reference": reference},
            )
        cleaned.append((sale, reference, net_fen))
    if len({ref for _s, ref, _n in cleaned}) != len(cleaned):
        raise ValidationFailed(
            MemberError.REFERENCE_REUSED, _("A reference appears twice in the batch.")
        )
    now, today = clock.now(), clock.today()
    expires = expiry_for(today)
    with transaction.atomic():
        members = {
            m.pk: m
            for m in Member.objects.select_for_update()
            .select_related("tier")
            .filter(pk__in=sorted({s.member_id for s in sales}))
            .order_by("pk")
        }
        brands = {m.brand_id for m in members.values()}
        prior = {
            e.reference: e
            for e in PointsEntry.objects.filter(
                kind=PointsKind.EARN, reference__in=[ref for _s, ref, _n in cleaned]
            )
            if e.brand_id in brands
        }
        rules = {
            r.brand_id: r.points_per_yuan for r in EarnRule.objects.filter(brand_id__in=brands)
        }
        multipliers = {b: _multipliers(b, sales) for b in brands}
        entries: list[PointsEntry] = []
        touched: dict[int, Member] = {}
        for sale, reference, net_fen in cleaned:
            member = members.get(sale.member_id)
            if member is None or member.status != MemberStatus.ACTIVE:
                result.skipped.append(reference)
                continue
            done = prior.get(reference)
            if done is not None and done.brand_id == member.brand_id:
                if done.member_id != member.pk or to_fen(done.net_amount or 0) != net_fen:
                    raise Conflict(
                        MemberError.REFERENCE_REUSED,
                        _("This sale reference was already used with another amount."),
                        {"reference": reference},
                    )
                result.replayed += 1
                continue
            by_sku, by_cat = multipliers[member.brand_id]
            weighted = net_fen * 100
            if sale.lines:
                weighted = sum(
                    _fen(ln.net_amount, "lines")
                    * (by_sku.get(ln.sku_id or 0) or by_cat.get(ln.category_id or 0) or 100)
                    for ln in sale.lines
                )
            earned = (
                weighted
                * rules.get(member.brand_id, 1)
                * member.tier.points_multiplier_pct
                // (100 * 100 * 100)
            )
            member.points_balance += earned
            member.last_activity_at = now
            touched[member.pk] = member
            entries.append(
                PointsEntry(
                    brand_id=member.brand_id,
                    member=member,
                    kind=PointsKind.EARN,
                    points=earned,
                    remaining=earned,
                    expires_on=expires,
                    balance_after=member.points_balance,
                    reference=reference,
                    net_amount=Decimal(net_fen) / 100,
                    store_id=sale.store_id,
                    created_at=now,
                )
            )
            result.points += earned
        PointsEntry.objects.bulk_create(entries, batch_size=1000)
        # One prepared UPDATE per member (executemany): Django's bulk_update builds a CASE
        # expression per row in Python, which costs more than the writes themselves.
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {Member._meta.db_table} SET points_balance = %s, "  # noqa: S608
                "last_activity_at = %s WHERE id = %s",
                [
                    (
                        m.points_balance,
                        connection.ops.adapt_datetimefield_value(m.last_activity_at),
                        m.pk,
                    )
                    for m in touched.values()
                ],
            )
        tiers.upgrade_many(list(touched.values()))
        if entries:
            events.publish(
                "members.points_earned_batch",
                {
                    "members": len(touched),
                    "entries": len(entries),
                    "points": sum(e.points for e in entries),
                    "references": [e.reference for e in entries][:50],
                },
                aggregate_type="member",
                aggregate_id="batch",
            )
        result.earned += len(entries)
