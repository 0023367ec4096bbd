from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_pages_render_and_price_when_logged_in(shop, make_user, client):
    from omniretail.promotions import services

    services.create_promotion(
        shop["brand"],
        code="W1",
        name="满100减20",
        kind="spend_threshold",
        params={"tiers": [{"threshold": "100", "discount": "20"}]},
        status="active",
    )
    client.force_login(make_user("hq_admin"))
    page = client.get("/promotions/")
    assert page.status_code == 200 and "满100减20" in page.content.decode()
    body = {
        "store": shop["stores"]["S1"].pk,
        "channel": "pos",
        "lines": f"{shop['skus']['A'].pk} x 2",
    }
    r = client.post("/promotions/try/", body, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "180.00" in r.content.decode()  # 2 × 100 − 20
    bad = client.post("/promotions/try/", {**body, "lines": "nonsense"})
    assert bad.status_code == 200 and "error" in bad.content.decode()
