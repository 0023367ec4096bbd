"""The sandbox gateway's signed message format (requests and notifications alike).

Signature = hex HMAC-SHA256(secret, "{timestamp}\\n{nonce}\\n{canonical body}"), where the
canonical body is JSON with sorted keys and no spaces. A receiver rejects a bad signature, a
timestamp more than five minutes from its clock, and a nonce it has already accepted — so a
captured message cannot be replayed or forged. The same shape as WeChat Pay v3's
"timestamp\\nnonce\\nbody" string, with HMAC in place of its RSA certificates.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from omniretail.core import clock
from omniretail.core.errors import BadRequest, Unauthenticated

from ..errors import PaymentError

MAX_SKEW_SECONDS = 300
TS_HEADER = "X-Sandbox-Timestamp"
NONCE_HEADER = "X-Sandbox-Nonce"
SIG_HEADER = "X-Sandbox-Signature"


def secret() -> bytes:
    """The shared key; settings override the development default (never used in production)."""
    value = getattr(settings, "PAYMENTS_SANDBOX_SECRET", "") or "omniretail-sandbox-dev-key"
    return str(value).encode()


def canonical(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sign(body_text: str, timestamp: str, nonce: str, key: bytes | None = None) -> str:
    message = f"{timestamp}\n{nonce}\n{body_text}".encode()
    return hmac.new(key or secret(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SignedMessage:
    body: str
    timestamp: str
    nonce: str
    signature: str

    def headers(self) -> dict[str, str]:
        return {TS_HEADER: self.timestamp, NONCE_HEADER: self.nonce, SIG_HEADER: self.signature}

    def django_headers(self) -> dict[str, str]:
        return {"HTTP_" + k.upper().replace("-", "_"): v for k, v in self.headers().items()}


def make(
    body: dict[str, Any], *, nonce: str | None = None, timestamp: int | None = None
) -> SignedMessage:
    text = canonical(body)
    ts = str(timestamp if timestamp is not None else int(clock.now().timestamp()))
    nonce = nonce or secrets.token_hex(16)
    return SignedMessage(text, ts, nonce, sign(text, ts, nonce))


def verify(message: SignedMessage, *, channel: str) -> dict[str, Any]:
    """Return the parsed body of a genuine, fresh, first-seen message, or raise.

    Order matters: the signature is checked before the nonce is remembered, so forged messages
    cannot burn nonces of real ones."""
    if not (message.timestamp.isdigit() and len(message.timestamp) <= 12):
        raise Unauthenticated(PaymentError.STALE_REQUEST, _("Missing or invalid timestamp."))
    if not (0 < len(message.nonce) <= 64) or not message.signature:
        raise Unauthenticated(PaymentError.BAD_SIGNATURE, _("Missing nonce or signature."))
    expected = sign(message.body, message.timestamp, message.nonce)
    if not hmac.compare_digest(expected, message.signature.strip().lower()):
        raise Unauthenticated(PaymentError.BAD_SIGNATURE, _("The signature does not match."))
    if abs(int(clock.now().timestamp()) - int(message.timestamp)) > MAX_SKEW_SECONDS:
        raise Unauthenticated(PaymentError.STALE_REQUEST, _("The message is too old."))
    try:
        body = json.loads(message.body)
    except ValueError as exc:
        raise BadRequest(PaymentError.MALFORMED_NOTIFICATION, _("The body is not JSON.")) from exc
    if not isinstance(body, dict):
        raise BadRequest(PaymentError.MALFORMED_NOTIFICATION, _("The body is not an object."))
    from ..models import SeenNonce

    try:
        with transaction.atomic():
            SeenNonce.objects.create(channel=channel, nonce=message.nonce, seen_at=clock.now())
    except IntegrityError as exc:
        raise Unauthenticated(
            PaymentError.REPLAYED_NONCE, _("This message was already received.")
        ) from exc
    return body
