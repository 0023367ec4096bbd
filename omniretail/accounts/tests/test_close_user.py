from __future__ import annotations

import pytest

from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _token(client, username: str) -> str:
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]


def test_tokens_stop_working_at_once_when_the_user_is_closed(client, make_user):
    from omniretail.accounts.services import close_user

    user = make_user("cashier", username="leaver")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {_token(client, 'leaver')}"}
    assert client.get("/api/v1/auth/me", **auth).status_code == 200  # warms any token cache
    close_user(user, reason="left the company")
    assert client.get("/api/v1/auth/me", **auth).status_code == 401


def test_closed_user_cannot_log_in_and_keeps_no_name_or_email(client, make_user):
    from omniretail.accounts.models import ApiToken
    from omniretail.accounts.services import close_user
    from omniretail.core.models import AuditLog

    user = make_user("cashier", username="leaver")
    user.email, user.display_name = "leaver@example.com", "Li Lei"
    user.save()
    _token(client, "leaver")
    closed = close_user(user, reason="left the company")
    assert (closed.is_active, closed.email, closed.display_name) == (False, "", "")
    assert closed.username == f"deleted-{user.pk}"
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    refused = client.post(
        "/api/v1/auth/token",
        {"username": "leaver", "password": PASSWORD},
        content_type="application/json",
    )
    assert refused.status_code == 401
    entry = AuditLog.objects.get(action="accounts.user_closed")
    assert entry.changes == {"tokens_revoked": 1}
