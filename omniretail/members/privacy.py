"""Privacy rights (PIPL): export my data, delete (anonymise), withdraw consent, retention.

Deleting a member anonymises the person, not the money: the phone, name, birthday and app
login are erased, while the points and stored-value ledgers stay (finance must reconcile
them) attached to a member row that no longer identifies anyone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.core import audit, clock, events
from omniretail.core.errors import InvalidState

from . import conf
from .dates import add_months
from .errors import MemberError
from .identity import current_consents, name_of, phone_of
from .models import Member, MemberStatus, PointsEntry, StoredValueEntry


def export_member(member: Member, *, audited: bool = True, fmt: str = "json") -> dict[str, Any]:
    """Everything we hold about the member, as JSON-ready data (a PII read: audited, with
    the format asked for)."""
    if member.status == MemberStatus.ANONYMISED:
        raise InvalidState(MemberError.MEMBER_INACTIVE, _("This member was anonymised."))
    data: dict[str, Any] = {
        "member": {
            "code": member.code,
            "phone": phone_of(member),
            "name": name_of(member),
            "birthday": member.birthday.isoformat() if member.birthday else None,
            "tier": member.tier.code,
            "registered_at": member.registered_at.isoformat(),
            "registered_channel": member.registered_channel,
            "points_balance": member.points_balance,
        },
        "consents": [
            {
                "purpose": c.purpose,
                "granted": c.granted,
                "policy_version": c.policy_version,
                "channel": c.channel,
                "at": c.at.isoformat(),
            }
            for c in member.consents.order_by("at", "pk")
        ],
        "points": [
            {
                "kind": e.kind,
                "points": e.points,
                "balance_after": e.balance_after,
                "reference": e.reference,
                "expires_on": e.expires_on.isoformat() if e.expires_on else None,
                "at": e.created_at.isoformat(),
            }
            for e in PointsEntry.objects.filter(member=member).order_by("created_at", "pk")
        ],
        "stored_value": [
            {
                "card": e.account.number,
                "kind": e.kind,
                "amount": str(e.amount),
                "balance_after": str(e.balance_after),
                "reference": e.reference,
                "at": e.created_at.isoformat(),
            }
            for e in StoredValueEntry.objects.filter(account__member=member)
            .select_related("account")
            .order_by("created_at", "pk")
        ],
    }
    if audited:
        with transaction.atomic():
            audit.record(
                "members.export",
                member,
                changes={"format": fmt},
                brand_id=member.brand_id,
                pii_read=True,
                reason="export",
            )
    return data


def csv_cell(value: Any) -> Any:
    """A value safe to open in a spreadsheet: text that would start a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "@", "\t", "\r"):
        return "'" + value
    return value


def export_member_csv(member: Member) -> str:
    """The same export as one CSV table (section, row, field, value): lossless, opens in any
    spreadsheet, and needs no schema per section. Audited like the JSON export."""
    data = export_member(member, fmt="csv")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "row", "field", "value"])
    for field, value in data["member"].items():
        writer.writerow(["member", 1, field, csv_cell(value)])
    for section in ("consents", "points", "stored_value"):
        for n, row in enumerate(data[section], start=1):
            for field, value in row.items():
                writer.writerow([section, n, field, csv_cell(value)])
    return out.getvalue()


def anonymise_member(member: Member, *, reason: str = "request") -> Member:
    """Erase the personal data of one member; ledgers stay. Withdraws every consent."""
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        if locked.status == MemberStatus.ANONYMISED:
            return locked
        now = clock.now()
        for purpose, consent in current_consents(locked).items():
            if consent is not None and consent.granted:
                locked.consents.create(
                    purpose=purpose,
                    granted=False,
                    policy_version=consent.policy_version,
                    channel=consent.channel,
                    at=now,
                )
        Member.objects.filter(pk=locked.pk).update(
            phone_cipher="",
            phone_index=None,
            phone_masked="",
            name_cipher="",
            name_masked="",
            birthday=None,
            user=None,
            status=MemberStatus.ANONYMISED,
            anonymised_at=now,
        )
        audit.record(
            "members.anonymise",
            locked,
            reason=reason,
            changes={"fields": ["phone", "name", "birthday", "user"]},
            brand_id=locked.brand_id,
        )
        events.publish(
            "members.anonymised",
            {"member_id": locked.pk, "reason": reason},
            aggregate_type="member",
            aggregate_id=locked.pk,
        )
    locked.refresh_from_db()
    return locked


def inactive_cutoff(today: dt.date | None = None) -> dt.datetime:
    day = add_months(today or clock.today(), -12 * int(conf.get("RETENTION_YEARS")))
    return clock.business_day_bounds(day)[0]


def anonymise_inactive(today: dt.date | None = None, limit: int = 5000) -> int:
    """The retention job: anonymise members with no activity for ``RETENTION_YEARS``.
    Members still holding points or stored value are kept (their balance is owed to them)."""
    cutoff = inactive_cutoff(today)
    due = list(
        Member.objects.filter(
            status=MemberStatus.ACTIVE, last_activity_at__lt=cutoff, points_balance=0
        )
        .exclude(stored_value__balance__gt=0)
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        anonymise_member(Member.objects.get(pk=pk), reason="retention")
    return len(due)
