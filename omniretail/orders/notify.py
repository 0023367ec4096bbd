"""Order notifications through a provider interface.

Templates are gettext strings rendered in the recipient's language (zh-hans or en). Built-in
providers: **in-app** (the ``Notification`` row is the message; staff see their store's list)
and **email** (Django's email backend). **SMS** and **WeChat** are template adapters: they
build the payload the gateway expects (Aliyun SMS ``SendSms`` parameters; WeChat
subscription-message JSON) and hand it to a transport; without a configured transport the
message is stored as *queued* with its payload, for a gateway worker to send.

One message per order, template and channel (a unique constraint): a redelivered event
never notifies twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from omniretail.core import clock

from .models import Notification, NotificationChannel, Order


@dataclass(frozen=True)
class Template:
    subject: Any
    body: Any
    sms_code: str  # the template registered with the SMS gateway
    wechat_id: str  # the subscription-message template id


TEMPLATES: dict[str, Template] = {
    "ready_for_pickup": Template(
        _("Order %(number)s is ready for pickup"),
        _(
            "Your order %(number)s is ready at %(store)s. Show pickup code %(code)s at the "
            "counter within %(days)s days."
        ),
        "SMS_ORDER_READY",
        "tmpl-order-ready",
    ),
    "out_for_delivery": Template(
        _("Order %(number)s is on its way"),
        _("Your order %(number)s has left %(store)s with our courier."),
        "SMS_ORDER_DELIVERY",
        "tmpl-order-delivery",
    ),
    "shipped": Template(
        _("Order %(number)s has shipped"),
        _("Your order %(number)s has shipped with %(carrier)s, tracking number %(tracking)s."),
        "SMS_ORDER_SHIPPED",
        "tmpl-order-shipped",
    ),
    "sla_overdue": Template(
        _("Order %(number)s is overdue"),
        _("Order %(number)s missed its fulfilment promise by %(minutes)s minutes."),
        "",
        "",
    ),
}

LANGUAGES = ("zh-hans", "en")


def render(template: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    tpl = TEMPLATES[template]
    lang = language if language in LANGUAGES else "zh-hans"
    with translation.override(lang):
        return str(tpl.subject) % context, str(tpl.body) % context


class Provider(Protocol):
    channel: str

    def deliver(self, note: Notification, context: dict[str, Any]) -> tuple[str, dict]:
        """Send (or hand to a transport); return the status and the payload sent."""
        ...


class InAppProvider:
    channel = NotificationChannel.IN_APP

    def deliver(self, note: Notification, context: dict[str, Any]) -> tuple[str, dict]:
        return "sent", {}


class EmailProvider:
    channel = NotificationChannel.EMAIL

    def deliver(self, note: Notification, context: dict[str, Any]) -> tuple[str, dict]:
        sender = getattr(settings, "DEFAULT_FROM_EMAIL", "noreply@omniretail.local")
        sent = send_mail(note.subject, note.body, sender, [note.recipient], fail_silently=False)
        return ("sent" if sent else "failed"), {"from": sender, "to": [note.recipient]}


Transport = Callable[[dict], bool]


class SmsTemplateAdapter:
    """Aliyun-style ``SendSms``: phone, sign name, template code and JSON parameters."""

    channel = NotificationChannel.SMS

    def __init__(self, transport: Transport | None = None, sign_name: str = "全渠道零售") -> None:
        self.transport = transport
        self.sign_name = sign_name

    def payload(self, note: Notification, context: dict[str, Any]) -> dict:
        params = {k: str(v)[:20] for k, v in context.items() if k in ("number", "code", "store")}
        return {
            "PhoneNumbers": note.recipient,
            "SignName": self.sign_name,
            "TemplateCode": TEMPLATES[note.template].sms_code,
            "TemplateParam": json.dumps(params, ensure_ascii=False, sort_keys=True),
        }

    def deliver(self, note: Notification, context: dict[str, Any]) -> tuple[str, dict]:
        body = self.payload(note, context)
        if self.transport is None:
            return "queued", body
        return ("sent" if self.transport(body) else "failed"), body


class WeChatTemplateAdapter:
    """WeChat subscription message (``subscribeMessage.send``): openid, template id, page and
    ``data`` of ``{"key": {"value": …}}`` fields (thing ≤ 20 chars, character_string ≤ 32)."""

    channel = NotificationChannel.WECHAT

    def __init__(self, transport: Transport | None = None) -> None:
        self.transport = transport

    def payload(self, note: Notification, context: dict[str, Any]) -> dict:
        return {
            "touser": note.recipient,
            "template_id": TEMPLATES[note.template].wechat_id,
            "page": f"pages/order/detail?number={context.get('number', '')}",
            "lang": "zh_CN" if note.language == "zh-hans" else "en_US",
            "data": {
                "character_string1": {"value": str(context.get("number", ""))[:32]},
                "thing2": {"value": str(context.get("store", ""))[:20]},
                "character_string3": {"value": str(context.get("code", "") or "-")[:32]},
                "thing4": {"value": note.subject[:20]},
            },
        }

    def deliver(self, note: Notification, context: dict[str, Any]) -> tuple[str, dict]:
        body = self.payload(note, context)
        if self.transport is None:
            return "queued", body
        return ("sent" if self.transport(body) else "failed"), body


PROVIDERS: dict[str, Provider] = {
    NotificationChannel.IN_APP: InAppProvider(),
    NotificationChannel.EMAIL: EmailProvider(),
    NotificationChannel.SMS: SmsTemplateAdapter(),
    NotificationChannel.WECHAT: WeChatTemplateAdapter(),
}


def order_context(order: Order, **extra: Any) -> dict[str, Any]:
    from .pickup import unclaimed_days

    return {
        "number": order.number,
        "store": order.store.name,
        "code": order.pickup_code,
        "days": unclaimed_days(),
        **extra,
    }


def notify(
    order: Order,
    template: str,
    channel: str,
    *,
    recipient: str = "",
    language: str = "zh-hans",
    user_id: int | None = None,
    member_id: int | None = None,
    provider: Provider | None = None,
    **extra: Any,
) -> Notification:
    """Render and send one message about ``order``; idempotent per order/template/channel."""
    prior = Notification.objects.filter(order=order, template=template, channel=channel).first()
    if prior is not None:
        return prior
    context = order_context(order, **extra)
    subject, body = render(template, language, context)
    try:
        with transaction.atomic():
            note = Notification.objects.create(
                channel=channel,
                template=template,
                language=language if language in LANGUAGES else "zh-hans",
                order=order,
                store_id=order.store_id,
                user_id=user_id,
                member_id=member_id,
                recipient=recipient[:200],
                subject=subject[:200],
                body=body,
                status="pending",
                created_at=clock.now(),
            )
    except IntegrityError:
        return Notification.objects.get(order=order, template=template, channel=channel)
    status, payload = (provider or PROVIDERS[channel]).deliver(note, context)
    Notification.objects.filter(pk=note.pk).update(status=status, payload=payload)
    note.status, note.payload = status, payload
    return note


def for_stores(store_ids: frozenset[int] | set[int], limit: int = 100) -> list[Notification]:
    """The in-app list staff see: their stores' messages, newest first."""
    return list(
        Notification.objects.select_related("order")
        .filter(channel=NotificationChannel.IN_APP, store_id__in=store_ids)
        .order_by("-created_at", "-pk")[:limit]
    )
