"""Shopper accounts: an online login (a ``customer`` user of the brand) linked to one member.

A new phone number registers a member through the online channel. A phone already
registered elsewhere (at the till, on a marketplace) is *claimed*: the shopper must also give
the member code printed on the receipt or card, so knowing someone's phone number never opens
their points. Consents are recorded for every purpose (granted or refused) with the policy
version the shopper saw. Deleting one's data anonymises the member and closes the login.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.core import audit, clock
from omniretail.core.errors import Conflict, InvalidState, ValidationFailed
from omniretail.core.models import Brand

from . import conf, crypto
from .errors import MemberError
from .identity import current_consents, find_by_phone, register_member
from .models import Channel, Consent, ConsentPurpose, Member, MemberStatus
from .privacy import anonymise_member


def _consent_map(consents: Mapping[str, bool] | None) -> dict[str, bool]:
    given = dict(consents or {})
    unknown = set(given) - set(ConsentPurpose.values)
    if unknown:
        raise ValidationFailed(
            MemberError.CONSENT_REQUIRED,
            _("Unknown consent purpose: %(p)s") % {"p": ", ".join(sorted(unknown))},
        )
    return {purpose: bool(given.get(purpose, False)) for purpose in ConsentPurpose.values}


def register_online(
    brand: Brand,
    *,
    phone: str,
    username: str,
    password: str,
    accepted_policy: bool,
    consents: Mapping[str, bool] | None = None,
    policy_version: str | None = None,
    member_code: str = "",
    language: str = "zh-hans",
) -> tuple[Any, Member]:
    """Create the shopper's login and link it to their member, in one transaction.

    Raises 422 when the policy is not accepted or the phone is invalid, 409 when the phone's
    member already has a login or the username is taken, and 422 ``members.claim_failed`` when
    a registered phone comes without its member code (or a wrong one)."""
    from omniretail.accounts.permissions import Role
    from omniretail.accounts.services import ScopeTarget, create_user

    if not accepted_policy:
        raise ValidationFailed(
            MemberError.CONSENT_REQUIRED,
            _("Please accept the privacy policy to open an account."),
            {"field": "accepted_policy"},
        )
    normal = crypto.normalise_phone(phone)
    consent_map = _consent_map(consents)
    version = policy_version or conf.get("POLICY_VERSION")
    existing = find_by_phone(brand.pk, normal)
    if existing is not None:
        if existing.user_id is not None:
            raise Conflict(
                MemberError.ALREADY_LINKED,
                _("This member already has an online account; please log in."),
            )
        if existing.code != (member_code or "").strip().upper():
            raise ValidationFailed(
                MemberError.CLAIM_FAILED,
                _(
                    "This phone number is already a member. Enter the member code from your "
                    "receipt or card to link it."
                ),
                {"field": "member_code"},
            )
    with transaction.atomic():
        user = create_user(
            username=username.strip(),
            password=password,
            language=language if language in ("zh-hans", "en") else "zh-hans",
            role=Role.CUSTOMER,
            target=ScopeTarget(brand=brand),
        )
        if existing is None:
            member = register_member(
                brand,
                normal,
                channel=Channel.ONLINE,
                consents=consent_map,
                policy_version=version,
                user=user,
            )
        else:
            member = _claim(existing, user, consent_map, version)
    return user, member


def _claim(member: Member, user: Any, consents: dict[str, bool], version: str) -> Member:
    """Link ``user`` to an existing member (inside the caller's transaction)."""
    locked = Member.objects.select_for_update().select_related("tier").get(pk=member.pk)
    if locked.user_id is not None or locked.status != MemberStatus.ACTIVE:
        raise Conflict(
            MemberError.ALREADY_LINKED,
            _("This member already has an online account; please log in."),
        )
    now = clock.now()
    Member.objects.filter(pk=locked.pk).update(user=user, last_activity_at=now)
    Consent.objects.bulk_create(
        [
            Consent(
                member=locked,
                purpose=purpose,
                granted=granted,
                policy_version=version,
                channel=Channel.ONLINE,
                at=now,
            )
            for purpose, granted in consents.items()
        ]
    )
    audit.record(
        "members.online_linked",
        locked,
        changes={"user_id": user.pk, "consents": consents, "policy_version": version},
        brand_id=locked.brand_id,
    )
    locked.refresh_from_db()
    return locked


def consent_state(member: Member) -> list[dict[str, Any]]:
    """The current choice per purpose, for the account page."""
    rows = []
    for purpose, consent in current_consents(member).items():
        rows.append(
            {
                "purpose": purpose,
                "label": ConsentPurpose(purpose).label,
                "granted": bool(consent and consent.granted),
                "policy_version": consent.policy_version if consent else "",
                "at": consent.at if consent else None,
            }
        )
    return rows


def delete_my_data(member: Member, user: Any) -> Member:
    """The shopper erases their personal data: the member is anonymised (ledgers stay) and
    the login that identified them is closed and stripped of its name and e-mail."""
    from omniretail.accounts.services import close_user

    if member.user_id != getattr(user, "pk", None):
        raise InvalidState(MemberError.NO_LINKED_MEMBER, _("This is not your membership."))
    with transaction.atomic():
        done = anonymise_member(member, reason="self-service")
        # The login is personal data of the same person: closed, never reusable.
        close_user(user, reason="members: self-service erasure")
        audit.record(
            "members.login_closed",
            done,
            changes={"user_id": user.pk},
            reason="self-service",
            brand_id=done.brand_id,
        )
    return done
