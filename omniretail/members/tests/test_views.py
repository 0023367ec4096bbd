from __future__ import annotations

import pytest

from omniretail.core.models import AuditLog

pytestmark = pytest.mark.django_db


def test_profile_page_is_masked_until_revealed_when_user_holds_pii(client, make_user, member):
    user = make_user("hq_admin")
    client.force_login(user)
    found = client.get("/members/", {"q": "13812341234"})
    assert found.status_code == 302
    page = client.get(found.url)
    assert "138****1234" in page.content.decode() and "13812341234" not in page.content.decode()
    revealed = client.post(found.url)
    assert "13812341234" in revealed.content.decode()
    assert AuditLog.objects.filter(action="members.unmask", is_pii_read=True).count() == 1


def test_profile_page_is_404_when_user_lacks_member_permission(client, make_user, member):
    user = make_user("warehouse_clerk")
    client.force_login(user)
    assert client.get(f"/members/{member.pk}/").status_code == 404
