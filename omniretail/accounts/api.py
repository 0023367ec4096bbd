from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router

from omniretail.core.errors import NotFound
from omniretail.core.models import Brand, Location, Region, Store
from omniretail.core.schemas import AUTH_ERRORS, READ_ERRORS, WRITE_ERRORS, ErrorOut

from . import selectors, services
from .access import PUBLIC, access, authenticate
from .models import ApiToken, RoleAssignment, User
from .permissions import Perm
from .schemas import DeviceIn, IssuedTokenOut, MeOut, TokenLoginIn, TokenOut, UserCreateIn, UserOut
from .scope import has_perm, resolve_scope

auth_router = Router(tags=["auth"])
router = Router(tags=["accounts"])


def _issued(token: ApiToken, raw: str) -> dict[str, object]:
    data = TokenOut.from_orm(token).dict()
    data["token"] = raw
    return data


@auth_router.post(
    "/token",
    auth=PUBLIC,
    response={201: IssuedTokenOut, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
)
def login_token(request: HttpRequest, payload: TokenLoginIn) -> tuple[int, dict[str, object]]:
    """Exchange a username and password for a bearer token (throttled after failures)."""
    token, raw = services.login_for_token(request, payload.username, payload.password, payload.name)
    return 201, _issued(token, raw)


class _Authenticated:
    """Any logged-in caller: for endpoints about the caller themself."""

    perm = "self"

    def __call__(self, request: HttpRequest) -> User:
        user: User = authenticate(request)
        request.user = user
        return user


SELF = _Authenticated()


@auth_router.get("/me", auth=SELF, response={200: MeOut, **AUTH_ERRORS})
def me(request: HttpRequest) -> dict[str, object]:
    user = request.user
    perms = sorted(str(p) for p in Perm if has_perm(user, p))
    stores = sorted(resolve_scope(user, Perm.ORG_VIEW).store_ids)
    return {**_user_dict(user), "permissions": perms, "store_ids": stores}


@auth_router.get("/tokens", auth=SELF, response={200: list[TokenOut], **AUTH_ERRORS})
def list_tokens(request: HttpRequest) -> list[ApiToken]:
    manage = resolve_scope(request.user, Perm.DEVICES_MANAGE)
    return list(selectors.tokens_visible_to(request.user, None if manage.empty else manage)[:200])


@auth_router.delete("/tokens/{token_id}", auth=SELF, response={200: TokenOut, **READ_ERRORS})
def revoke_token(request: HttpRequest, token_id: int) -> ApiToken:
    manage = resolve_scope(request.user, Perm.DEVICES_MANAGE)
    return services.revoke_token(
        token_id, by=request.user, manage_scope=None if manage.empty else manage
    )


@auth_router.post(
    "/devices", auth=access(Perm.DEVICES_MANAGE), response={201: IssuedTokenOut, **WRITE_ERRORS}
)
def register_device(request: HttpRequest, payload: DeviceIn) -> tuple[int, dict[str, object]]:
    """Register a store device; its token is bound to that store."""
    store = Store.objects.filter(pk=payload.store_id, pk__in=request.scope.store_ids).first()
    if store is None:
        raise NotFound(_("store"))
    token, raw = services.register_device(
        operator=request.user,
        operator_scope=request.scope,
        store=store,
        name=payload.name,
        device_type=payload.device_type,
        acting_user=request.user,
    )
    return 201, _issued(token, raw)


def _user_dict(user: User) -> dict[str, object]:
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "language": user.language,
        "is_active": user.is_active,
        "assignments": [
            {
                "role": a.role,
                "brand_id": a.brand_id,
                "region_id": a.region_id,
                "store_id": a.store_id,
                "location_id": a.location_id,
            }
            for a in user.assignments.all()
        ],
    }


@router.get("/users", auth=access(Perm.ACCOUNTS_VIEW), response={200: list[UserOut], **READ_ERRORS})
def list_users(request: HttpRequest, limit: int = 100, offset: int = 0) -> list[dict[str, object]]:
    limit = max(1, min(limit, 200))
    offset = max(0, min(offset, 1_000_000))
    users = (
        selectors.users_in_scope(request.scope)
        .order_by("username")
        .prefetch_related(Prefetch("assignments", queryset=RoleAssignment.objects.order_by("pk")))[
            offset : offset + limit
        ]
    )
    return [_user_dict(u) for u in users]


@router.get(
    "/users/{user_id}", auth=access(Perm.ACCOUNTS_VIEW), response={200: UserOut, **READ_ERRORS}
)
def get_user(request: HttpRequest, user_id: int) -> dict[str, object]:
    user = get_object_or_404(selectors.users_in_scope(request.scope), pk=user_id)
    return _user_dict(user)


@router.post("/users", auth=access(Perm.ACCOUNTS_MANAGE), response={201: UserOut, **WRITE_ERRORS})
def create_user(request: HttpRequest, payload: UserCreateIn) -> tuple[int, dict[str, object]]:
    scope = request.scope
    store = location = region = None
    if payload.store_id is not None:
        store = Store.objects.filter(pk=payload.store_id, pk__in=scope.store_ids).first()
        if store is None:
            raise NotFound(_("store"))
    if payload.location_id is not None:
        location = Location.objects.filter(
            pk=payload.location_id, pk__in=scope.location_ids
        ).first()
        if location is None:
            raise NotFound(_("location"))
    if payload.region_id is not None:
        region = Region.objects.filter(pk=payload.region_id, pk__in=scope.region_ids).first()
        if region is None:
            raise NotFound(_("region"))
    brand_id = (
        (store or location or region).brand_id
        if (store or location or region)
        else min(scope.brand_ids, default=None)
    )
    brand = Brand.objects.filter(pk=brand_id).first()
    if brand is None:
        raise NotFound(_("brand"))
    user = services.create_user(
        username=payload.username,
        password=payload.password,
        display_name=payload.display_name,
        language=payload.language,
        role=payload.role,
        target=services.ScopeTarget(brand=brand, region=region, store=store, location=location),
        granter_scope=scope,
    )
    return 201, _user_dict(user)
