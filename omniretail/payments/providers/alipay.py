"""Alipay open-platform adapter (当面付 bar-code pay, query, refund, async notifications).

Follows the public specification:
- requests are form parameters (``app_id, method, format=JSON, charset=utf-8,
  sign_type=RSA2, timestamp, version=1.0, biz_content``) signed with RSA2 — RSA-SHA256,
  PKCS#1 v1.5 — over the parameters sorted by name, empty values and ``sign`` left out,
  joined as ``k=v&k=v``;
- an answer ``{"alipay_trade_pay_response": {...}, "sign": "..."}`` is verified with the
  Alipay public key over the *raw text* of the response object;
- an asynchronous notification (form-encoded) is verified over its sorted parameters without
  ``sign`` and ``sign_type``; its ``app_id`` and amount are checked by the caller's records.

The transport is injected; tests run against a constructed gateway with generated keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.core import clock
from omniretail.core.errors import BadRequest, InvalidState, Unauthenticated
from omniretail.core.money import quantize

from ..errors import PaymentError
from .base import ChargeRequest, Outcome, ProviderResult
from .wechatpay import _private, _public, rsa_sign, rsa_verify

Transport = Callable[[str, Mapping[str, str]], str]  # (url, form params) → response text
GATEWAY = "https://openapi.alipay.com/gateway.do"


def sign_content(params: Mapping[str, Any], *, exclude: tuple[str, ...] = ("sign",)) -> str:
    return "&".join(
        f"{k}={params[k]}"
        for k in sorted(params)
        if k not in exclude and params[k] not in (None, "")
    )


def response_text(raw: str, node: str) -> str:
    """The exact text of ``node``'s value in an answer — what Alipay signed."""
    key = f'"{node}"'
    start = raw.find(key)
    if start < 0:
        raise BadRequest(PaymentError.MALFORMED_NOTIFICATION, _("Unexpected answer."))
    colon = raw.index(":", start + len(key))
    begin = colon + 1
    while raw[begin] in " \t\r\n":
        begin += 1
    _value, end = json.JSONDecoder().raw_decode(raw, begin)
    return raw[begin:end]


@dataclass(frozen=True)
class AlipayConfig:
    app_id: str
    private_key_pem: str
    alipay_public_key_pem: str
    gateway: str = GATEWAY
    subject: str = "omniretail"

    @classmethod
    def from_settings(cls) -> AlipayConfig:
        conf = getattr(settings, "PAYMENTS_ALIPAY", None)
        if not conf:
            raise InvalidState(PaymentError.UNKNOWN_PROVIDER, _("Alipay is not configured."))
        return cls(**conf)


@dataclass(frozen=True)
class AlipayNotification:
    out_trade_no: str
    trade_no: str
    trade_status: str
    amount: Decimal
    raw: dict[str, str] = field(default_factory=dict)


class AlipayProvider:
    name = "alipay"

    def __init__(self, config: AlipayConfig | None = None, transport: Transport | None = None):
        self.config = config or AlipayConfig.from_settings()
        self.transport = transport or _httpx_transport
        self._key = _private(self.config.private_key_pem)
        self._alipay_key = _public(self.config.alipay_public_key_pem)

    def signed_params(self, method: str, biz: dict[str, Any]) -> dict[str, str]:
        local = timezone.localtime(clock.now(), timezone.get_fixed_timezone(8 * 60))
        params = {
            "app_id": self.config.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": local.strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
        }
        params["sign"] = rsa_sign(self._key, sign_content(params))
        return params

    def _call(self, method: str, biz: dict[str, Any]) -> dict[str, Any]:
        raw = self.transport(self.config.gateway, self.signed_params(method, biz))
        node = method.replace(".", "_") + "_response"
        try:
            signature = json.loads(raw).get("sign", "")
        except ValueError as exc:
            raise BadRequest(PaymentError.MALFORMED_NOTIFICATION, _("Unexpected answer.")) from exc
        text = response_text(raw, node)
        if not rsa_verify(self._alipay_key, text, signature):
            raise Unauthenticated(PaymentError.BAD_SIGNATURE, _("The signature does not match."))
        return json.loads(text)  # type: ignore[no-any-return]

    def charge(self, request: ChargeRequest) -> ProviderResult:
        data = self._call(
            "alipay.trade.pay",
            {
                "out_trade_no": request.reference[:64],
                "scene": "bar_code",
                "auth_code": request.auth_code,
                "subject": self.config.subject,
                "total_amount": str(quantize(request.amount)),
                "store_id": str(request.store_id or ""),
            },
        )
        code = str(data.get("code", ""))
        outcome = {"10000": Outcome.CAPTURED, "10003": Outcome.PENDING}.get(code, Outcome.DECLINED)
        return ProviderResult(
            outcome,
            str(data.get("trade_no", "")),
            str(data.get("sub_msg") or data.get("msg") or ""),
            raw=data,
        )

    def query(self, txn_id: str) -> ProviderResult:
        data = self._call("alipay.trade.query", {"trade_no": txn_id})
        status = str(data.get("trade_status", ""))
        outcome = (
            Outcome.CAPTURED
            if status in ("TRADE_SUCCESS", "TRADE_FINISHED")
            else Outcome.PENDING
            if status == "WAIT_BUYER_PAY"
            else Outcome.DECLINED
        )
        return ProviderResult(outcome, txn_id, status, raw=data)

    def refund(
        self, *, txn_id: str, amount: Decimal, reference: str, original_reference: str
    ) -> ProviderResult:
        data = self._call(
            "alipay.trade.refund",
            {
                "trade_no": txn_id,
                "refund_amount": str(quantize(amount)),
                "out_request_no": reference[:64],
            },
        )
        ok = str(data.get("code")) == "10000" and data.get("fund_change", "Y") == "Y"
        return ProviderResult(
            Outcome.CAPTURED if ok else Outcome.DECLINED,
            f"{txn_id}:{reference}"[:64],
            str(data.get("sub_msg") or data.get("msg") or ""),
            raw=data,
        )

    def parse_notification(self, params: Mapping[str, str]) -> AlipayNotification:
        """Verify an asynchronous notification's RSA2 signature and that it is ours."""
        signature = params.get("sign", "")
        if params.get("sign_type", "RSA2") != "RSA2" or not signature:
            raise Unauthenticated(PaymentError.BAD_SIGNATURE, _("Missing or unknown signature."))
        content = sign_content(params, exclude=("sign", "sign_type"))
        if not rsa_verify(self._alipay_key, content, signature):
            raise Unauthenticated(PaymentError.BAD_SIGNATURE, _("The signature does not match."))
        if params.get("app_id") != self.config.app_id:
            raise Unauthenticated(PaymentError.BAD_SIGNATURE, _("Another merchant's message."))
        try:
            amount = quantize(Decimal(params.get("total_amount", "")))
        except ArithmeticError as exc:
            raise BadRequest(PaymentError.MALFORMED_NOTIFICATION, _("Bad amount.")) from exc
        return AlipayNotification(
            out_trade_no=params.get("out_trade_no", ""),
            trade_no=params.get("trade_no", ""),
            trade_status=params.get("trade_status", ""),
            amount=amount,
            raw=dict(params),
        )


def _httpx_transport(url: str, params: Mapping[str, str]) -> str:
    import httpx

    answer = httpx.post(
        url,
        content=urlencode(params),
        headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
        timeout=10,
    )
    return answer.text
