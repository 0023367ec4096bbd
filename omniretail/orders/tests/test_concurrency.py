"""Real processes placing orders at once: one order per reference, never an oversold unit."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest
from django.db import connection, connections


def _place_worker(args: tuple[str, int, int, list[str]]) -> list[str]:
    db_name, store_id, sku_id, references = args
    from omniretail.core.errors import DomainError
    from omniretail.core.models import Store
    from omniretail.orders.services import LineRequest, place_order

    connections.close_all()
    connection.settings_dict["NAME"] = db_name
    outcomes = []
    for ref in references:
        try:
            order = place_order(
                store=Store.objects.get(pk=store_id),
                channel="online",
                fulfilment_mode="pickup",
                lines=[LineRequest(sku_id, 1)],
                reference=ref,
            )
            outcomes.append(order.number)
        except DomainError as exc:
            outcomes.append(f"refused:{exc.code}")
        except Exception as exc:
            outcomes.append(f"error:{exc!r}")
    connections.close_all()
    return outcomes


def _run(jobs: list[tuple[str, int, int, list[str]]]) -> list[str]:
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
        return [o for result in pool.map(_place_worker, jobs) for o in result]


@pytest.fixture
def shared_db() -> str:
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs OMNIRETAIL_TEST_DB_FILE: child processes cannot see an in-memory DB")
    return str(connection.settings_dict["NAME"])


@pytest.mark.serial
@pytest.mark.django_db(transaction=True)
def test_one_order_and_one_reservation_when_processes_retry_same_reference(
    org: Any, make_sku: Any, shared_db: str
) -> None:
    from omniretail.inventory.models import Reservation
    from omniretail.orders.models import Order

    sku = make_sku("CONC", stock={"S1": 10})
    store = org["stores"]["S1"]
    outcomes = _run([(shared_db, store.pk, sku.pk, ["same-ref"] * 3) for _ in range(4)])
    assert not [o for o in outcomes if o.startswith(("error", "refused"))], outcomes
    assert len(set(outcomes)) == 1
    assert Order.objects.count() == 1 == Reservation.objects.count()


@pytest.mark.serial
@pytest.mark.django_db(transaction=True)
def test_only_available_units_are_ordered_when_processes_contend(
    org: Any, make_sku: Any, shared_db: str
) -> None:
    from omniretail.inventory.models import StockLevel
    from omniretail.orders.models import Order

    sku = make_sku("LAST", stock={"S1": 3})
    store = org["stores"]["S1"]
    jobs = [(shared_db, store.pk, sku.pk, [f"w{w}-{i}" for i in range(2)]) for w in range(4)]
    outcomes = _run(jobs)
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert sum(1 for o in outcomes if not o.startswith("refused")) == 3
    assert Order.objects.count() == 3
    assert StockLevel.objects.get(sku=sku, location=org["floor"]["S1"]).reserved == 3
