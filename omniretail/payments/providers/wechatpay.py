"""WeChat Pay API v3 adapter (付款码 codepay, query, refund, notifications).

Follows the public v3 specification:
- every request carries ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,
  signature=…,timestamp=…,serial_no=…`` where the signature is RSA-SHA256 (PKCS#1 v1.5) with
  the merchant key over ``"METHOD\\nURL\\nTIMESTAMP\\nNONCE\\nBODY\\n"``;
- every answer and notification is signed by the platform certificate over
  ``"TIMESTAMP\\nNONCE\\nBODY\\n"`` (headers ``Wechatpay-Timestamp/-Nonce/-Signature/-Serial``);
  we verify it with the platform public key of that serial and refuse stale timestamps;
- a notification's ``resource`` is AEAD_AES_256_GCM encrypted with the APIv3 key (nonce and
  associated data given alongside the ciphertext).

The HTTP transport is injected (``transport(method, url, headers, body) -> (status, headers,
body)``), so tests run against a constructed server with keys generated in the test; nothing
here opens a connection by itself. The sandbox remains the default provider for WeChat Pay.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.translation import gettext as _

from omniretail.core import clock
from omniretail.core.errors import BadRequest, InvalidState, Unauthenticated
from omniretail.core.money import from_fen, to_fen

from ..errors import PaymentError
from .base import ChargeRequest, Outcome, ProviderResult

Transport = Callable[[str, str, Mapping[str, str], str], tuple[int, Mapping[str, str], str]]
MAX_SKEW_SECONDS = 300
SCHEMA = "WECHATPAY2-SHA256-RSA2048"
BASE_URL = "https://api.mch.weixin.qq.com"


def _private(pem: bytes | str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode() if isinstance(pem, str) else pem, None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _public(pem: bytes | str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def rsa_sign(private_key: rsa.RSAPrivateKey, message: str) -> str:
    raw = private_key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode()


def rsa_verify(public_key: rsa.RSAPublicKey, message: str, signature: str) -> bool:
    try:
        public_key.verify(
            base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class WechatPayConfig:
    mchid: str
    appid: str
    serial_no: str  # the merchant certificate's serial
    private_key_pem: str
    platform_keys: Mapping[str, str]  # platform certificate serial → public key PEM
    api_v3_key: str  # 32 bytes
    base_url: str = BASE_URL
    description: str = "omniretail"

    @classmethod
    def from_settings(cls) -> WechatPayConfig:
        conf = getattr(settings, "PAYMENTS_WECHATPAY", None)
        if not conf:
            raise InvalidState(PaymentError.UNKNOWN_PROVIDER, _("WeChat Pay is not configured."))
        return cls(**conf)


@dataclass(frozen=True)
class WechatNotification:
    event_type: str
    out_trade_no: str
    transaction_id: str
    trade_state: str
    amount: Decimal
    raw: dict[str, Any] = field(default_factory=dict)


def signing_message(method: str, url_path: str, timestamp: str, nonce: str, body: str) -> str:
    return f"{method}\n{url_path}\n{timestamp}\n{nonce}\n{body}\n"


def decrypt_resource(api_v3_key: str, resource: Mapping[str, Any]) -> dict[str, Any]:
    """Open a notification's AEAD_AES_256_GCM ``resource``; tampering is a typed 400."""
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise BadRequest(PaymentError.MALFORMED_NOTIFICATION, _("Unknown encryption."))
    try:
        plain = AESGCM(api_v3_key.encode()).decrypt(
            str(resource["nonce"]).encode(),
            base64.b64decode(str(resource["ciphertext"])),
            str(resource.get("associated_data", "")).encode() or None,
        )
        data = json.loads(plain)
    except (InvalidTag, KeyError, ValueError) as exc:
        raise BadRequest(
            PaymentError.MALFORMED_NOTIFICATION, _("The notification cannot be decrypted.")
        ) from exc
    if not isinstance(data, dict):
        raise BadRequest(PaymentError.MALFORMED_NOTIFICATION, _("The body is not an object."))
    return data


