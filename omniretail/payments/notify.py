"""Provider notifications: verify the signed message, then complete the pending payment.

Idempotent twice over: a replayed message is refused by its nonce, and a fresh notification
for a payment that already left pending changes nothing (``services._confirm``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from omniretail.core.errors import BadRequest, NotFound

from . import services
from .errors import PaymentError
from .models import Payment
from .providers import signing

VERIFIERS = {"sandbox": signing.verify}


def handle_notification(provider: str, message: signing.SignedMessage) -> Payment:
    verify = VERIFIERS.get(provider)
    if verify is None:
        raise NotFound(_("payment provider"), code=PaymentError.UNKNOWN_PROVIDER)
    body = verify(message, channel=f"notify:{provider}")
    event, txn_id = body.get("event"), body.get("txn_id")
    if event not in ("payment.success", "payment.failed") or not isinstance(txn_id, str):
        raise BadRequest(PaymentError.MALFORMED_NOTIFICATION, _("Unknown notification."))
    return services.complete_pending(provider, txn_id, success=event == "payment.success")
