from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from omniretail.core.schemas import InputSchema

from .permissions import Role


class TokenLoginIn(InputSchema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=200)
    name: str = Field(default="api client", max_length=100)


class TokenOut(Schema):
    id: int
    name: str
    kind: str
    device_type: str
    store_id: int | None
    key_prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class IssuedTokenOut(TokenOut):
    token: str


class DeviceIn(InputSchema):
    store_id: int
    name: str = Field(min_length=1, max_length=100)
    device_type: str = Field(pattern=r"^(pos|scanner|rfid|sensor|esl|kiosk)$")


class AssignmentOut(Schema):
    role: str
    brand_id: int
    region_id: int | None
    store_id: int | None
    location_id: int | None


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    language: str
    is_active: bool
    assignments: list[AssignmentOut]


class MeOut(UserOut):
    permissions: list[str]
    store_ids: list[int]


class UserCreateIn(InputSchema):
    username: str = Field(min_length=3, max_length=150, pattern=r"^[\w.@+-]+$")
    password: str = Field(min_length=1, max_length=200)
    display_name: str = Field(default="", max_length=100)
    language: str = Field(default="zh-hans", pattern=r"^(zh-hans|en)$")
    role: Role
    region_id: int | None = None
    store_id: int | None = None
    location_id: int | None = None
