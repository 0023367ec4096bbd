"""WeChat Pay v3 and Alipay adapters against constructed gateways: keys generated here,
requests and answers signed and checked as the public specifications say, no network."""

from __future__ import annotations

import base64
import json
import secrets
from decimal import Decimal as D

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from omniretail.core import clock
from omniretail.core.errors import BadRequest, Unauthenticated
from omniretail.payments.providers.alipay import (
    AlipayConfig,
    AlipayProvider,
    sign_content,
)
from omniretail.payments.providers.base import ChargeRequest, Outcome
from omniretail.payments.providers.wechatpay import (
    WechatPayConfig,
    WechatPayProvider,
    rsa_sign,
    rsa_verify,
    signing_message,
)


def _keypair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return key, private, public


@pytest.fixture(scope="module")
def keys():
    return {"merchant": _keypair(), "platform": _keypair(), "alipay": _keypair()}


# --- WeChat Pay v3 ---------------------------------------------------------------------------

API_V3_KEY = "0123456789abcdef0123456789abcdef"


class FakeWechatServer:
    """Checks our Authorization header like WeChat does and signs its answers."""

    def __init__(self, keys, trade_state="SUCCESS"):
        self.merchant_public = keys["merchant"][0].public_key()
        self.platform_key = keys["platform"][0]
        self.trade_state = trade_state
        self.requests = []

    def sign_headers(self, body, timestamp=None):
        ts = str(timestamp or int(clock.now().timestamp()))
        nonce = secrets.token_hex(8)
        return {
            "Wechatpay-Timestamp": ts,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": rsa_sign(self.platform_key, f"{ts}\n{nonce}\n{body}\n"),
            "Wechatpay-Serial": "PLATFORM1",
        }

    def __call__(self, method, url, headers, body):
        auth = headers["Authorization"]
        assert auth.startswith("WECHATPAY2-SHA256-RSA2048 ")
        fields = dict(part.split("=", 1) for part in auth.split(" ", 1)[1].split(","))
        fields = {k: v.strip('"') for k, v in fields.items()}
        path = url.removeprefix("https://api.mch.weixin.qq.com")
        message = signing_message(method, path, fields["timestamp"], fields["nonce_str"], body)
        if not rsa_verify(self.merchant_public, message, fields["signature"]):
            answer = json.dumps({"code": "SIGN_ERROR"})
            return 401, self.sign_headers(answer), answer
        self.requests.append((method, path, json.loads(body) if body else None))
        if path.startswith("/v3/refund"):
            answer = json.dumps({"refund_id": "5030001", "status": "SUCCESS"})
        else:
            answer = json.dumps(
                {
                    "transaction_id": "4200001",
                    "out_trade_no": "pos:1:0",
                    "trade_state": self.trade_state,
                    "amount": {"total": 1250, "currency": "CNY"},
                }
            )
        return 200, self.sign_headers(answer), answer


def _wechat(keys, server):
    config = WechatPayConfig(
        mchid="1900000001",
        appid="wx0000000000000001",
        serial_no="MERCHANT1",
        private_key_pem=keys["merchant"][1],
        platform_keys={"PLATFORM1": keys["platform"][2]},
        api_v3_key=API_V3_KEY,
    )
    return WechatPayProvider(config, transport=server)


def test_wechat_charge_signs_request_and_verifies_answer(keys, frozen_now):
    server = FakeWechatServer(keys)
    result = _wechat(keys, server).charge(
        ChargeRequest("pos:1:0", "wechat", D("12.50"), auth_code="134567890123456789", store_id=1)
    )

    assert (result.outcome, result.txn_id) == (Outcome.CAPTURED, "4200001")
    method, path, body = server.requests[0]
    assert (method, path) == ("POST", "/v3/pay/transactions/codepay")
    assert body["amount"] == {"total": 1250, "currency": "CNY"}
    assert body["payer"] == {"auth_code": "134567890123456789"}


def test_wechat_user_paying_is_pending(keys, frozen_now):
    result = _wechat(keys, FakeWechatServer(keys, "USERPAYING")).charge(
        ChargeRequest("pos:1:0", "wechat", D("12.50"), auth_code="1345")
    )
    assert result.outcome == Outcome.PENDING


def test_wechat_refund_sends_refund_and_total(keys, frozen_now):
    server = FakeWechatServer(keys)
    result = _wechat(keys, server).refund(
        txn_id="4200001", amount=D("2.50"), reference="rf1", original_reference="pos:1:0"
    )
    assert result.outcome == Outcome.CAPTURED
    assert server.requests[-1][2]["amount"] == {"refund": 250, "total": 1250, "currency": "CNY"}


def test_wechat_answer_with_forged_signature_is_refused(keys, frozen_now):
    server = FakeWechatServer(keys)

    def forged(method, url, headers, body):
        status, answer_headers, answer = server(method, url, headers, body)
        return status, answer_headers, answer.replace("SUCCESS", "SUCCES5")

    with pytest.raises(Unauthenticated):
        _wechat(keys, forged).charge(ChargeRequest("pos:1:0", "wechat", D("1"), "1"))


def _notification(keys, *, key=API_V3_KEY, amount=1250, mchid="1900000001"):
    resource_plain = json.dumps(
        {
            "mchid": mchid,
            "out_trade_no": "pos:1:0",
            "transaction_id": "4200001",
            "trade_state": "SUCCESS",
            "amount": {"total": amount, "payer_total": amount, "currency": "CNY"},
        }
    ).encode()
    nonce = secrets.token_hex(6)
    cipher = AESGCM(key.encode()).encrypt(nonce.encode(), resource_plain, b"transaction")
    return json.dumps(
        {
            "id": "EV-1",
            "event_type": "TRANSACTION.SUCCESS",
            "resource_type": "encrypt-resource",
            "resource": {
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(cipher).decode(),
                "associated_data": "transaction",
                "nonce": nonce,
            },
        }
    )


