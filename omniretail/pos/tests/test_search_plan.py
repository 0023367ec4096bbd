"""Query plans of the till search (issue #12): both ways of driving it use indexes on SQLite
(EXPLAIN QUERY PLAN) and PostgreSQL (EXPLAIN, sequential scans off as on a large table) — the
term-driven way a range of the token index, the assortment walk the floor's (location, SKU)
index in SKU order without a sort; neither scans the token or stock table."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction

from omniretail.catalog.models import Product, Sku
from omniretail.catalog.search import query_terms, reindex_skus
from omniretail.pos import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(org, make_sku) -> Any:
    for n in range(6):
        sku = make_sku(f"PL{n}", stock={"S1": 1} if n % 2 else {"S2": 1})
        Product.objects.filter(pk=sku.product_id).update(name="汾酒青花")
        Sku.objects.filter(pk=sku.pk).update(name="汾酒青花 500ml")
        reindex_skus([sku.pk])
    return org["stores"]["S1"]


def _plan(qs: Any) -> str:
    sql, params = qs.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def _query(store: Any, text: str, selective: int, monkeypatch: Any) -> tuple[Any, bool]:
    monkeypatch.setattr(search, "SELECTIVE", selective)
    sized = search._term_sizes(query_terms(text))
    assert sized is not None
    found = search.store_query(store, sized, search.PAGE_SIZE)
    assert found is not None
    return found


def test_term_driven_search_reads_a_range_of_the_token_index_when_a_term_is_rare(
    store, monkeypatch
):
    qs, term_driven = _query(store, "fj 青花", 1000, monkeypatch)
    plan = _plan(qs)

    assert term_driven
    assert "search_token_idx" in plan
    if connection.vendor == "sqlite":
        assert "SCAN catalog_searchtoken" not in plan and "SCAN inventory_stocklevel" not in plan
        assert "USE TEMP B-TREE FOR ORDER BY" not in plan
    else:
        assert "Seq Scan" not in plan


def test_assortment_walk_reads_the_floor_index_in_sku_order_when_every_term_is_common(
    store, monkeypatch
):
    qs, term_driven = _query(store, "fj 青花", 0, monkeypatch)
    plan = _plan(qs)

    assert not term_driven
    if connection.vendor == "sqlite":
        assert "stock_level_loc_sku_idx" in plan or "stock_level_unique" in plan
        assert "SCAN catalog_searchtoken" not in plan and "SCAN inventory_stocklevel" not in plan
        assert "TEMP B-TREE" not in plan
    else:
        # PostgreSQL's planner may drive a tiny test table from either index (its statistics
        # decide); what must hold at any size is that nothing is read by a sequential scan.
        assert "Seq Scan" not in plan
    assert sorted(qs) == list(qs)