class WechatPayProvider:
    """The provider interface over WeChat Pay v3 (merchant scans the customer's 付款码)."""

    name = "wechatpay"

    def __init__(
        self, config: WechatPayConfig | None = None, transport: Transport | None = None
    ) -> None:
        self.config = config or WechatPayConfig.from_settings()
        self.transport = transport or _httpx_transport
        self._key = _private(self.config.private_key_pem)

    # --- signing -----------------------------------------------------------------------
    def authorization(self, method: str, url_path: str, body: str) -> str:
        timestamp = str(int(clock.now().timestamp()))
        nonce = secrets.token_hex(16)
        signature = rsa_sign(self._key, signing_message(method, url_path, timestamp, nonce, body))
        return (
            f'{SCHEMA} mchid="{self.config.mchid}",nonce_str="{nonce}",'
            f'signature="{signature}",timestamp="{timestamp}",'
            f'serial_no="{self.config.serial_no}"'
        )

    def verify_signed(self, headers: Mapping[str, str], body: str) -> None:
        """Check a platform-signed answer or notification; raise a typed 401 if not genuine."""
        h = {k.lower(): v for k, v in headers.items()}
        timestamp = h.get("wechatpay-timestamp", "")
        nonce = h.get("wechatpay-nonce", "")
        signature = h.get("wechatpay-signature", "")
        serial = h.get("wechatpay-serial", "")
        pem = self.config.platform_keys.get(serial)
        if not (timestamp.isdigit() and nonce and signature and pem):
            raise Unauthenticated(PaymentError.BAD_SIGNATURE, _("Missing or unknown signature."))
        if not rsa_verify(_public(pem), f"{timestamp}\n{nonce}\n{body}\n", signature):
            raise Unauthenticated(PaymentError.BAD_SIGNATURE, _("The signature does not match."))
        if abs(int(clock.now().timestamp()) - int(timestamp)) > MAX_SKEW_SECONDS:
            raise Unauthenticated(PaymentError.STALE_REQUEST, _("The message is too old."))

    def _call(self, method: str, path: str, payload: dict[str, Any] | None) -> dict[str, Any]:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")) if payload else ""
        headers = {
            "Authorization": self.authorization(method, path, body),
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        status, answer_headers, answer = self.transport(
            method, self.config.base_url + path, headers, body
        )
        self.verify_signed(answer_headers, answer)
        data = json.loads(answer) if answer else {}
        data["_status"] = status
        return data  # type: ignore[no-any-return]

    # --- provider interface --------------------------------------------------------------
    def charge(self, request: ChargeRequest) -> ProviderResult:
        data = self._call(
            "POST",
            "/v3/pay/transactions/codepay",
            {
                "appid": self.config.appid,
                "mchid": self.config.mchid,
                "description": self.config.description,
                "out_trade_no": request.reference[:32],
                "payer": {"auth_code": request.auth_code},
                "amount": {"total": to_fen(request.amount), "currency": "CNY"},
                "scene_info": {"store_info": {"out_id": str(request.store_id or "")}},
            },
        )
        return self._result(data)

    def query(self, txn_id: str) -> ProviderResult:
        data = self._call(
            "GET", f"/v3/pay/transactions/id/{txn_id}?mchid={self.config.mchid}", None
        )
        return self._result(data)

    def refund(
        self, *, txn_id: str, amount: Decimal, reference: str, original_reference: str
    ) -> ProviderResult:
        paid = self._call(
            "GET", f"/v3/pay/transactions/id/{txn_id}?mchid={self.config.mchid}", None
        )
        total = int((paid.get("amount") or {}).get("total", 0))
        data = self._call(
            "POST",
            "/v3/refund/domestic/refunds",
            {
                "transaction_id": txn_id,
                "out_refund_no": reference[:64],
                "amount": {"refund": to_fen(amount), "total": total, "currency": "CNY"},
            },
        )
        status = data.get("status", "")
        outcome = Outcome.CAPTURED if status in ("SUCCESS", "PROCESSING") else Outcome.DECLINED
        return ProviderResult(
            outcome, str(data.get("refund_id", "")), str(data.get("message", status)), raw=data
        )

    def _result(self, data: dict[str, Any]) -> ProviderResult:
        state = str(data.get("trade_state", ""))
        outcome = {
            "SUCCESS": Outcome.CAPTURED,
            "USERPAYING": Outcome.PENDING,
            "NOTPAY": Outcome.PENDING,
        }.get(state, Outcome.DECLINED)
        return ProviderResult(
            outcome,
            str(data.get("transaction_id", "")),
            str(data.get("trade_state_desc") or data.get("message") or state),
            raw=data,
        )

    # --- notifications -------------------------------------------------------------------
    def parse_notification(self, headers: Mapping[str, str], body: str) -> WechatNotification:
        """Verify the platform signature, then decrypt the resource (never the other way)."""
        self.verify_signed(headers, body)
        try:
            envelope = json.loads(body)
            resource = envelope["resource"]
        except (ValueError, KeyError, TypeError) as exc:
            raise BadRequest(
                PaymentError.MALFORMED_NOTIFICATION, _("The body is not a notification.")
            ) from exc
        data = decrypt_resource(self.config.api_v3_key, resource)
        if data.get("mchid") not in (None, self.config.mchid):
            raise Unauthenticated(PaymentError.BAD_SIGNATURE, _("Another merchant's message."))
        return WechatNotification(
            event_type=str(envelope.get("event_type", "")),
            out_trade_no=str(data.get("out_trade_no", "")),
            transaction_id=str(data.get("transaction_id", "")),
            trade_state=str(data.get("trade_state", "")),
            amount=from_fen(int((data.get("amount") or {}).get("total", 0))),
            raw=data,
        )


def _httpx_transport(
    method: str, url: str, headers: Mapping[str, str], body: str
) -> tuple[int, Mapping[str, str], str]:
    import httpx

    answer = httpx.request(method, url, headers=dict(headers), content=body or None, timeout=10)
    return answer.status_code, dict(answer.headers), answer.text
