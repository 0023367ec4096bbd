"""The seeders' bulk loader: rows keep their types, and whatever a load drops to go fast
(secondary indexes; foreign keys on PostgreSQL) is back afterwards and still enforced."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from omniretail.catalog.models import SearchToken, SkuAttributeValue
from omniretail.core import bulkload

pytestmark = pytest.mark.django_db

TABLES = (SearchToken._meta.db_table, SkuAttributeValue._meta.db_table)


def test_rows_keep_text_numbers_and_nulls_when_bulk_inserted(moutai):
    from omniretail.catalog.models import AttributeDefinition

    SkuAttributeValue.objects.filter(sku=moutai).delete()
    abv, origin = (AttributeDefinition.objects.get(code=c).pk for c in ("abv", "origin"))
    bulkload.insert_rows(
        SkuAttributeValue._meta.db_table,
        ("sku_id", "attribute_id", "value_text", "value_number"),
        [(moutai.pk, abv, "", 53), (moutai.pk, origin, "00123", None)],
    )
    rows = dict(
        SkuAttributeValue.objects.filter(sku=moutai).values_list("attribute_id", "value_number")
    )
    assert rows == {abv: 53, origin: None}
    # text that looks like a number stays text
    assert SkuAttributeValue.objects.get(sku=moutai, attribute_id=origin).value_text == "00123"


def test_indexes_and_foreign_keys_are_back_when_a_deferred_load_ends(moutai):
    sku = moutai
    before = (bulkload._plain_indexes(TABLES), bulkload._foreign_keys(TABLES))
    with bulkload.indexes_deferred(*TABLES):
        bulkload.insert_rows(SearchToken._meta.db_table, ("token", "sku_id"), [("k:x1", sku.pk)])
    after = (bulkload._plain_indexes(TABLES), bulkload._foreign_keys(TABLES))
    assert sorted(after[0]) == sorted(before[0]) and after[0]
    assert sorted(after[1]) == sorted(before[1])
    if connection.vendor == "postgresql":
        assert before[1], "the token table's key to its SKU"


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_row_pointing_nowhere_fails_the_load_when_postgresql_re_adds_the_keys(catalog):
    # In a savepoint: PostgreSQL rolls the dropped keys and indexes back with it.
    with pytest.raises(IntegrityError), transaction.atomic(), bulkload.indexes_deferred(*TABLES):
        bulkload.insert_rows(SearchToken._meta.db_table, ("token", "sku_id"), [("k:x", 10**9)])


def test_each_value_of_a_group_becomes_one_row_when_fanned_out(moutai):
    SearchToken.objects.filter(sku=moutai).delete()
    written = bulkload.insert_fanned(
        SearchToken._meta.db_table, "token", "sku_id", [(moutai.pk, ["c:飞天", "k:123", "w:500ml"])]
    )
    assert written == 3
    tokens = sorted(SearchToken.objects.filter(sku=moutai).values_list("token", flat=True))
    assert tokens == ["c:飞天", "k:123", "w:500ml"]
