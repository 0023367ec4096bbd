from __future__ import annotations

import json

import pytest
from django.core import mail

from omniretail.core import events
from omniretail.orders import notify, pickup, services
from omniretail.orders.models import Notification

pytestmark = pytest.mark.django_db


def _ready(order):
    for step in (services.mark_paid, services.allocate, services.start_picking):
        step(order)
    pickup.mark_ready(order)
    return order


def test_ready_notification_reaches_the_in_app_list_once_when_event_is_redelivered(
    org, make_sku, place
):
    order = _ready(place((make_sku("A"), 1), member_id=None))
    events.dispatch_due()
    events.dispatch_due()
    [note] = Notification.objects.filter(order=order, template="ready_for_pickup")
    assert note.channel == "in_app" and order.pickup_code in note.body
    assert note in notify.for_stores({org["stores"]["S1"].pk})
    assert notify.for_stores({org["stores"]["S2"].pk}) == []


def test_email_is_sent_through_the_django_backend_in_english_when_asked(make_sku, place):
    order = place((make_sku("A"), 1))
    note = notify.notify(
        order, "ready_for_pickup", "email", recipient="kim@example.com", language="en"
    )
    assert note.status == "sent" and len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"Order {order.number} is ready for pickup"
    assert mail.outbox[0].to == ["kim@example.com"]


def test_templates_render_in_chinese_when_language_is_zh_hans(make_sku, place):
    order = place((make_sku("A"), 1))
    subject, body = notify.render("ready_for_pickup", "zh-hans", notify.order_context(order))
    assert "取货" in subject and order.pickup_code in body


def test_sms_adapter_builds_the_gateway_payload_and_queues_without_transport(make_sku, place):
    order = place((make_sku("A"), 1))
    note = notify.notify(order, "ready_for_pickup", "sms", recipient="13800000000")
    assert note.status == "queued"
    assert note.payload["PhoneNumbers"] == "13800000000"
    assert note.payload["TemplateCode"] == "SMS_ORDER_READY"
    assert json.loads(note.payload["TemplateParam"])["code"] == order.pickup_code


def test_wechat_adapter_sends_through_its_transport_when_given(make_sku, place):
    order = place((make_sku("A"), 1))
    sent = []
    adapter = notify.WeChatTemplateAdapter(transport=lambda body: sent.append(body) or True)
    note = notify.notify(order, "ready_for_pickup", "wechat", recipient="oOPENID", provider=adapter)
    assert note.status == "sent" and sent[0]["touser"] == "oOPENID"
    assert sent[0]["data"]["character_string1"]["value"] == order.number
    assert sent[0]["template_id"] == "tmpl-order-ready"


def test_member_is_told_when_the_parcel_ships(org, make_sku, place, frozen_now):
    from omniretail.members.identity import register_member
    from omniretail.orders import fulfilment

    member = register_member(org["brand"], "13700000001", store=org["stores"]["S1"], consents={})
    order = place((make_sku("A"), 1), mode="ship", member_id=member.pk)
    for step in (services.mark_paid, services.allocate, services.start_picking):
        step(order)
    fulfilment.ship(order, carrier="SF", tracking_number="SF7777777")
    events.dispatch_due()
    note = Notification.objects.get(order=order, template="shipped")
    assert "SF7777777" in note.body and note.member_id == member.pk
