"""Idempotency-Key: a retried POST returns the stored response and changes nothing twice."""

from __future__ import annotations

import pytest

from omniretail.core.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

BODY = {"name": "erp", "url": "http://127.0.0.1:9/hook", "topics": ["*"]}


def test_same_key_and_body_replays_the_stored_response(api_as, make_user):
    api = api_as(make_user("hq_admin"))
    first = api.post("events/webhooks", BODY, HTTP_IDEMPOTENCY_KEY="k-1")
    second = api.post("events/webhooks", BODY, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert WebhookEndpoint.objects.count() == 1


def test_same_key_with_a_different_body_answers_409(api_as, make_user):
    api = api_as(make_user("hq_admin"))
    api.post("events/webhooks", BODY, HTTP_IDEMPOTENCY_KEY="k-2")
    response = api.post("events/webhooks", {**BODY, "name": "other"}, HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert WebhookEndpoint.objects.count() == 1


def test_keys_are_private_to_each_caller(api_as, make_user):
    one = api_as(make_user("hq_admin"))
    two = api_as(make_user("hq_admin"))
    one.post("events/webhooks", BODY, HTTP_IDEMPOTENCY_KEY="shared")
    assert two.post("events/webhooks", BODY, HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    assert WebhookEndpoint.objects.count() == 2


def test_validation_errors_are_replayed_too(api_as, make_user):
    api = api_as(make_user("hq_admin"))
    first = api.post("events/webhooks", {"name": ""}, HTTP_IDEMPOTENCY_KEY="k-3")
    second = api.post("events/webhooks", {"name": ""}, HTTP_IDEMPOTENCY_KEY="k-3")
    assert first.status_code == second.status_code == 422


def test_permission_failures_are_not_stored(api_as, make_user):
    cashier = api_as(make_user("cashier"))
    assert cashier.post("events/webhooks", BODY, HTTP_IDEMPOTENCY_KEY="k-4").status_code == 403
    assert cashier.post("events/webhooks", BODY, HTTP_IDEMPOTENCY_KEY="k-4").status_code == 403


def test_overlong_key_is_a_bad_request(api_as, make_user):
    response = api_as(make_user("hq_admin")).post(
        "events/webhooks", BODY, HTTP_IDEMPOTENCY_KEY="x" * 201
    )
    assert response.status_code == 400
