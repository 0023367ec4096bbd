"""Bad input at catalog scale (issue #12): tampered, foreign and stale page cursors, huge
limits and search terms, exports of everything — bounded, clear answers; never a request that
reads the whole catalog into memory."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from omniretail.catalog import importer
from omniretail.catalog.models import Sku

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(api_as, make_user, small_catalog):
    return api_as(make_user("hq_admin"))


def _skus(params: dict) -> str:
    return "catalog/skus?" + urlencode(params)


def _sku_reads(ctx: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "catalog_sku"' in q["sql"]
    ]


def test_sku_list_refuses_a_tampered_cursor_with_400_when_any_character_changes(admin_api):
    cursor = admin_api.get("catalog/skus?limit=5").json()["next_cursor"]
    flipped = cursor[:-3] + ("A" if cursor[-3] != "A" else "B") + cursor[-2:]
    forged = base64.urlsafe_b64encode(json.dumps({"v": [0], "t": "catalog.skus:pk"}).encode())

    for bad in (flipped, "not-a-cursor", "x" * 5000, forged.decode(), cursor + ":extra"):
        response = admin_api.get(_skus({"limit": 5, "cursor": bad}))
        assert response.status_code == 400, bad[:40]
        assert response.json()["code"] == "invalid_cursor"


def test_sku_list_refuses_a_cursor_of_another_ordering_with_400_when_sort_changes(admin_api):
    by_code = admin_api.get(_skus({"limit": 5, "sort": "code"})).json()["next_cursor"]

    response = admin_api.get(_skus({"limit": 5, "sort": "name", "cursor": by_code}))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"
    assert "ordering" in response.json()["message"] or "排序" in response.json()["message"]


def test_sku_list_continues_after_a_stale_cursor_when_its_last_row_left_the_list(admin_api):
    first = admin_api.get(_skus({"limit": 10, "status": "active"})).json()
    gone = first["items"][-1]["id"]
    Sku.objects.filter(pk=gone).update(status="discontinued")
    expected = list(
        Sku.objects.filter(status="active", pk__gt=gone).order_by("pk").values_list("pk", flat=True)
    )[:10]

    second = admin_api.get(_skus({"limit": 10, "status": "active", "cursor": first["next_cursor"]}))

    assert second.status_code == 200
    assert [s["id"] for s in second.json()["items"]] == expected
    assert not {s["id"] for s in first["items"]} & {s["id"] for s in second.json()["items"]}


@pytest.mark.parametrize("limit", [10**9, 2**62, 201])
def test_sku_list_reads_at_most_one_page_when_limit_is_huge(admin_api, limit):
    with CaptureQueriesContext(connection) as ctx:
        response = admin_api.get(_skus({"limit": limit}))

    assert response.status_code == 200
    assert len(response.json()["items"]) <= 200
    reads = _sku_reads(ctx)
    assert reads and all("LIMIT 201" in sql for sql in reads)


@pytest.mark.parametrize("limit", [0, -5])
def test_sku_list_answers_a_page_when_limit_is_not_positive(admin_api, limit):
    response = admin_api.get(_skus({"limit": limit}))

    assert response.status_code == 200
    assert len(response.json()["items"]) == 1


@pytest.mark.parametrize("q", ["", "   ", "茅" * 10_000, "53%vol " * 2_000])
def test_sku_list_answers_a_bounded_page_when_the_search_term_is_empty_or_huge(admin_api, q):
    with CaptureQueriesContext(connection) as ctx:
        response = admin_api.get(_skus({"q": q, "limit": 50}))

    assert response.status_code == 200
    assert len(response.json()["items"]) <= 50
    assert len(ctx.captured_queries) <= 40


def test_sku_list_asks_the_index_each_repeated_piece_once_when_the_term_repeats(admin_api):
    with CaptureQueriesContext(connection) as ctx:
        response = admin_api.get(_skus({"q": "茅a" * 5_000, "limit": 50}))

    assert response.status_code == 200
    assert sum("catalog_searchtoken" in q["sql"] for q in ctx.captured_queries) <= 20


def test_sku_list_stops_after_counting_when_a_term_matches_nothing(admin_api):
    """ "xyz" is counted (one probe per term) and answered empty: no intersection is built,
    which at 300,000 SKUs walked the whole token table in SKU order (3.6 s)."""
    with CaptureQueriesContext(connection) as ctx:
        response = admin_api.get(_skus({"q": "zzzq 白酒", "limit": 20}))

    assert response.status_code == 200 and response.json()["items"] == []
    token_reads = [q["sql"] for q in ctx.captured_queries if "catalog_searchtoken" in q["sql"]]
    assert len(token_reads) == 2 and all("COUNT" in sql.upper() for sql in token_reads)


def test_sku_list_refuses_an_unknown_sort_with_422_when_tampered(admin_api):
    response = admin_api.get(_skus({"sort": "name; DROP TABLE catalog_sku"}))

    assert response.status_code == 422
    assert Sku.objects.exists()


def test_export_streams_chunk_by_chunk_when_catalog_exceeds_a_chunk(
    client, make_user, small_catalog, monkeypatch
):
    """With chunks of 7 rows, the first CSV line after the header has read one chunk of SKUs;
    the whole download reads every chunk, each a bounded keyset query — never one list."""
    monkeypatch.setattr(importer, "CHUNK", 7)
    client.force_login(make_user("hq_admin"))
    total = Sku.objects.filter(product__brand=small_catalog["brand"]).count()

    response = client.get(reverse("catalog:export"), {"format": "csv"})
    assert response.streaming
    stream = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as first:
        header, row = next(stream), next(stream)
    with CaptureQueriesContext(connection) as rest:
        remaining = list(stream)

    assert header.startswith(b"sku_code") and row.count(b",") >= 5
    assert len(_sku_reads(first)) == 1 and "LIMIT 7" in _sku_reads(first)[0]
    assert 1 + 1 + len(remaining) == 1 + total
    assert len(_sku_reads(rest)) == -(-total // 7)  # one more chunk query finds the end
    assert all("LIMIT 7" in sql for sql in _sku_reads(rest))


def test_members_export_streams_when_everything_is_exported(client, make_user, org):
    from omniretail.members.identity import register_member

    for n in range(12):
        register_member(org["brand"], f"137{n:08d}", store=org["stores"]["S1"], consents={})
    client.force_login(make_user("hq_admin"))

    response = client.get(reverse("members:export_csv"))

    assert response.status_code == 200 and response.streaming
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("code,phone") and len(lines) == 13
    assert all("****" in line or "*" in line for line in lines[1:])