def test_wechat_notification_is_verified_then_decrypted(keys, frozen_now):
    server = FakeWechatServer(keys)
    body = _notification(keys)

    note = _wechat(keys, server).parse_notification(server.sign_headers(body), body)

    assert (note.transaction_id, note.trade_state, note.amount) == (
        "4200001",
        "SUCCESS",
        D("12.50"),
    )


def test_wechat_notification_refused_when_tampered_stale_or_wrong_key(keys, frozen_now):
    server = FakeWechatServer(keys)
    provider = _wechat(keys, server)
    body = _notification(keys)
    headers = server.sign_headers(body)

    with pytest.raises(Unauthenticated):
        provider.parse_notification(headers, body.replace("EV-1", "EV-2"))
    with pytest.raises(Unauthenticated):
        stale = server.sign_headers(body, timestamp=int(clock.now().timestamp()) - 3600)
        provider.parse_notification(stale, body)
    other = _notification(keys, key="f" * 32)
    with pytest.raises(BadRequest):
        provider.parse_notification(server.sign_headers(other), other)
    foreign = _notification(keys, mchid="1900000999")
    with pytest.raises(Unauthenticated):
        provider.parse_notification(server.sign_headers(foreign), foreign)


# --- Alipay -------------------------------------------------------------------------------


class FakeAlipayGateway:
    def __init__(self, keys, code="10000"):
        self.app_public = keys["merchant"][0].public_key()
        self.alipay_key = keys["alipay"][0]
        self.code = code
        self.calls = []

    def __call__(self, url, params):
        assert params["sign_type"] == "RSA2"
        assert rsa_verify(self.app_public, sign_content(params), params["sign"])
        self.calls.append(params)
        node = params["method"].replace(".", "_") + "_response"
        inner = json.dumps(
            {
                "code": self.code,
                "msg": "Success",
                "trade_no": "2026112322001",
                "out_trade_no": "x",
                "trade_status": "TRADE_SUCCESS",
                "fund_change": "Y",
            },
            separators=(",", ":"),
        )
        return f'{{"{node}":{inner},"sign":"{rsa_sign(self.alipay_key, inner)}"}}'


def _alipay(keys, gateway):
    config = AlipayConfig(
        app_id="2021000000000001",
        private_key_pem=keys["merchant"][1],
        alipay_public_key_pem=keys["alipay"][2],
    )
    return AlipayProvider(config, transport=gateway)


def test_alipay_charge_signs_params_and_verifies_answer(keys, frozen_now):
    gateway = FakeAlipayGateway(keys)
    result = _alipay(keys, gateway).charge(
        ChargeRequest("pos:1:1", "alipay", D("8.80"), auth_code="281234567890123456")
    )

    assert (result.outcome, result.txn_id) == (Outcome.CAPTURED, "2026112322001")
    biz = json.loads(gateway.calls[0]["biz_content"])
    assert biz["scene"] == "bar_code" and biz["total_amount"] == "8.80"
    assert gateway.calls[0]["timestamp"] == "2026-11-23 10:00:00"


def test_alipay_waiting_for_buyer_is_pending_and_refusal_is_declined(keys, frozen_now):
    waiting = _alipay(keys, FakeAlipayGateway(keys, "10003")).charge(
        ChargeRequest("r", "alipay", D("1"), "28")
    )
    refused = _alipay(keys, FakeAlipayGateway(keys, "40004")).charge(
        ChargeRequest("r", "alipay", D("1"), "28")
    )
    assert (waiting.outcome, refused.outcome) == (Outcome.PENDING, Outcome.DECLINED)


def test_alipay_answer_refused_when_tampered(keys, frozen_now):
    gateway = FakeAlipayGateway(keys)

    def tampered(url, params):
        return gateway(url, params).replace("2026112322001", "2026112322999")

    with pytest.raises(Unauthenticated):
        _alipay(keys, tampered).refund(
            txn_id="2026112322001", amount=D("1"), reference="rf", original_reference="r"
        )


def _alipay_notify(keys, **override):
    params = {
        "app_id": "2021000000000001",
        "notify_id": "N1",
        "out_trade_no": "pos:1:1",
        "trade_no": "2026112322001",
        "trade_status": "TRADE_SUCCESS",
        "total_amount": "8.80",
        "sign_type": "RSA2",
        **override,
    }
    params["sign"] = rsa_sign(
        keys["alipay"][0], sign_content(params, exclude=("sign", "sign_type"))
    )
    return params


def test_alipay_notification_verified_and_parsed(keys, frozen_now):
    note = _alipay(keys, FakeAlipayGateway(keys)).parse_notification(_alipay_notify(keys))
    assert (note.trade_no, note.trade_status, note.amount) == (
        "2026112322001",
        "TRADE_SUCCESS",
        D("8.80"),
    )


def test_alipay_notification_refused_when_amount_changed_or_foreign_app(keys, frozen_now):
    provider = _alipay(keys, FakeAlipayGateway(keys))
    tampered = {**_alipay_notify(keys), "total_amount": "0.01"}
    with pytest.raises(Unauthenticated):
        provider.parse_notification(tampered)
    with pytest.raises(Unauthenticated):
        provider.parse_notification(_alipay_notify(keys, app_id="2021000000000999"))
