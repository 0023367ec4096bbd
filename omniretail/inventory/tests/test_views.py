from __future__ import annotations

import pytest

from omniretail.inventory import movements
from omniretail.inventory.models import StockCount, StockLevel, Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, make_user):
    def login(role, store="S1"):
        user = make_user(role, store=store)
        client.force_login(user)
        return client

    return login


def test_pages_render_when_store_manager_browses(org, sku, logged_in, frozen_now):
    movements.receive(
        sku_id=sku.pk,
        location_id=org["floor"]["S1"].pk,
        quantity=3,
        unit_cost_fen=100,
        reference="PO",
    )
    c = logged_in("store_manager")
    for url in [
        "/inventory/",
        "/inventory/transfers/",
        "/inventory/counts/",
        "/inventory/alerts/",
        f"/inventory/card/{sku.pk}/{org['floor']['S1'].pk}/",
    ]:
        response = c.get(url)
        assert response.status_code == 200, url
    assert sku.code in c.get("/inventory/").content.decode()
    assert c.get(f"/inventory/card/{sku.pk}/{org['floor']['S2'].pk}/").status_code == 404


def test_transfer_runs_end_to_end_in_ui_when_manager_acts(org, sku, logged_in, frozen_now):
    movements.receive(
        sku_id=sku.pk,
        location_id=org["stores"]["S1"].locations.get(kind="store_backroom").pk,
        quantity=10,
        unit_cost_fen=100,
        reference="PO",
    )
    c = logged_in("store_manager")
    back = org["stores"]["S1"].locations.get(kind="store_backroom")
    floor = org["floor"]["S1"]
    r = c.post(
        "/inventory/transfers/",
        {"source": back.pk, "destination": floor.pk, "sku_code": sku.code, "quantity": 4},
    )
    t = Transfer.objects.get()
    assert r.status_code == 302
    for action in ("approve", "ship"):
        c.post(f"/inventory/transfers/{t.pk}/{action}/")
    line = t.lines.get()
    c.post(f"/inventory/transfers/{t.pk}/receive/", {f"received_{line.pk}": 4})
    t.refresh_from_db()
    assert t.status == "closed"
    assert StockLevel.objects.get(sku=sku, location=floor).on_hand == 4
    assert "TR-" in c.get(f"/inventory/transfers/{t.pk}/").content.decode()


def test_count_runs_end_to_end_in_ui_when_manager_counts(org, sku, logged_in, frozen_now):
    floor = org["floor"]["S1"]
    movements.receive(
        sku_id=sku.pk, location_id=floor.pk, quantity=10, unit_cost_fen=100, reference="PO"
    )
    c = logged_in("store_manager")
    c.post("/inventory/counts/", {"location": floor.pk, "kind": "full", "blind": "1"})
    count = StockCount.objects.get()
    c.post(
        f"/inventory/counts/{count.pk}/", {"action": "scan", "sku_code": sku.code, "quantity": 12}
    )
    c.post(f"/inventory/counts/{count.pk}/", {"action": "submit"})
    c.post(f"/inventory/counts/{count.pk}/", {"action": "approve"})
    count.refresh_from_db()
    assert count.status == "approved"
    assert StockLevel.objects.get(sku=sku, location=floor).on_hand == 12


def test_count_page_is_404_when_count_belongs_to_other_store(org, sku, logged_in, frozen_now):
    from omniretail.inventory import counts

    other = counts.open_count(location_id=org["floor"]["S2"].pk, kind="full")
    c = logged_in("store_manager")
    assert c.get(f"/inventory/counts/{other.pk}/").status_code == 404
