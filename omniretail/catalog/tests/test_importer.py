from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from omniretail.catalog.importer import COLUMNS, run_import
from omniretail.catalog.models import PriceEntry, Sku

pytestmark = pytest.mark.django_db


def _csv(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS)
    writer.writeheader()
    for r in rows:
        writer.writerow({c: r.get(c, "") for c in COLUMNS})
    return buf.getvalue().encode()


GOOD = {
    "sku_code": "X1",
    "product_code": "PX1",
    "category_code": "BAIJIU",
    "brand_code": "FENJIU",
    "name": "玻汾",
    "spec": "53%vol 475ml",
    "uom": "bottle",
    "status": "active",
    "barcode": "6902952880294",
    "pack_barcodes": "6902952880300*12",
    "list_price": "59.00",
    "cost": "40",
    "attributes": '{"abv": 53, "volume_ml": 475, "aroma_type": "清香"}',
}


def test_import_creates_then_reports_unchanged_when_same_file_runs_twice(catalog) -> None:
    content = _csv([GOOD])
    first = run_import(catalog["brand"], "p.csv", content)
    second = run_import(catalog["brand"], "p.csv", content)
    assert [r.action for r in first.rows] == ["created"]
    assert [r.action for r in second.rows] == ["unchanged"]
    sku = Sku.objects.get(code="X1")
    assert sku.name == "汾酒 玻汾 53%vol 475ml" and sku.status == "active"
    assert PriceEntry.objects.filter(sku=sku).count() == 2


def test_import_applies_nothing_and_reports_each_bad_row_when_any_row_invalid(catalog) -> None:
    bad_barcode = {
        **GOOD,
        "sku_code": "X2",
        "product_code": "PX2",
        "barcode": "6902952880295",
        "pack_barcodes": "",
    }
    bad_price = {
        **GOOD,
        "sku_code": "X3",
        "product_code": "PX3",
        "barcode": "",
        "pack_barcodes": "",
        "status": "draft",
        "list_price": "-1",
    }
    bad_attr = {
        **GOOD,
        "sku_code": "X4",
        "product_code": "PX4",
        "barcode": "",
        "pack_barcodes": "",
        "status": "draft",
        "attributes": '{"abv": "x", "volume_ml": 1, "aroma_type": "清香"}',
    }
    dup = {**GOOD, "barcode": "", "pack_barcodes": "", "status": "draft"}
    report = run_import(
        catalog["brand"], "p.csv", _csv([GOOD, bad_barcode, bad_price, bad_attr, dup])
    )
    problems = {(e["row"], e["field"], e["code"]) for e in report.summary()["errors"]}
    assert (3, "barcode", "catalog.invalid_barcode") in problems
    assert (4, "list_price", "catalog.negative_price") in problems
    assert (5, "attr:abv", "catalog.invalid_attribute_value") in problems
    assert (6, "sku_code", "catalog.duplicate_code") in problems
    assert report.rows[0].action == "not_applied" and not report.applied
    assert not Sku.objects.exists()


def test_dry_run_writes_nothing_and_predicts_creates_when_file_valid(catalog) -> None:
    report = run_import(catalog["brand"], "p.csv", _csv([GOOD]), dry_run=True)
    assert [r.action for r in report.rows] == ["would_create"] and not Sku.objects.exists()


def test_import_command_loads_by_keyword_name_and_export_roundtrips_when_run(
    catalog, tmp_path
) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(_csv([GOOD]))
    call_command("import", "products", str(src), "--json")
    out = tmp_path / "out.xlsx"
    call_command("export", "products", str(out))
    report = run_import(catalog["brand"], "out.xlsx", out.read_bytes())
    assert [r.action for r in report.rows] == ["unchanged"]


def test_import_command_fails_when_file_has_errors(catalog, tmp_path) -> None:
    src = tmp_path / "bad.csv"
    src.write_bytes(_csv([{**GOOD, "category_code": "NOPE"}]))
    with pytest.raises(CommandError):
        call_command("import", "products", str(src), "--json")
