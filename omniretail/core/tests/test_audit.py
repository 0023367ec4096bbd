from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from omniretail.core import audit
from omniretail.core.context import Actor, acting_as
from omniretail.core.models import AuditLog

pytestmark = pytest.mark.django_db


def test_record_captures_actor_object_and_changes(org):
    store = org["stores"]["S1"]
    with acting_as(Actor(user_id=None, label="alice", ip_address="10.0.0.5", device="pos:1")):
        entry = audit.record(
            "org.store_updated",
            store,
            changes=audit.diff({"phone": ""}, {"phone": "1"}),
            store_id=store.pk,
        )
    assert entry.actor_label == "alice"
    assert entry.ip_address == "10.0.0.5"
    assert entry.object_type == "core.Store"
    assert entry.changes == {"phone": ["", "1"]}


def test_audit_rows_refuse_update_through_the_model(org):
    entry = audit.record("x.y")
    entry.action = "tampered"
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


def test_audit_rows_refuse_raw_sql_updates_and_postgres_refuses_deletes(org):
    entry = audit.record("x.y")
    statements = ["UPDATE core_auditlog SET action = 'tampered' WHERE id = %s"]
    if connection.vendor == "postgresql":
        statements.append("DELETE FROM core_auditlog WHERE id = %s")
    for sql in statements:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert AuditLog.objects.get(pk=entry.pk).action == "x.y"


def test_diff_lists_only_changed_fields():
    assert audit.diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {"b": [2, 3], "c": [None, 4]}
