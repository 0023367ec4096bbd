"""Coupons (优惠券): templates, issued codes, resolution for pricing, redemption (核销) and its
reversal on return.

Codes come from ``secrets`` (12 characters of a 31-letter alphabet without look-alikes ≈ 59
bits), so they cannot be guessed or enumerated. ``uses`` only moves through one conditional
UPDATE (``uses < max_uses``), so two tills redeeming the last use at once cannot both win;
redemption and reversal are idempotent on their reference.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from omniretail.core import audit, clock
from omniretail.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from omniretail.core.models import Brand, Store
from omniretail.core.money import ZERO, quantize

from .cart import CouponDef
from .engine import MAX_COUPONS
from .errors import PromotionError
from .models import Coupon, CouponRedemption, CouponTemplate, Status
from .params import COUPON_KINDS, parse_params
from .selectors import scope_def
from .services import validate_params, validate_scope

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 12
MAX_ISSUE = 10_000


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")[:24]


def create_template(
    brand: Brand, *, code: str, kind: str, params: dict[str, Any], **fields: Any
) -> CouponTemplate:
    if kind not in COUPON_KINDS:
        raise ValidationFailed(
            PromotionError.INVALID_PARAMS,
            _("A coupon is a percentage off, an amount off or a spend threshold."),
            {"field": "kind"},
        )
    params = validate_params(kind, params)
    scope = validate_scope(brand, fields.pop("scope", None) or {})
    if fields["valid_until"] <= fields["valid_from"]:
        raise ValidationFailed(
            PromotionError.INVALID_WINDOW,
            _("The coupon window ends before it starts."),
            {"field": "valid_until"},
        )
    try:
        with transaction.atomic():
            tpl = CouponTemplate.objects.create(
                brand=brand,
                code=code,
                kind=kind,
                params=params,
                scope=scope,
                created_at=clock.now(),
                **fields,
            )
            audit.record("promotions.coupon_template.created", tpl, changes={"code": code})
    except IntegrityError as exc:
        raise Conflict(
            PromotionError.DUPLICATE_CODE,
            _("A coupon template with this code exists."),
            {"field": "code"},
        ) from exc
    return tpl


@transaction.atomic
def issue(template: CouponTemplate, count: int = 1, *, member: Any = None) -> list[Coupon]:
    """Issue ``count`` codes (to a member, or bearer codes). The per-member limit counts the
    member's coupons of this template, revoked ones included (no re-issue loophole)."""
    if not 1 <= count <= MAX_ISSUE:
        raise ValidationFailed(
            PromotionError.INVALID_PARAMS,
            _("Issue 1 to 10,000 coupons at a time."),
            {"field": "count"},
        )
    if template.status != Status.ACTIVE:
        raise InvalidState(PromotionError.COUPON_REVOKED, _("The coupon template is not active."))
    now = clock.now()
    if now >= template.valid_until:
        raise InvalidState(PromotionError.COUPON_EXPIRED, _("The coupon template has expired."))
    if member is not None:
        if member.brand_id != template.brand_id:
            raise NotFound(_("member"), code=PromotionError.UNKNOWN_MEMBER)
        if template.per_member_limit is not None:
            CouponTemplate.objects.select_for_update().filter(pk=template.pk).first()
            held = Coupon.objects.filter(template=template, member=member).count()
            if held + count > template.per_member_limit:
                raise Conflict(
                    PromotionError.COUPON_MEMBER_LIMIT,
                    _("This member already holds the maximum number of these coupons."),
                    {"limit": template.per_member_limit, "held": held},
                )
    valid_from = max(now, template.valid_from)
    valid_until = template.valid_until
    if template.valid_days:
        valid_until = min(valid_until, valid_from + dt.timedelta(days=template.valid_days))
    coupons = [
        Coupon(
            template=template,
            code=new_code(),
            member=member,
            valid_from=valid_from,
            valid_until=valid_until,
            max_uses=template.uses_per_coupon,
            issued_at=now,
        )
        for _i in range(count)
    ]
    Coupon.objects.bulk_create(coupons, batch_size=1000)
    audit.record(
        "promotions.coupon.issued",
        template,
        changes={"count": count, "member_id": getattr(member, "pk", None)},
    )
    return coupons


