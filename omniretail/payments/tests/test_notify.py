from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

from omniretail.core import clock
from omniretail.core.errors import Unauthenticated
from omniretail.orders.models import OrderStatus
from omniretail.payments.errors import PaymentError
from omniretail.payments.models import Payment, PaymentStatus
from omniretail.payments.providers import signing
from omniretail.payments.providers.sandbox import GATEWAY
from omniretail.payments.services import TenderIn, take_payment

pytestmark = pytest.mark.django_db
URL = "/api/v1/payments/notify/sandbox"


def _post(client, message):
    return client.post(
        URL, data=message.body, content_type="application/json", **message.django_headers()
    )


def _pending(order):
    take_payment(
        order_id=order.pk,
        tenders=[TenderIn("wechat", D("88.00"), auth_code="134567899999")],
        reference="web-1",
    )
    return Payment.objects.get(order=order)


def test_verify_rejects_when_the_signature_is_wrong(frozen_now):
    msg = signing.make({"a": 1})
    forged = signing.SignedMessage(
        msg.body.replace("1", "2"), msg.timestamp, msg.nonce, msg.signature
    )
    with pytest.raises(Unauthenticated) as err:
        signing.verify(forged, channel="t")
    assert err.value.code == PaymentError.BAD_SIGNATURE


@pytest.mark.parametrize("skew", [301, -301])
def test_verify_rejects_when_the_timestamp_is_stale(frozen_now, skew):
    msg = signing.make({"a": 1}, timestamp=int(clock.now().timestamp()) - skew)
    with pytest.raises(Unauthenticated) as err:
        signing.verify(msg, channel="t")
    assert err.value.code == PaymentError.STALE_REQUEST


def test_verify_rejects_when_a_nonce_is_replayed(frozen_now):
    msg = signing.make({"a": 1})
    assert signing.verify(msg, channel="t") == {"a": 1}
    with pytest.raises(Unauthenticated) as err:
        signing.verify(msg, channel="t")
    assert err.value.code == PaymentError.REPLAYED_NONCE


def test_notify_completes_a_pending_wechat_payment_and_pays_the_order(
    client, web_order, frozen_now
):
    payment = _pending(web_order)
    response = _post(client, GATEWAY.confirm(payment.provider_txn_id))
    assert response.status_code == 200, response.content
    payment.refresh_from_db()
    web_order.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    assert web_order.status == OrderStatus.PAID


def test_notify_changes_nothing_when_repeated_with_a_fresh_nonce(client, web_order, frozen_now):
    payment = _pending(web_order)
    first = GATEWAY.confirm(payment.provider_txn_id)
    assert _post(client, first).status_code == 200
    again = GATEWAY.confirm(payment.provider_txn_id)  # the gateway retries its delivery
    response = _post(client, again)
    assert response.status_code == 200
    assert response.json()["status"] == PaymentStatus.CAPTURED
    assert Payment.objects.get().ledger.count() == 1


def test_notify_answers_401_when_replayed_or_forged(client, web_order, frozen_now):
    payment = _pending(web_order)
    msg = GATEWAY.confirm(payment.provider_txn_id)
    assert _post(client, msg).status_code == 200
    replay = _post(client, msg)
    assert replay.status_code == 401
    assert replay.json()["code"] == PaymentError.REPLAYED_NONCE
    body = json.dumps({"event": "payment.success", "txn_id": "x"})
    forged = signing.SignedMessage(body, msg.timestamp, "n2", "00" * 32)
    assert _post(client, forged).json()["code"] == PaymentError.BAD_SIGNATURE


def test_notify_answers_400_when_the_body_is_not_a_known_event(client, frozen_now, db):
    response = _post(client, signing.make({"event": "nonsense"}))
    assert response.status_code == 400
    assert response.json()["code"] == PaymentError.MALFORMED_NOTIFICATION
    response = client.post(URL, data="garbage", content_type="application/json")
    assert response.status_code in (400, 401)


def test_polling_captures_a_pending_payment_when_the_notification_was_lost(web_order, frozen_now):
    import datetime as dt

    from omniretail.payments.services import poll_pending

    payment = _pending(web_order)
    GATEWAY.confirm(payment.provider_txn_id)  # the notification never arrives
    assert poll_pending() == 0  # too recent to poll
    frozen_now.shift(dt.timedelta(minutes=2))
    assert poll_pending() == 1
    web_order.refresh_from_db()
    assert web_order.status == OrderStatus.PAID
