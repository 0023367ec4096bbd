"""The web shell without a browser: login in both languages, home per role, the audit log's
scope and filters, the language switch and the health probe."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

import conftest

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_when_browser_asks_for_zh_hans(client: Client) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-Hans", follow=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(reverse("web:login"))
    assert "登录" in body
    assert "密码" in body


def test_login_page_is_english_when_browser_asks_for_en(client: Client) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    body = response.content.decode()
    assert "Log in" in body
    assert "Password" in body
    assert "密码" not in body


def test_login_page_is_chinese_when_no_language_is_asked(client: Client) -> None:
    body = client.get(reverse("web:login")).content.decode()
    assert "登录" in body
    assert 'lang="zh-hans"' in body


def test_login_opens_home_when_password_is_right(client: Client, make_user: Any) -> None:
    make_user("store_manager", store="S1", username="mgr")
    response = client.post(
        reverse("web:login"), {"username": "mgr", "password": conftest.PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.context["user"].username == "mgr"
    assert response.context["store_count"] == 1


def test_login_shows_error_when_password_is_wrong(client: Client, make_user: Any) -> None:
    make_user("cashier", username="c1")
    response = client.post(
        reverse("web:login"),
        {"username": "c1", "password": "nope"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Wrong username or password" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "kwargs", "expected"),
    [
        ("hq_admin", {}, 3),
        ("analyst", {}, 3),
        ("regional_manager", {"region": "east"}, 2),
        ("store_manager", {"store": "S1"}, 1),
        ("cashier", {"store": "S3"}, 1),
        ("warehouse_clerk", {"store": "S2"}, 1),
        ("supplier", {}, 0),
    ],
)
def test_home_counts_the_stores_of_the_scope_when_role_varies(
    client: Client, make_user: Any, role: str, kwargs: dict[str, str], expected: int
) -> None:
    client.force_login(make_user(role, **kwargs))
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    assert response.context["store_count"] == expected
    assert f'data-testid="store-count">{expected}<' in response.content.decode()


def test_home_lists_only_own_store_when_user_is_store_manager(
    client: Client, make_user: Any
) -> None:
    client.force_login(make_user("store_manager", store="S2"))
    body = client.get(reverse("web:home")).content.decode()
    assert "门店S2" in body
    assert "门店S1" not in body
    assert "门店S3" not in body
    assert 'data-testid="regions"' not in body


def test_home_shows_stores_per_region_when_user_is_hq(client: Client, make_user: Any) -> None:
    client.force_login(make_user("hq_admin"))
    response = client.get(reverse("web:home"))
    regions = {r["code"]: r["stores"] for r in response.context["regions"]}
    assert regions == {"EAST": 2, "SOUTH": 1}
    body = response.content.decode()
    assert 'data-testid="regions"' in body
    assert "华东" in body and "华南" in body


def test_home_redirects_to_login_when_anonymous(client: Client) -> None:
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_nav_shows_audit_only_when_role_may_view_audit(client: Client, make_user: Any) -> None:
    client.force_login(make_user("store_manager"))
    assert reverse("web:audit") not in client.get(reverse("web:home")).content.decode()
    client.force_login(make_user("finance"))
    assert reverse("web:audit") in client.get(reverse("web:home")).content.decode()


def test_audit_is_forbidden_when_role_lacks_audit_view(client: Client, make_user: Any) -> None:
    client.force_login(make_user("store_manager", store="S1"))
    assert client.get(reverse("web:audit")).status_code == 403


def test_audit_shows_every_entry_when_user_is_hq(
    client: Client, make_user: Any, audit_rows: dict[str, Any]
) -> None:
    client.force_login(make_user("hq_admin"))
    response = client.get(reverse("web:audit"))
    actions = [e["action"] for e in response.context["entries"]]
    assert sorted(actions) == [
        "events.webhook_created",
        "inventory.adjusted",
        "org.store_updated",
    ]


def test_audit_hides_other_stores_when_viewer_is_regional(
    client: Client, make_user: Any, audit_rows: dict[str, Any]
) -> None:
    client.force_login(make_user("regional_manager", region="east"))
    response = client.get(reverse("web:audit"))
    body = response.content.decode()
    assert [e["action"] for e in response.context["entries"]] == ["org.store_updated"]
    assert "inventory.adjusted" not in body
    assert "auditor.s3" not in body


def test_audit_hides_other_stores_when_viewer_holds_audit_for_one_store(
    client: Client, make_user: Any, audit_rows: dict[str, Any], org: dict[str, Any]
) -> None:
    from omniretail.accounts.models import RoleAssignment

    # A store manager who is also finance for S3 only: sees S3's rows, never S1's.
    user = make_user("store_manager", store="S3")
    RoleAssignment.objects.create(
        user=user, role="regional_manager", brand=org["brand"], region=org["south"]
    )
    client.force_login(user)
    entries = client.get(reverse("web:audit")).context["entries"]
    assert [e["store"] for e in entries] == ["S3"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "inventory"}, ["inventory.adjusted"]),
        ({"actor": "auditor.s1"}, ["org.store_updated"]),
        ({"object_type": "core.Brand"}, ["events.webhook_created"]),
    ],
)
def test_audit_filters_entries_when_filter_is_given(
    client: Client,
    make_user: Any,
    audit_rows: dict[str, Any],
    params: dict[str, str],
    expected: list[str],
) -> None:
    client.force_login(make_user("hq_admin"))
    response = client.get(reverse("web:audit"), params)
    assert [e["action"] for e in response.context["entries"]] == expected


def test_audit_filters_by_business_day_when_dates_are_given(
    frozen_now: Any, client: Client, make_user: Any, audit_rows: dict[str, Any]
) -> None:
    # The clock is frozen before the rows are written: after 16:00 UTC the real business day
    # in Shanghai is already tomorrow, and the rows would fall outside "until today".
    client.force_login(make_user("hq_admin"))
    today = dt.date(2026, 11, 23).isoformat()
    later = client.get(reverse("web:audit"), {"since": "2099-01-01"}).context["entries"]
    everything = client.get(reverse("web:audit"), {"until": today}).context["entries"]
    assert later == []
    assert len(everything) == 3


def test_audit_pages_with_a_cursor_when_entries_exceed_a_page(
    client: Client, make_user: Any, org: dict[str, Any]
) -> None:
    from omniretail.core import audit
    from omniretail.web import views

    for i in range(views.AUDIT_PAGE_SIZE + 5):
        audit.record(f"test.row{i:03d}", org["stores"]["S1"], store_id=org["stores"]["S1"].pk)
    client.force_login(make_user("hq_admin"))
    first = client.get(reverse("web:audit"), {"action": "test."})
    assert len(first.context["entries"]) == views.AUDIT_PAGE_SIZE
    next_query = first.context["next_query"]
    assert next_query and "action=test." in next_query
    second = client.get(f"{reverse('web:audit')}?{next_query}")
    assert len(second.context["entries"]) == 5
    seen = {e["action"] for e in first.context["entries"]} | {
        e["action"] for e in second.context["entries"]
    }
    assert len(seen) == views.AUDIT_PAGE_SIZE + 5
    assert second.context["next_query"] == ""


def test_audit_starts_over_when_cursor_is_tampered(
    client: Client, make_user: Any, audit_rows: dict[str, Any]
) -> None:
    client.force_login(make_user("hq_admin"))
    response = client.get(reverse("web:audit"), {"cursor": "forged"})
    assert response.status_code == 200
    assert len(response.context["entries"]) == 3


def test_audit_returns_only_results_when_request_comes_from_htmx(
    client: Client, make_user: Any, audit_rows: dict[str, Any]
) -> None:
    client.force_login(make_user("hq_admin"))
    response = client.get(reverse("web:audit"), {"action": "org"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert 'data-testid="audit-table"' in body
    assert "org.store_updated" in body


def test_language_switch_persists_when_user_picks_english(client: Client, make_user: Any) -> None:
    client.force_login(make_user("store_manager"))
    assert "退出登录" in client.get(reverse("web:home")).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get(reverse("web:home")).content.decode()
    assert "Log out" in body
    assert "Store manager" in body
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "店长" in client.get(reverse("web:home")).content.decode()


def test_healthz_reports_ok_when_database_answers(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_admin_opens_when_user_is_hq_superuser(client: Client, make_user: Any) -> None:
    user = make_user("hq_admin")
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    for url in ["/admin/", "/admin/core/store/", "/admin/core/auditlog/", "/admin/accounts/user/"]:
        assert client.get(url).status_code == 200, url


def test_admin_records_audit_when_store_is_changed(
    client: Client, make_user: Any, org: dict[str, Any]
) -> None:
    from omniretail.core.models import AuditLog

    user = make_user("hq_admin", username="boss")
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    store = org["stores"]["S1"]
    url = f"/admin/core/store/{store.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "brand": store.brand_id,
            "region": store.region_id,
            "phone": "021-5555",
            "opens_at": "08:00",
            "closes_at": "22:00",
            "locations-TOTAL_FORMS": "2",
            "locations-INITIAL_FORMS": "2",
            "locations-0-id": store.locations.order_by("pk")[0].pk,
            "locations-1-id": store.locations.order_by("pk")[1].pk,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    row = AuditLog.objects.get(action="admin.store_updated")
    assert row.actor_label == "boss"
    assert row.store_id == store.pk
    assert row.changes == {"phone": ["", "021-5555"]}


def test_admin_audit_log_is_read_only_when_user_is_superuser(
    client: Client, make_user: Any, audit_rows: dict[str, Any]
) -> None:
    user = make_user("hq_admin")
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    row = audit_rows["s1"]
    response = client.get(f"/admin/core/auditlog/{row.pk}/change/")
    assert response.status_code == 200
    assert "_save" not in response.content.decode()
    assert client.get("/admin/core/auditlog/add/").status_code == 403


def test_audit_names_object_types_in_the_language_when_model_is_known(
    client: Client, make_user: Any, audit_rows: dict[str, Any]
) -> None:
    client.force_login(make_user("hq_admin"))
    body = client.get(reverse("web:audit"), HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "门店" in body
    assert "phone: — → 021-1234" in body


def test_forbidden_page_keeps_the_shell_when_role_lacks_permission(
    client: Client, make_user: Any
) -> None:
    client.force_login(make_user("cashier"))
    response = client.get(reverse("web:audit"), HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
    assert 'class="mainnav"' in response.content.decode()


def test_home_shows_store_card_with_locations_when_user_runs_one_store(
    client: Client, make_user: Any
) -> None:
    client.force_login(make_user("store_manager", store="S1"))
    response = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="zh-Hans")
    [card] = response.context["store_cards"]
    assert {loc["code"] for loc in card["locations"]} == {"S1-FL", "S1-BR"}
    assert "门店卖场" in response.content.decode()
