"""Crash safety: the server is SIGKILLed while orders are being placed, then restarted."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import time_machine
from django.db import connections

from omniretail.core import clock
from omniretail.reliability.scenarios import (
    OrderStream,
    Server,
    create_sale,
    order_body,
    order_soundness,
    reservations_left,
)


@pytest.mark.serial
@pytest.mark.django_db(transaction=True)
def test_acknowledged_orders_survive_and_nothing_is_half_written_when_the_server_is_killed(
    file_db: str,
):
    from omniretail.inventory.services import release_expired_reservations
    from omniretail.orders.services import cancel_unpaid_orders, payment_timeout

    sale = create_sale(500)
    prefix = f"crash-{sale.tag.lower()}-"
    connections.close_all()
    server = Server(workers=2, env={"OMNIRETAIL_DATABASE_URL": file_db})
    try:
        base = server.start()
        streams = [OrderStream(base, sale, f"{prefix}{k}-", limit=300) for k in range(4)]
        for stream in streams:
            stream.ack_target = 5
            stream.start()
        assert all(stream.acked.wait(timeout=120) for stream in streams)
        server.kill()  # SIGKILL to the process group, four clients mid-stream
        for stream in streams:
            stream.join(timeout=60)
            assert not stream.is_alive()
        placements = [p for stream in streams for p in stream.placements]
        acknowledged = [p for p in placements if p.status == 200 and p.number]
        in_doubt = [p for p in placements if p.status is None]
        acked = {p.number for p in acknowledged}
        assert len(acked) >= 20
        assert in_doubt, "the kill must land while the clients are still placing orders"

        base = server.start()  # same database, fresh processes
        # A client retrying what it never saw answered gets one order per reference, never two.
        headers = {"Authorization": f"Bearer {sale.token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for p in in_doubt + acknowledged[:3]:
                r = client.post("/api/v1/orders/", json=order_body(sale, p.reference))
                assert r.status_code == 200
                if p.number:
                    assert r.json()["number"] == p.number
    finally:
        server.stop()

    from omniretail.orders.models import Order

    refs = [p.reference for p in placements]
    assert Order.objects.filter(reference__in=refs).count() == len(
        {p.reference for p in acknowledged + in_doubt}
    )
    report = order_soundness(sale, acked)
    assert report["acknowledged_missing"] == []
    assert report["acknowledged_without_active_reservation"] == []
    assert report["orders_without_lines"] == []
    assert report["orders_total_mismatch"] == []
    assert report["orphan_reservations"] == []
    assert report["invariant_breaches"] == {}
    assert reservations_left(sale)["active_reservations"] == report["orders"] > 0

    # The periodic jobs after the payment timeout: unpaid orders cancelled, stock released.
    later = clock.now() + payment_timeout() + dt.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert cancel_unpaid_orders(limit=10_000) == report["orders"]
        release_expired_reservations()
    left = reservations_left(sale)
    assert left == {"active_reservations": 0, "reserved": 0, "on_hand": 500}
    assert not Order.objects.filter(store_id=sale.store_id).exclude(status="cancelled").exists()
