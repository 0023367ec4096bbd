"""Search-as-you-type at the till (issue #12): the store's own assortment first.

A cashier types a few characters (Chinese, pinyin, initials, a code or barcode prefix) and sees
the first page of what *this store* carries — the SKUs with a stock row at the store — with
price and free stock; the whole brand catalog is searched only when asked ("all products"),
and what the store does not carry is marked so. Every query is bounded: an empty term reads
nothing, a term longer than ``MAX_QUERY`` characters is refused before any read, a page is at
most ``PAGE_SIZE`` rows, and the catalog's token index does the matching (no LIKE scan)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from omniretail.catalog import pricing
from omniretail.catalog.models import Barcode, LifecycleStatus, PriceKind, SearchToken, Sku
from omniretail.catalog.search import query_terms, search_sku_ids
from omniretail.core import clock
from omniretail.core.errors import CoreError, ValidationFailed
from omniretail.core.models import Store
from omniretail.inventory.models import StockLevel

from .selectors import available_at_store

PAGE_SIZE = 10
MAX_QUERY = 40
MAX_TERMS = 8  # index terms per search; each one is a range read and a join
_PIECE = re.compile(r"[\u3400-\u9fff]+|[0-9A-Za-z][0-9A-Za-z%.\-]*")


@dataclass(frozen=True)
class SearchHit:
    sku_id: int
    code: str
    name: str
    barcode: str  # the single-unit barcode the "add" button scans ("" when the SKU has none)
    price: Decimal | None
    available: int
    carried: bool  # in this store's assortment


@dataclass(frozen=True)
class SearchPage:
    query: str
    hits: list[SearchHit]
    everywhere: bool  # the brand catalog was searched, not only the store's assortment


def clean_query(q: str | None) -> str:
    """The term as searched; refused (422) when longer than ``MAX_QUERY`` characters."""
    text = " ".join((q or "").split())
    if len(text) > MAX_QUERY:
        raise ValidationFailed(
            CoreError.VALIDATION_ERROR,
            _("The search term is too long (at most %(n)s characters).") % {"n": MAX_QUERY},
        )
    return text


def searchable_text(text: str) -> str:
    """``text`` as the index is asked: its Chinese runs and Latin/number words, each once, for
    at most ``MAX_TERMS`` index terms — "茅a茅a茅a…" is "茅 a", not forty joins."""
    pieces: list[str] = []
    for piece in _PIECE.findall(text):
        if piece.lower() in (p.lower() for p in pieces):
            continue
        if len(query_terms(" ".join([*pieces, piece]))) > MAX_TERMS:
            break
        pieces.append(piece)
    return " ".join(pieces)


def _every_term_known(text: str) -> bool:
    """Whether each term of ``text`` prefixes at least one token of the catalog's index: one
    indexed probe per term (at most a handful). A term nothing starts with ("xyz", a mistyped
    code) cannot match, and answering that at once spares the intersection query, which on a
    300,000-SKU catalog walks the whole token index in SKU order when nothing matches."""
    for alternatives in query_terms(text):
        probe = Q()
        for prefix in alternatives:
            probe |= Q(token__gte=prefix, token__lt=prefix + "\uffff")
        if not SearchToken.objects.filter(probe).exists():
            return False
    return True


def _brand_skus(store: Store) -> QuerySet[Sku]:
    return Sku.objects.filter(product__brand_id=store.brand_id, status=LifecycleStatus.ACTIVE)


def _assortment(store: Store) -> QuerySet[Sku]:
    return _brand_skus(store).filter(
        pk__in=StockLevel.objects.filter(location__store_id=store.pk).values("sku_id")
    )


def search_till(
    store: Store, q: str | None, *, everywhere: bool = False, limit: int = PAGE_SIZE
) -> SearchPage:
    """The first page of SKUs matching ``q``: the store's assortment, or — with
    ``everywhere`` — the store's assortment first, then the rest of the brand catalog."""
    text = clean_query(q)
    limit = max(1, min(limit, PAGE_SIZE))
    asked = searchable_text(text)
    if not asked or not _every_term_known(asked):
        return SearchPage(text, [], everywhere)
    ids = search_sku_ids(asked, base=_assortment(store), limit=limit)
    if everywhere and len(ids) < limit:
        seen = set(ids)
        more = search_sku_ids(asked, base=_brand_skus(store), limit=limit + len(ids))
        ids += [i for i in more if i not in seen][: limit - len(ids)]
    return SearchPage(text, _hits(store, ids), everywhere)


def _hits(store: Store, ids: list[int]) -> list[SearchHit]:
    if not ids:
        return []
    skus = {s.pk: s for s in Sku.objects.filter(pk__in=ids).only("pk", "code", "name")}
    barcodes: dict[int, str] = {}
    for sku_id, code in (
        Barcode.objects.filter(sku_id__in=ids, pack_quantity=1)
        .order_by("sku_id", "-is_primary", "pk")
        .values_list("sku_id", "code")
    ):
        barcodes.setdefault(sku_id, code)
    prices = pricing.resolve_prices(
        ids, PriceKind.LIST, store_id=store.pk, channel="pos", at=clock.now()
    )
    carried = set(
        StockLevel.objects.filter(location__store_id=store.pk, sku_id__in=ids).values_list(
            "sku_id", flat=True
        )
    )
    free = available_at_store(store.pk, ids)
    hits = []
    for sku_id in ids:
        sku = skus.get(sku_id)
        if sku is None:
            continue
        price = prices.get(sku_id)
        hits.append(
            SearchHit(
                sku_id=sku_id,
                code=sku.code,
                name=sku.name,
                barcode=barcodes.get(sku_id, ""),
                price=price.amount if price is not None else None,
                available=free.get(sku_id, 0),
                carried=sku_id in carried,
            )
        )
    return hits
