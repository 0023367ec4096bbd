"""Members JSON API under /api/v1/members/. Thin: parse, resolve scope, call a service.

Members outside the caller's brands answer 404 exactly like unknown ones. Personal data is
masked; the clear phone and name only go to MEMBERS_PII holders, and each such read is audited.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from omniretail.accounts.access import access
from omniretail.accounts.permissions import Perm
from omniretail.core.errors import NotFound, ValidationFailed
from omniretail.core.models import Brand, Store
from omniretail.core.money import from_fen, to_fen
from omniretail.core.pagination import keyset_page
from omniretail.core.schemas import READ_ERRORS, WRITE_ERRORS

from . import conf, crypto, identity, points, privacy, selectors, stored_value
from .errors import MemberError
from .models import Member, PointsEntry, StoredValueEntry
from .schemas import (
    AdjustIn,
    ConsentIn,
    ConsentOut,
    DeleteOut,
    LookupIn,
    MemberCouponOut,
    MemberMergeIn,
    MemberOut,
    PointsEntryOut,
    PointsPage,
    QrOut,
    RegisterIn,
    StoredValueOut,
    TierProgressOut,
    TopUpIn,
    UnmaskIn,
    UnmaskOut,
)

router = Router(tags=["members"])


def _scope(request: HttpRequest) -> Any:
    return request.scope  # type: ignore[attr-defined]


def _member(request: HttpRequest, member_id: int) -> Member:
    return selectors.member_in_scope(_scope(request), member_id)


def _store(request: HttpRequest, store_id: int | None) -> Store | None:
    if store_id is None:
        return None
    store = Store.objects.filter(
        pk=store_id, brand_id__in=selectors.brand_ids(_scope(request))
    ).first()
    if store is None:
        raise NotFound(_("store"))
    return store


def _points_page(member: Member, cursor: str | None, limit: int) -> dict[str, Any]:
    qs = PointsEntry.objects.filter(member=member)
    rows, next_cursor = keyset_page(
        qs, ["-created_at", "-id"], cursor=cursor, limit=limit, tag="members.points"
    )
    return {
        "items": rows,
        "next_cursor": next_cursor,
        "balance": member.points_balance,
        "available": points.available(member),
    }


# --- Self-service (customers linked to a member) -------------------------------------------


@router.get("/me", auth=access(Perm.MEMBERS_SELF), response={200: MemberOut, **READ_ERRORS})
def my_profile(request: HttpRequest) -> dict[str, Any]:
    return selectors.member_dict(selectors.linked_member(request.user, _scope(request)))


@router.get("/me/points", auth=access(Perm.MEMBERS_SELF), response={200: PointsPage, **READ_ERRORS})
def my_points(request: HttpRequest, cursor: str | None = None, limit: int = 50) -> dict[str, Any]:
    member = selectors.linked_member(request.user, _scope(request))
    return _points_page(member, cursor, limit)


@router.get(
    "/me/tier", auth=access(Perm.MEMBERS_SELF), response={200: TierProgressOut, **READ_ERRORS}
)
def my_tier(request: HttpRequest) -> dict[str, Any]:
    return selectors.tier_progress(selectors.linked_member(request.user, _scope(request)))


@router.get(
    "/me/coupons",
    auth=access(Perm.MEMBERS_SELF),
    response={200: list[MemberCouponOut], **READ_ERRORS},
)
def my_coupons(request: HttpRequest) -> list[dict[str, Any]]:
    """The coupon wallet: coupons issued to me, usable in store and online alike unless the
    coupon itself names its channels."""
    return selectors.coupon_wallet(selectors.linked_member(request.user, _scope(request)))


@router.get("/me/qr", auth=access(Perm.MEMBERS_SELF), response={200: QrOut, **READ_ERRORS})
def my_qr(request: HttpRequest) -> dict[str, Any]:
    member = selectors.linked_member(request.user, _scope(request))
    return {
        "payload": crypto.qr_payload(member.code, member.brand_id),
        "max_age_s": conf.get("QR_MAX_AGE_S"),
    }


# --- Desk: lookup and registration ----------------------------------------------------------


@router.post("/lookup", auth=access(Perm.MEMBERS_VIEW), response={200: MemberOut, **READ_ERRORS})
def lookup(request: HttpRequest, payload: LookupIn) -> dict[str, Any]:
    """Find a member by phone (blind index), member code or a scanned QR payload."""
    return _find(request, payload.phone, payload.code, payload.qr)


@router.get("/lookup", auth=access(Perm.MEMBERS_VIEW), response={200: MemberOut, **READ_ERRORS})
def lookup_by_code(
    request: HttpRequest, phone: str | None = None, code: str | None = None, qr: str | None = None
) -> dict[str, Any]:
    """Find a member by member code or QR payload; a phone number is refused here (it belongs
    in the body of ``POST /lookup``: URLs end up in access logs and proxies)."""
    if phone is not None:
        raise ValidationFailed(
            MemberError.PHONE_IN_URL,
            _("Send the phone number in the body of POST /api/v1/members/lookup, not in the URL."),
        )
    return _find(request, None, code, qr)


def _find(
    request: HttpRequest, phone: str | None, code: str | None, qr: str | None
) -> dict[str, Any]:
    brands = selectors.brand_ids(_scope(request))
    member = None
    if phone:
        normal = crypto.normalise_phone(phone[:30])
        for brand_id in sorted(brands):
            member = identity.find_by_phone(brand_id, normal)
            if member is not None:
                break
    elif code:
        member = identity.find_by_code(brands, code[:20])
    elif qr:
        member = identity.find_by_qr(brands, qr[:2000])
    else:
        raise ValidationFailed(
            MemberError.MEMBER_NOT_FOUND, _("Give a phone number, member code or QR payload.")
        )
    if member is None:
        raise NotFound(_("member"), code=MemberError.MEMBER_NOT_FOUND)
    return selectors.member_dict(member)


@router.post(
    "/register", auth=access(Perm.MEMBERS_REGISTER), response={201: MemberOut, **WRITE_ERRORS}
)
def register(request: HttpRequest, payload: RegisterIn) -> tuple[int, dict[str, Any]]:
    scope = _scope(request)
    brands = selectors.brand_ids(scope)
    store = _store(request, payload.store_id)
    if store is None and len(scope.store_ids) == 1 and not scope.brand_ids:
        store = Store.objects.get(pk=next(iter(scope.store_ids)))
    if store is not None:
        brand_id = store.brand_id
    elif payload.brand_id is not None:
        brand_id = payload.brand_id
    elif len(brands) == 1:
        brand_id = next(iter(brands))
    else:
        raise ValidationFailed(MemberError.UNKNOWN_BRAND, _("Say which brand to register in."))
    if brand_id not in brands:
        raise NotFound(_("brand"), code=MemberError.UNKNOWN_BRAND)
    consents = {k: v for k, v in payload.consents.dict().items() if v is not None}
    member = identity.register_member(
        Brand.objects.get(pk=brand_id),
        payload.phone,
        channel=payload.channel,
        store=store,
        name=payload.name,
        birthday=payload.birthday,
        consents=consents,
        policy_version=payload.policy_version,
    )
    return 201, selectors.member_dict(member)


# --- One member -------------------------------------------------------------------------------


@router.get(
    "/{member_id}", auth=access(Perm.MEMBERS_VIEW), response={200: MemberOut, **READ_ERRORS}
)
def get_member(request: HttpRequest, member_id: int, reveal: bool = False) -> dict[str, Any]:
    """Masked by default; ``reveal=true`` shows the phone and name to MEMBERS_PII holders
    (audited as a PII read)."""
    member = _member(request, member_id)
    clear = None
    if reveal and selectors.can_read_pii(request.user) and member.phone_cipher:
        clear = identity.unmask(member, reason="api reveal")
    return selectors.member_dict(member, clear)


@router.post(
    "/{member_id}/unmask", auth=access(Perm.MEMBERS_PII), response={200: UnmaskOut, **WRITE_ERRORS}
)
def unmask(request: HttpRequest, member_id: int, payload: UnmaskIn) -> dict[str, str]:
    return identity.unmask(_member(request, member_id), reason=payload.reason)


@router.get("/{member_id}/qr", auth=access(Perm.MEMBERS_VIEW), response={200: QrOut, **READ_ERRORS})
def member_qr(request: HttpRequest, member_id: int) -> dict[str, Any]:
    member = _member(request, member_id)
    return {
        "payload": crypto.qr_payload(member.code, member.brand_id),
        "max_age_s": conf.get("QR_MAX_AGE_S"),
    }


@router.get(
    "/{member_id}/tier",
    auth=access(Perm.MEMBERS_VIEW),
    response={200: TierProgressOut, **READ_ERRORS},
)
def member_tier(request: HttpRequest, member_id: int) -> dict[str, Any]:
    return selectors.tier_progress(_member(request, member_id))


@router.get(
    "/{member_id}/points", auth=access(Perm.MEMBERS_VIEW), response={200: PointsPage, **READ_ERRORS}
)
def points_history(
    request: HttpRequest, member_id: int, cursor: str | None = None, limit: int = 50
) -> dict[str, Any]:
    return _points_page(_member(request, member_id), cursor, limit)


@router.post(
    "/{member_id}/points/adjust",
    auth=access(Perm.MEMBERS_POINTS_ADJUST),
    response={200: PointsEntryOut, **WRITE_ERRORS},
)
def adjust(request: HttpRequest, member_id: int, payload: AdjustIn) -> PointsEntry:
    member = _member(request, member_id)
    if payload.points == 0:
        raise ValidationFailed(MemberError.INVALID_POINTS, _("Adjust by a non-zero whole number."))
    return points.adjust_points(member, payload.points, payload.reason, payload.reference)


def _stored_value(member: Member) -> dict[str, Any]:
    accounts = list(member.stored_value.order_by("pk"))
    entries = (
        StoredValueEntry.objects.filter(account__member=member)
        .select_related("account")
        .order_by("-created_at", "-pk")[:100]
    )
    return {
        "accounts": [
            {"id": a.pk, "number": a.number, "kind": a.kind, "balance_fen": to_fen(a.balance)}
            for a in accounts
        ],
        "balance_fen": sum(to_fen(a.balance) for a in accounts),
        "entries": [
            {
                "id": e.pk,
                "account_number": e.account.number,
                "kind": e.kind,
                "amount_fen": to_fen(e.amount),
                "balance_after_fen": to_fen(e.balance_after),
                "reference": e.reference,
                "created_at": e.created_at,
            }
            for e in entries
        ],
    }


@router.get(
    "/{member_id}/stored-value",
    auth=access(Perm.MEMBERS_VIEW),
    response={200: StoredValueOut, **READ_ERRORS},
)
def stored_value_view(request: HttpRequest, member_id: int) -> dict[str, Any]:
    return _stored_value(_member(request, member_id))


@router.post(
    "/{member_id}/stored-value/top-up",
    auth=access(Perm.MEMBERS_MANAGE),
    response={200: StoredValueOut, **WRITE_ERRORS},
)
def top_up(request: HttpRequest, member_id: int, payload: TopUpIn) -> dict[str, Any]:
    member = _member(request, member_id)
    store = _store(request, payload.store_id)
    stored_value.top_up(
        stored_value.wallet_for(member), from_fen(payload.amount_fen), payload.reference, store
    )
    return _stored_value(member)


@router.get(
    "/{member_id}/consents",
    auth=access(Perm.MEMBERS_VIEW),
    response={200: list[ConsentOut], **READ_ERRORS},
)
def consents(request: HttpRequest, member_id: int) -> list[Any]:
    return list(_member(request, member_id).consents.order_by("at", "pk"))


@router.post(
    "/{member_id}/consents",
    auth=access(Perm.MEMBERS_MANAGE),
    response={200: ConsentOut, **WRITE_ERRORS},
)
def set_consent(request: HttpRequest, member_id: int, payload: ConsentIn) -> Any:
    return identity.set_consent(
        _member(request, member_id),
        payload.purpose,
        payload.granted,
        policy_version=payload.policy_version,
    )


@router.post(
    "/{member_id}/merge",
    auth=access(Perm.MEMBERS_MANAGE),
    response={200: MemberOut, **WRITE_ERRORS},
)
def merge(request: HttpRequest, member_id: int, payload: MemberMergeIn) -> dict[str, Any]:
    """Fold the duplicate ``source_id`` into this member (points, stored value, login)."""
    target = _member(request, member_id)
    source = selectors.member_in_scope(_scope(request), payload.source_id)
    return selectors.member_dict(identity.merge_members(target, source, reason=payload.reason))


@router.get(
    "/{member_id}/export",
    auth=access(Perm.MEMBERS_PRIVACY),
    response={200: dict[str, Any], **READ_ERRORS},
)
def export(request: HttpRequest, member_id: int) -> dict[str, Any]:
    """Everything held about the member (PIPL access/portability), audited as a PII read."""
    return privacy.export_member(_member(request, member_id))


@router.delete(
    "/{member_id}", auth=access(Perm.MEMBERS_PRIVACY), response={200: DeleteOut, **WRITE_ERRORS}
)
def delete(request: HttpRequest, member_id: int) -> Member:
    """Erase the member's personal data; points and stored-value ledgers stay."""
    return privacy.anonymise_member(_member(request, member_id), reason="request")
