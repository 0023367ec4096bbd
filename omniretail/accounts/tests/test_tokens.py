from __future__ import annotations

import pytest

from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_returns_token_that_authenticates(client, make_user):
    make_user("cashier", username="ann")
    response = client.post(
        "/api/v1/auth/token",
        {"username": "ann", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 201
    token = response.json()["token"]
    me = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.json()["username"] == "ann"
    assert "inventory.view" in me.json()["permissions"]


def test_only_the_hash_of_a_token_is_stored(client, make_user):
    from omniretail.accounts.models import ApiToken

    make_user("cashier", username="ann")
    token = client.post(
        "/api/v1/auth/token",
        {"username": "ann", "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]
    stored = ApiToken.objects.get()
    assert token not in (stored.key_hash, stored.key_prefix)
    assert len(stored.key_hash) == 64


def test_revoked_token_is_refused(client, make_user):
    make_user("cashier", username="ann")
    issued = client.post(
        "/api/v1/auth/token",
        {"username": "ann", "password": PASSWORD},
        content_type="application/json",
    ).json()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issued['token']}"}
    assert client.delete(f"/api/v1/auth/tokens/{issued['id']}", **auth).status_code == 200
    assert client.get("/api/v1/auth/me", **auth).status_code == 401


def test_wrong_password_answers_401_invalid_credentials(client, make_user):
    make_user("cashier", username="ann")
    response = client.post(
        "/api/v1/auth/token",
        {"username": "ann", "password": "nope"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_login_is_throttled_after_repeated_failures(client, make_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_user("cashier", username="ann")
    codes = [
        client.post(
            "/api/v1/auth/token",
            {"username": "ann", "password": "bad"},
            content_type="application/json",
        ).status_code
        for _ in range(4)
    ]
    assert codes[-1] == 429
    # even the right password is refused while locked out
    right = client.post(
        "/api/v1/auth/token",
        {"username": "ann", "password": PASSWORD},
        content_type="application/json",
    )
    assert right.status_code == 429
    assert right.json()["code"] == "locked_out"


def test_passwords_are_hashed_with_argon2_outside_tests(settings, make_user):
    from omniretail.accounts.services import set_password

    settings.PASSWORD_HASHERS = [h for h in settings.PASSWORD_HASHERS if "MD5" not in h]
    user = make_user("cashier")
    set_password(user, "another-long-passphrase-7")
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


def test_password_change_revokes_existing_tokens(make_user):
    from omniretail.accounts.models import ApiToken
    from omniretail.accounts.services import issue_token, set_password

    user = make_user("cashier")
    issue_token(user, name="a")
    set_password(user, "another-long-passphrase-7")
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