def _check(
    coupon: Coupon | None, brand_id: int, *, channel: str, member_id: int | None, at: dt.datetime
) -> Coupon:
    """The typed reason a coupon cannot be used now, raised; the coupon when it can."""
    if coupon is None or coupon.template.brand_id != brand_id:
        raise NotFound(_("coupon"), code=PromotionError.COUPON_NOT_FOUND)
    if coupon.member_id is not None and coupon.member_id != member_id:
        raise ValidationFailed(
            PromotionError.COUPON_FOREIGN,
            _("This coupon belongs to another member."),
            {"code": coupon.code},
        )
    if coupon.revoked_at is not None or coupon.template.status != Status.ACTIVE:
        raise ValidationFailed(
            PromotionError.COUPON_REVOKED,
            _("This coupon has been withdrawn."),
            {"code": coupon.code},
        )
    if at < coupon.valid_from:
        raise ValidationFailed(
            PromotionError.COUPON_NOT_STARTED,
            _("This coupon is not valid yet."),
            {"code": coupon.code},
        )
    if at >= coupon.valid_until:
        raise ValidationFailed(
            PromotionError.COUPON_EXPIRED, _("This coupon has expired."), {"code": coupon.code}
        )
    if coupon.uses >= coupon.max_uses:
        raise ValidationFailed(
            PromotionError.COUPON_USED_UP, _("This coupon has been used up."), {"code": coupon.code}
        )
    channels = (coupon.template.scope or {}).get("channels") or []
    if channels and channel not in channels:
        raise ValidationFailed(
            PromotionError.COUPON_WRONG_CHANNEL,
            _("This coupon is not valid on this channel."),
            {"code": coupon.code},
        )
    return coupon


def coupon_def(coupon: Coupon) -> CouponDef:
    t = coupon.template
    return CouponDef(
        code=coupon.code,
        template_id=t.pk,
        name=t.name,
        kind=t.kind,
        params=parse_params(t.kind, t.params),
        scope=scope_def(t.scope),
        combinable=t.combinable,
        stacks_with_promotions=t.stacks_with_promotions,
    )


def resolve_coupons(
    brand_id: int, codes: Sequence[str], *, channel: str, member_id: int | None, at: dt.datetime
) -> list[CouponDef]:
    """Coupon codes of a cart as engine definitions; the first unusable one raises."""
    wanted = list(dict.fromkeys(normalise(c) for c in codes if c.strip()))
    if len(wanted) > MAX_COUPONS:
        raise ValidationFailed(
            PromotionError.TOO_MANY_COUPONS,
            _("At most %(n)d coupons per cart.") % {"n": MAX_COUPONS},
            {"field": "coupon_codes"},
        )
    found = {c.code: c for c in Coupon.objects.select_related("template").filter(code__in=wanted)}
    return [
        coupon_def(_check(found.get(code), brand_id, channel=channel, member_id=member_id, at=at))
        for code in wanted
    ]


def validate(brand_id: int, code: str, *, channel: str, member_id: int | None) -> Coupon:
    coupon = Coupon.objects.select_related("template").filter(code=normalise(code)).first()
    return _check(coupon, brand_id, channel=channel, member_id=member_id, at=clock.now())


def _phone_index(brand_id: int, phone: str, member_id: int | None) -> str:
    """The keyed blind index of the redeeming phone (given, or the member's), never the phone."""
    from omniretail.members import crypto
    from omniretail.members.models import Member

    if phone.strip():
        return crypto.phone_index(crypto.normalise_phone(phone))
    if member_id is not None:
        found = (
            Member.objects.filter(pk=member_id, brand_id=brand_id)
            .values_list("phone_index", flat=True)
            .first()
        )
        return found or ""
    return ""


def _check_abuse(template: CouponTemplate, member_id: int | None, phone_index: str) -> None:
    """Per-member and per-phone redemption limits of the template (reversed uses excluded).
    Called with the template row locked, so two tills cannot both pass the last allowance."""
    live = CouponRedemption.objects.filter(coupon__template=template, reversed_at__isnull=True)
    limit = template.redemptions_per_member
    if (
        limit is not None
        and member_id is not None
        and live.filter(member_id=member_id).count() >= limit
    ):
        raise Conflict(
            PromotionError.COUPON_MEMBER_LIMIT,
            _("This member has already used the maximum number of these coupons."),
            {"limit": limit},
        )
    limit = template.redemptions_per_phone
    if limit is not None and phone_index and live.filter(phone_index=phone_index).count() >= limit:
        raise Conflict(
            PromotionError.COUPON_PHONE_LIMIT,
            _("This phone number has already used the maximum number of these coupons."),
            {"limit": limit},
        )


