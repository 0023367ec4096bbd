"""Member identity: registration (POS in seconds, online), lookup by phone / code / QR,
consents, the audited unmask, and merging duplicates."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from omniretail.core import audit, clock, events
from omniretail.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from omniretail.core.models import Brand, Store

from . import conf, crypto, tiers
from .errors import MemberError
from .models import (
    Channel,
    Consent,
    ConsentPurpose,
    Member,
    MemberStatus,
    PointsEntry,
    PointsKind,
    StoredValueAccount,
)

PHONE_FIELD = "members.member.phone"
NAME_FIELD = "members.member.name"


def luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return str((10 - total % 10) % 10)


def new_member_code(rng: Any = None) -> str:
    """``M`` + 11 random digits + a Luhn check digit: typed at a till, a typo is caught."""
    body = "".join(str((rng or secrets.SystemRandom()).randrange(10)) for _ in range(11))
    return f"M{body}{luhn_digit(body)}"


def is_valid_code(code: str) -> bool:
    return (
        len(code) == 13
        and code[0] == "M"
        and code[1:].isdigit()
        and luhn_digit(code[1:12]) == code[12]
    )


@dataclass(frozen=True)
class Identity:
    """The encrypted columns for a phone and name, computed once (also used by the seeder)."""

    phone_cipher: str
    phone_index: str
    phone_masked: str
    name_cipher: str
    name_masked: str


def identity_columns(phone: str, name: str = "") -> Identity:
    return Identity(
        phone_cipher=crypto.encrypt(phone, PHONE_FIELD),
        phone_index=crypto.phone_index(phone),
        phone_masked=crypto.mask_phone(phone),
        name_cipher=crypto.encrypt(name, NAME_FIELD) if name else "",
        name_masked=crypto.mask_name(name),
    )


def phone_of(member: Member) -> str:
    return crypto.decrypt(member.phone_cipher, PHONE_FIELD)


def name_of(member: Member) -> str:
    return crypto.decrypt(member.name_cipher, NAME_FIELD)


# --- Registration -------------------------------------------------------------------------------


def _clean_consents(consents: Mapping[str, bool] | None) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for purpose, granted in (consents or {}).items():
        if purpose not in ConsentPurpose.values:
            raise ValidationFailed(
                MemberError.CONSENT_REQUIRED,
                _("Unknown consent purpose: %(p)s") % {"p": purpose},
                {"purpose": purpose},
            )
        out[purpose] = bool(granted)
    return out


def register_member(
    brand: Brand,
    phone: str,
    *,
    channel: str = Channel.POS,
    store: Store | None = None,
    name: str = "",
    birthday: dt.date | None = None,
    consents: Mapping[str, bool] | None = None,
    policy_version: str | None = None,
    user: Any = None,
) -> Member:
    """Create a member from a phone number (and optional consents) in one transaction.

    A second registration of the same phone in the same brand is a 409 ``duplicate_member``
    whose details carry the existing member code, so the till can switch to it."""
    normal = crypto.normalise_phone(phone)
    if channel not in Channel.values:
        raise ValidationFailed(
            MemberError.INVALID_PHONE, _("Unknown channel."), {"field": "channel"}
        )
    if store is not None and store.brand_id != brand.pk:
        raise NotFound(_("store"))
    consent_map = _clean_consents(consents)
    ident = identity_columns(normal, name.strip())
    existing = find_by_phone(brand.pk, normal)
    if existing is not None:
        raise Conflict(
            MemberError.DUPLICATE_MEMBER,
            _("A member with this phone number is already registered."),
            {"member_code": existing.code},
        )
    tier = tiers.entry_tier(brand)
    now = clock.now()
    try:
        with transaction.atomic():
            member = Member.objects.create(
                brand=brand,
                code=new_member_code(),
                phone_cipher=ident.phone_cipher,
                phone_index=ident.phone_index,
                phone_masked=ident.phone_masked,
                name_cipher=ident.name_cipher,
                name_masked=ident.name_masked,
                birthday=birthday,
                tier=tier,
                tier_review_on=tiers.next_review(clock.today()),
                registered_channel=channel,
                registered_store=store,
                registered_at=now,
                last_activity_at=now,
                user=user,
            )
            version = policy_version or conf.get("POLICY_VERSION")
            Consent.objects.bulk_create(
                [
                    Consent(
                        member=member,
                        purpose=purpose,
                        granted=granted,
                        policy_version=version,
                        channel=channel,
                        at=now,
                    )
                    for purpose, granted in consent_map.items()
                ]
            )
            audit.record(
                "members.register",
                member,
                changes={"channel": channel, "consents": consent_map},
                brand_id=brand.pk,
                store_id=store.pk if store else None,
            )
            events.publish(
                "members.registered",
                {"member_id": member.pk, "code": member.code, "channel": channel},
                aggregate_type="member",
                aggregate_id=member.pk,
                store_id=store.pk if store else None,
            )
    except IntegrityError as exc:
        raced = find_by_phone(brand.pk, normal)
        if raced is None:
            raise
        raise Conflict(
            MemberError.DUPLICATE_MEMBER,
            _("A member with this phone number is already registered."),
            {"member_code": raced.code},
        ) from exc
    return member


# --- Lookup -----------------------------------------------------------------------------------


def _follow(member: Member | None) -> Member | None:
    """A merged member answers with the member it was merged into."""
    seen = 0
    while member is not None and member.status == MemberStatus.MERGED and seen < 10:
        member = Member.objects.select_related("tier").filter(pk=member.merged_into_id).first()
        seen += 1
    return member


def find_by_phone(brand_id: int, phone: str) -> Member | None:
    """One indexed query on the blind index; active members win over merged ones."""
    index = crypto.phone_index(crypto.normalise_phone(phone))
    candidates = list(
        Member.objects.select_related("tier")
        .filter(brand_id=brand_id, phone_index=index)
        .exclude(status=MemberStatus.ANONYMISED)[:5]
    )
    candidates.sort(key=lambda m: m.status != MemberStatus.ACTIVE)
    return _follow(candidates[0]) if candidates else None


def find_by_code(brand_ids: Iterable[int], code: str) -> Member | None:
    member = (
        Member.objects.select_related("tier")
        .filter(brand_id__in=list(brand_ids), code=code.strip().upper())
        .exclude(status=MemberStatus.ANONYMISED)
        .first()
    )
    return _follow(member)


def find_by_qr(brand_ids: Iterable[int], payload: str) -> Member | None:
    code, brand_id = crypto.read_qr(payload)
    ids = set(brand_ids)
    if brand_id not in ids:
        return None
    return find_by_code([brand_id], code)


def active_member(member_id: int, brand_ids: Iterable[int]) -> Member:
    member = (
        Member.objects.select_related("tier")
        .filter(pk=member_id, brand_id__in=list(brand_ids))
        .first()
    )
    if member is None:
        raise NotFound(_("member"), code=MemberError.MEMBER_NOT_FOUND)
    return member


def unmask(member: Member, *, reason: str = "") -> dict[str, str]:
    """The clear phone and name, each call written to the audit trail as a PII read."""
    if member.status == MemberStatus.ANONYMISED:
        raise InvalidState(MemberError.MEMBER_INACTIVE, _("This member was anonymised."))
    with transaction.atomic():
        audit.record(
            "members.unmask",
            member,
            reason=reason or "unmask",
            brand_id=member.brand_id,
            pii_read=True,
        )
    return {"phone": phone_of(member), "name": name_of(member)}


# --- Consents ---------------------------------------------------------------------------------


def current_consents(member: Member) -> dict[str, Consent | None]:
    latest: dict[str, Consent | None] = {p: None for p in ConsentPurpose.values}
    for c in member.consents.order_by("at", "pk"):
        latest[c.purpose] = c
    return latest


def set_consent(
    member: Member,
    purpose: str,
    granted: bool,
    *,
    channel: str = Channel.ONLINE,
    policy_version: str | None = None,
) -> Consent:
    """Grant or withdraw one purpose; the history stays as proof."""
    _clean_consents({purpose: granted})
    if not member.is_active:
        raise InvalidState(MemberError.MEMBER_INACTIVE, _("This member is not active."))
    with transaction.atomic():
        consent = Consent.objects.create(
            member=member,
            purpose=purpose,
            granted=granted,
            policy_version=policy_version or conf.get("POLICY_VERSION"),
            channel=channel,
            at=clock.now(),
        )
        audit.record(
            "members.consent_granted" if granted else "members.consent_withdrawn",
            member,
            changes={purpose: granted},
            brand_id=member.brand_id,
        )
        events.publish(
            "members.consent_changed",
            {"member_id": member.pk, "purpose": purpose, "granted": granted},
            aggregate_type="member",
            aggregate_id=member.pk,
        )
    return consent


# --- Duplicates and merge ---------------------------------------------------------------------


def possible_duplicates(member: Member) -> list[Member]:
    """Active members of the brand sharing the name (by ciphertext-independent mask) and birthday:
    a hint for staff, never merged automatically."""
    if not member.birthday or not member.name_cipher:
        return []
    name = name_of(member)
    out = []
    for other in Member.objects.filter(
        brand_id=member.brand_id,
        status=MemberStatus.ACTIVE,
        birthday=member.birthday,
        name_masked=member.name_masked,
    ).exclude(pk=member.pk)[:50]:
        if name_of(other) == name:
            out.append(other)
    return out


def merge_members(target: Member, source: Member, *, reason: str = "") -> Member:
    """Fold ``source`` into ``target``: points move lot by lot (each keeps its expiry date),
    stored-value accounts and the app login move, and ``source`` becomes a pointer."""
    if target.pk == source.pk or target.brand_id != source.brand_id:
        raise InvalidState(MemberError.CANNOT_MERGE, _("These members cannot be merged."))
    now = clock.now()
    with transaction.atomic():
        first, second = sorted([target.pk, source.pk])
        locked = {
            m.pk: m
            for m in Member.objects.select_for_update()
            .select_related("tier")
            .filter(pk__in=[first, second])
            .order_by("pk")
        }
        target, source = locked[target.pk], locked[source.pk]
        if not (target.is_active and source.is_active):
            raise InvalidState(MemberError.CANNOT_MERGE, _("Only active members can be merged."))
        lots = list(
            PointsEntry.objects.filter(member=source, remaining__gt=0).order_by("expires_on", "pk")
        )
        moved = sum(lot.remaining for lot in lots)
        tag = f"merge:{source.code}"
        if moved:
            PointsEntry.objects.create(
                brand_id=source.brand_id,
                member=source,
                kind=PointsKind.MERGE_OUT,
                points=-moved,
                balance_after=source.points_balance - moved,
                reference=tag,
                note=target.code,
                created_at=now,
            )
            PointsEntry.objects.filter(pk__in=[lot.pk for lot in lots]).update(remaining=0)
            balance = target.points_balance
            for lot in lots:
                balance += lot.remaining
                PointsEntry.objects.create(
                    brand_id=target.brand_id,
                    member=target,
                    kind=PointsKind.MERGE_IN,
                    points=lot.remaining,
                    remaining=lot.remaining,
                    expires_on=lot.expires_on,
                    balance_after=balance,
                    reference=tag,
                    source_entry=lot,
                    note=source.code,
                    created_at=now,
                )
        Member.objects.filter(pk=source.pk).update(
            points_balance=source.points_balance - moved,
            status=MemberStatus.MERGED,
            merged_into=target,
            user=None,
        )
        Member.objects.filter(pk=target.pk).update(
            points_balance=target.points_balance + moved,
            last_activity_at=max(target.last_activity_at, source.last_activity_at),
            user=target.user_id or source.user_id,
        )
        Member.objects.filter(merged_into=source).update(merged_into=target)
        accounts = StoredValueAccount.objects.filter(member=source)
        sv_moved = accounts.aggregate(s=Sum("balance"))["s"] or 0
        account_ids = list(accounts.values_list("pk", flat=True))
        accounts.update(member=target)
        audit.record(
            "members.merge",
            target,
            changes={
                "source": source.code,
                "points_moved": moved,
                "stored_value_accounts": account_ids,
                "stored_value_fen": int(sv_moved),
            },
            reason=reason,
            brand_id=target.brand_id,
        )
        events.publish(
            "members.merged",
            {"target_id": target.pk, "source_id": source.pk, "points_moved": moved},
            aggregate_type="member",
            aggregate_id=target.pk,
        )
        target.refresh_from_db()
        tiers.upgrade_if_due(target)
    return target
