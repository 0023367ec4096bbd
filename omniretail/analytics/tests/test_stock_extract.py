"""The stock partition of the extract: one row per (store, SKU) summed over the store's
locations, warehouses left out, streamed in row groups so 5.7 million pairs never sit in
memory at once."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from omniretail.analytics import extract
from omniretail.inventory import movements

pytestmark = pytest.mark.django_db


def test_stock_rows_sum_a_stores_locations_when_streamed_in_small_row_groups(
    org, make_sku, analytics_dir, monkeypatch
):
    monkeypatch.setattr(extract, "STOCK_BATCH", 2)
    beer = make_sku("BEER", stock={"S1": 10, "S2": 4})
    nuts = make_sku("NUTS", stock={"S1": 3})
    backroom = org["stores"]["S1"].locations.get(kind="store_backroom")
    movements.receive(
        sku_id=beer.pk, location_id=backroom.pk, quantity=5, unit_cost_fen=100, reference="BR-1"
    )
    movements.receive(
        sku_id=beer.pk, location_id=org["central"].pk, quantity=99, unit_cost_fen=1, reference="W"
    )
    extract.run_extract(full=True)

    files = list((analytics_dir / "stock").glob("day=*/part.parquet"))
    assert len(files) == 1
    parquet = pq.ParquetFile(files[0])
    assert parquet.metadata.num_row_groups == 2  # three pairs in groups of two
    rows = parquet.read().to_pylist()
    s1, s2 = org["stores"]["S1"].pk, org["stores"]["S2"].pk
    by_pair = {(r["store_id"], r["sku_id"]): r for r in rows}
    assert set(by_pair) == {(s1, beer.pk), (s1, nuts.pk), (s2, beer.pk)}
    assert by_pair[(s1, beer.pk)]["on_hand"] == 15  # floor 10 + back room 5; warehouse apart
    assert by_pair[(s2, beer.pk)]["on_hand"] == 4
    assert by_pair[(s1, beer.pk)]["region_id"] == org["stores"]["S1"].region_id
    assert by_pair[(s1, nuts.pk)]["category_id"] == nuts.product.category_id
    assert [(r["store_id"], r["sku_id"]) for r in rows] == sorted(by_pair)
