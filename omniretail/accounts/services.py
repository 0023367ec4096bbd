"""Every change to users, role assignments and tokens."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from omniretail.core import audit, clock
from omniretail.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unauthenticated,
    ValidationFailed,
)
from omniretail.core.models import Brand, Location, Region, Store

from .errors import AccountsError
from .models import ApiToken, RoleAssignment, TokenKind, User
from .permissions import BRAND_ROLES, REGION_ROLES, STORE_ROLES, Role
from .scope import Scope
from .tokens import new_token


@dataclass(frozen=True)
class ScopeTarget:
    brand: Brand
    region: Region | None = None
    store: Store | None = None
    location: Location | None = None


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(
            AccountsError.WEAK_PASSWORD,
            _("The password does not meet the policy."),
            {"reasons": list(exc.messages)},
        ) from exc


def _check_target(role: Role, target: ScopeTarget) -> None:
    if role in BRAND_ROLES and (target.region or target.store or target.location):
        raise ValidationFailed(
            AccountsError.ROLE_SCOPE_INVALID,
            _("This role is held for the whole brand."),
            {"role": role},
        )
    if role in REGION_ROLES and (target.region is None or target.store or target.location):
        raise ValidationFailed(
            AccountsError.ROLE_SCOPE_INVALID,
            _("A regional manager needs a region."),
            {"role": role},
        )
    if role in STORE_ROLES and not (target.store or target.location):
        raise ValidationFailed(
            AccountsError.ROLE_SCOPE_INVALID,
            _("This role needs a store or location."),
            {"role": role},
        )
    for part in (target.region, target.store, target.location):
        if part is not None and part.brand_id != target.brand.pk:
            raise ValidationFailed(
                AccountsError.ROLE_SCOPE_INVALID, _("The scope belongs to another brand.")
            )


def _within(granter: Scope, target: ScopeTarget) -> bool:
    """A granter may only hand out roles inside their own scope."""
    if target.store is not None:
        return target.store.pk in granter.store_ids
    if target.location is not None:
        return target.location.pk in granter.location_ids
    if target.region is not None:
        if target.region.brand_id in granter.brand_ids:
            return True
        return target.region.pk in granter.region_ids and not _region_partial(
            granter, target.region
        )
    return target.brand.pk in granter.brand_ids


def _region_partial(granter: Scope, region: Region) -> bool:
    return not set(Store.objects.filter(region=region).values_list("pk", flat=True)) <= set(
        granter.store_ids
    )


@transaction.atomic
def create_user(
    *,
    username: str,
    password: str,
    display_name: str = "",
    email: str = "",
    language: str = "zh-hans",
    role: Role,
    target: ScopeTarget,
    granter_scope: Scope | None = None,
    is_staff: bool = False,
) -> User:
    """Create a user with one role assignment. ``granter_scope`` None means the system
    (seeder, createuser command); otherwise the target must lie inside it."""
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(
            AccountsError.USERNAME_TAKEN, _("This username is taken."), {"username": username}
        )
    _check_target(role, target)
    if granter_scope is not None and not _within(granter_scope, target):
        raise NotFound(_("scope"), code=AccountsError.OUTSIDE_SCOPE)
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        language=language,
        is_staff=is_staff or role == Role.HQ_ADMIN,
        is_superuser=role == Role.HQ_ADMIN,
    )
    _check_password(password, user)
    user.set_password(password)
    user.save()
    assign_role(user, role, target, granter_scope=granter_scope)
    audit.record(
        "accounts.user_created",
        user,
        changes={"username": username, "role": str(role)},
        brand_id=target.brand.pk,
        store_id=target.store.pk if target.store else None,
    )
    return user


@transaction.atomic
def assign_role(
    user: User, role: Role, target: ScopeTarget, *, granter_scope: Scope | None = None
) -> RoleAssignment:
    _check_target(role, target)
    if granter_scope is not None and not _within(granter_scope, target):
        raise NotFound(_("scope"), code=AccountsError.OUTSIDE_SCOPE)
    assignment, _created = RoleAssignment.objects.get_or_create(
        user=user,
        role=role,
        brand=target.brand,
        region=target.region,
        store=target.store,
        location=target.location,
    )
    audit.record(
        "accounts.role_assigned",
        user,
        changes={"role": str(role), "scope": str(assignment)},
        brand_id=target.brand.pk,
        store_id=target.store.pk if target.store else None,
    )
    user.__dict__.pop("_scope_cache", None)
    return assignment


@transaction.atomic
def set_password(user: User, password: str) -> None:
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    # A new password revokes every token issued before it.
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now())
    audit.record("accounts.password_changed", user)


def login_for_token(
    request: HttpRequest, username: str, password: str, name: str, expires_in_days: int | None = 30
) -> tuple[ApiToken, str]:
    """Password → bearer token. Failed attempts count toward the login throttle."""
    from axes.exceptions import AxesBackendPermissionDenied
    from axes.handlers.proxy import AxesProxyHandler

    credentials = {"username": username}
    if AxesProxyHandler.is_locked(request, credentials):
        raise RateLimited(AccountsError.LOCKED_OUT, _("Too many failed logins; try again later."))
    try:
        user = authenticate(request, username=username, password=password)
    except AxesBackendPermissionDenied as exc:
        raise RateLimited(
            AccountsError.LOCKED_OUT, _("Too many failed logins; try again later.")
        ) from exc
    if user is None:
        if getattr(request, "axes_locked_out", False):
            raise RateLimited(
                AccountsError.LOCKED_OUT, _("Too many failed logins; try again later.")
            )
        raise Unauthenticated(AccountsError.INVALID_CREDENTIALS, _("Wrong username or password."))
    expires = clock.now() + dt.timedelta(days=expires_in_days) if expires_in_days else None
    return issue_token(user, name=name, expires_at=expires)


@transaction.atomic
def issue_token(
    user: User,
    *,
    name: str,
    kind: TokenKind = TokenKind.USER,
    store: Store | None = None,
    device_type: str = "",
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    raw, prefix, digest = new_token()
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        kind=kind,
        store=store,
        device_type=device_type,
        key_prefix=prefix,
        key_hash=digest,
        created_at=clock.now(),
        expires_at=expires_at,
    )
    audit.record(
        "accounts.token_issued",
        token,
        changes={"kind": str(kind), "name": name},
        store_id=store.pk if store else None,
    )
    return token, raw


@transaction.atomic
def register_device(
    *,
    operator: User,
    operator_scope: Scope,
    store: Store,
    name: str,
    device_type: str,
    acting_user: User,
) -> tuple[ApiToken, str]:
    """Register a POS terminal, scanner or sensor for one store; its token acts only there."""
    if store.pk not in operator_scope.store_ids:
        raise NotFound(_("store"))
    return issue_token(
        acting_user, name=name, kind=TokenKind.DEVICE, store=store, device_type=device_type
    )


@transaction.atomic
def revoke_token(token_id: int, *, by: User, manage_scope: Scope | None) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    visible = token is not None and (
        token.user_id == by.pk
        or (manage_scope is not None and token.store_id in manage_scope.store_ids)
    )
    if token is None or not visible:
        raise NotFound(_("token"), code=AccountsError.TOKEN_NOT_FOUND)
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit.record("accounts.token_revoked", token, store_id=token.store_id)
    return token


@transaction.atomic
def close_user(user: User, *, reason: str) -> User:
    """Close a login for good (a shopper erasing their data, a leaver): it can no longer log
    in, every token it holds is revoked at once, and its name and e-mail are removed. The row
    stays so ledgers and the audit trail that point to it keep their meaning."""
    now = clock.now()
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    User.objects.filter(pk=user.pk).update(
        is_active=False,
        username=f"deleted-{user.pk}",
        display_name="",
        email="",
        first_name="",
        last_name="",
    )
    user.refresh_from_db()
    audit.record("accounts.user_closed", user, changes={"tokens_revoked": revoked}, reason=reason)
    return user


def ensure_can_see_user(scope: Scope, user: User) -> None:
    from .selectors import users_in_scope

    if not users_in_scope(scope).filter(pk=user.pk).exists():
        raise NotFound(_("user"))


def deny(message: str, **details: Any) -> None:
    raise PermissionDenied(AccountsError.OUTSIDE_SCOPE, message, details)