def redeem(
    brand_id: int,
    code: str,
    reference: str,
    *,
    amount: Any = ZERO,
    channel: str = "",
    member_id: int | None = None,
    store: Store | None = None,
    phone: str = "",
) -> CouponRedemption:
    """核销 one use against ``reference``. Idempotent: the same (coupon, reference) returns the
    existing redemption. The use is taken by a conditional UPDATE, never read-modify-write;
    per-member and per-phone limits are checked with the template row locked."""
    coupon = Coupon.objects.select_related("template").filter(code=normalise(code)).first()
    if coupon is None or coupon.template.brand_id != brand_id:
        raise NotFound(_("coupon"), code=PromotionError.COUPON_NOT_FOUND)
    existing = CouponRedemption.objects.filter(coupon=coupon, reference=reference).first()
    if existing is not None:
        if existing.reversed_at is not None:
            raise InvalidState(
                PromotionError.ALREADY_RECORDED,
                _("This redemption was reversed; use a new reference."),
            )
        return existing
    if coupon.uses < coupon.max_uses:  # used up: the conditional UPDATE answers (409)
        _check(coupon, brand_id, channel=channel, member_id=member_id, at=clock.now())
    phone_index = _phone_index(brand_id, phone, member_id)
    try:
        with transaction.atomic():
            template = CouponTemplate.objects.select_for_update().get(pk=coupon.template_id)
            _check_abuse(template, member_id, phone_index)
            taken = Coupon.objects.filter(
                pk=coupon.pk, uses__lt=F("max_uses"), revoked_at__isnull=True
            ).update(uses=F("uses") + 1)
            if not taken:
                raise Conflict(
                    PromotionError.COUPON_USED_UP,
                    _("This coupon has been used up."),
                    {"code": coupon.code},
                )
            redemption = CouponRedemption.objects.create(
                coupon=coupon,
                reference=reference[:64],
                amount=quantize(amount),
                channel=channel,
                store=store,
                member_id=member_id,
                phone_index=phone_index,
                redeemed_at=clock.now(),
            )
    except IntegrityError:
        # A concurrent call with the same reference won; ours rolled back (use included).
        return CouponRedemption.objects.get(coupon=coupon, reference=reference[:64])
    audit.record("promotions.coupon.redeemed", coupon, changes={"reference": reference})
    return redemption


def reverse(
    brand_id: int, code: str, reference: str, *, reversal_reference: str = ""
) -> CouponRedemption:
    """Give the use back (goods returned). Idempotent: reversing twice changes nothing."""
    redemption = (
        CouponRedemption.objects.select_related("coupon__template")
        .filter(
            coupon__code=normalise(code), reference=reference, coupon__template__brand_id=brand_id
        )
        .first()
    )
    if redemption is None:
        raise NotFound(_("redemption"), code=PromotionError.REDEMPTION_NOT_FOUND)
    with transaction.atomic():
        done = CouponRedemption.objects.filter(pk=redemption.pk, reversed_at__isnull=True).update(
            reversed_at=clock.now(), reversal_reference=reversal_reference[:64]
        )
        if done:
            Coupon.objects.filter(pk=redemption.coupon_id, uses__gt=0).update(uses=F("uses") - 1)
            audit.record(
                "promotions.coupon.reversed", redemption.coupon, changes={"reference": reference}
            )
    redemption.refresh_from_db()
    return redemption


def issue_to_members(
    template: CouponTemplate, member_ids: Sequence[int], *, campaign: Any = None
) -> tuple[int, int]:
    """One coupon to each member (bulk 发券), skipping members already at the template's
    per-member limit. Commits in chunks of 1,000 so a large segment never holds the write lock
    for long; returns (issued, skipped)."""
    if template.status != Status.ACTIVE:
        raise InvalidState(PromotionError.COUPON_REVOKED, _("The coupon template is not active."))
    now = clock.now()
    if now >= template.valid_until:
        raise InvalidState(PromotionError.COUPON_EXPIRED, _("The coupon template has expired."))
    valid_from = max(now, template.valid_from)
    valid_until = template.valid_until
    if template.valid_days:
        valid_until = min(valid_until, valid_from + dt.timedelta(days=template.valid_days))
    ids = sorted(set(member_ids))
    issued = skipped = 0
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        with transaction.atomic():
            CouponTemplate.objects.select_for_update().filter(pk=template.pk).first()
            held: dict[int, int] = {}
            if template.per_member_limit is not None:
                for mid in Coupon.objects.filter(
                    template=template, member_id__in=chunk
                ).values_list("member_id", flat=True):
                    held[mid] = held.get(mid, 0) + 1
            limit = template.per_member_limit
            rows = [
                Coupon(
                    template=template,
                    code=new_code(),
                    member_id=mid,
                    valid_from=valid_from,
                    valid_until=valid_until,
                    max_uses=template.uses_per_coupon,
                    issued_at=now,
                    campaign=campaign,
                )
                for mid in chunk
                if limit is None or held.get(mid, 0) < limit
            ]
            Coupon.objects.bulk_create(rows, batch_size=1000)
            issued += len(rows)
            skipped += len(chunk) - len(rows)
    audit.record(
        "promotions.coupon.issued_bulk",
        template,
        changes={
            "issued": issued,
            "skipped": skipped,
            "campaign_id": getattr(campaign, "pk", None),
        },
    )
    return issued, skipped


def issue_to_segment(template: CouponTemplate, segment: Any) -> tuple[int, int]:
    """Bulk issuance to a segment's members (the segment is refreshed first)."""
    from . import segments

    if segment.brand_id != template.brand_id:
        raise NotFound(_("segment"))
    segments.refresh(segment)
    return issue_to_members(template, segments.member_ids(segment))
