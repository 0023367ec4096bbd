"""Provider selection: tender kind → provider name (``settings.PAYMENTS_PROVIDERS``, sandbox
defaults) → provider object (``settings.PAYMENTS_PROVIDER_CLASSES`` may add real adapters as
dotted paths; see ``base`` for what an adapter implements)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from omniretail.core.errors import NotFound

from ..errors import PaymentError
from .base import Provider
from .card import CardTerminalProvider
from .cash import CashProvider
from .points import PointsProvider
from .sandbox import SandboxProvider
from .stored_value import StoredValueProvider

DEFAULT_BY_KIND: dict[str, str] = {
    "cash": "cash",
    "card": "card_terminal",
    "wechat": "sandbox",
    "alipay": "sandbox",
    "unionpay": "sandbox",
    "stored_value": "stored_value",
    "points": "points",
}
BUILTIN: dict[str, Any] = {
    "cash": CashProvider,
    "card_terminal": CardTerminalProvider,
    "sandbox": SandboxProvider,
    "stored_value": StoredValueProvider,
    "points": PointsProvider,
}


def provider_name(kind: str) -> str:
    configured = getattr(settings, "PAYMENTS_PROVIDERS", {}) or {}
    return str(configured.get(kind) or DEFAULT_BY_KIND[kind])


def get(name: str) -> Provider:
    extra = getattr(settings, "PAYMENTS_PROVIDER_CLASSES", {}) or {}
    if name in extra:
        return import_string(extra[name])()  # type: ignore[no-any-return]
    if name not in BUILTIN:
        raise NotFound(_("payment provider"), code=PaymentError.UNKNOWN_PROVIDER)
    return BUILTIN[name]()  # type: ignore[no-any-return]


def for_kind(kind: str) -> Provider:
    return get(provider_name(kind))
