"""Security basics every page and API response carries."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_pages_carry_security_headers(client):
    response = client.get("/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"


def test_page_login_requires_a_csrf_token(make_user):
    make_user("cashier", username="ann")
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/login/", {"username": "ann", "password": "correct-horse-battery-9"})
    assert response.status_code == 403


def test_session_api_writes_require_csrf(make_user):
    admin = make_user("hq_admin")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin)
    response = strict.post(
        "/api/v1/events/webhooks",
        {"name": "x", "url": "http://127.0.0.1:9/"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_session_api_reads_work_without_csrf(make_user):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_user("store_manager"))
    assert strict.get("/api/v1/org/stores").status_code == 200


def test_session_cookie_is_http_only_and_secure_behind_https(settings):
    from omniretail import settings as prod

    assert prod.SESSION_COOKIE_HTTPONLY is True
    assert prod.SESSION_COOKIE_SECURE == prod.HTTPS
    assert prod.CSRF_COOKIE_SECURE == prod.HTTPS


def test_page_login_is_throttled_after_repeated_failures(client, make_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_user("cashier", username="bob")
    for _ in range(3):
        client.post("/login/", {"username": "bob", "password": "wrong"})
    response = client.post("/login/", {"username": "bob", "password": "correct-horse-battery-9"})
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_api_docs_are_served_without_any_external_asset(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_access_log_format_never_records_query_strings():
    from omniretail.core.management.commands.serve import ACCESS_LOG_FORMAT

    assert "%(U)s" in ACCESS_LOG_FORMAT
    assert "%(r)s" not in ACCESS_LOG_FORMAT and "%(q)s" not in ACCESS_LOG_FORMAT
