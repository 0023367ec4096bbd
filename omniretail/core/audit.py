"""The audit trail: who did what to which object, from where, with old and new values."""

from __future__ import annotations

from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from . import clock
from .context import current_actor
from .models import AuditLog


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value changed."""
    return {
        k: [old.get(k), new.get(k)] for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)
    }


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    store_id: int | None = None,
    brand_id: int | None = None,
    pii_read: bool = False,
) -> AuditLog:
    actor = current_actor()
    return AuditLog.objects.create(
        at=clock.now(),
        actor_id=actor.user_id,
        actor_label=actor.label[:150],
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        brand_id=brand_id,
        store_id=store_id,
        ip_address=actor.ip_address,
        user_agent=actor.user_agent,
        device=actor.device,
        changes=_jsonable(changes or {}),
        reason=reason[:300],
        is_pii_read=pii_read,
    )
