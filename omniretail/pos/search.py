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
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from omniretail.catalog import pricing
from omniretail.catalog.models import Barcode, LifecycleStatus, PriceKind, SearchToken, Sku
from omniretail.catalog.search import query_terms, search_sku_ids
from omniretail.core import clock
from omniretail.core.errors import CoreError, ValidationFailed
from omniretail.core.models import Location, LocationKind, Store
from omniretail.inventory.models import StockLevel

from .selectors import available_at_store

PAGE_SIZE = 10
MAX_QUERY = 40
SELECTIVE = 1000  # a term prefixing at most this many index rows drives the search
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


def _term_q(alternatives: list[str], field: str = "token") -> Q:
    cond = Q()
    for prefix in alternatives:
        cond |= Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\uffff"})
    return cond


def _term_sizes(terms: list[list[str]]) -> list[tuple[int, list[str]]] | None:
    """Each term with how many index rows it prefixes (counted up to ``SELECTIVE + 1``: one
    bounded index range read per term), most selective first; None as soon as a term prefixes
    nothing — "xyz" or a mistyped code cannot match, and nothing more is read."""
    sized = []
    for alternatives in terms:
        n = SearchToken.objects.filter(_term_q(alternatives))[: SELECTIVE + 1].count()
        if n == 0:
            return None
        sized.append((n, alternatives))
    sized.sort(key=lambda item: item[0])
    return sized


def _store_sku_ids(store: Store, sized: list[tuple[int, list[str]]], limit: int) -> list[int]:
    """The first ``limit`` SKUs of the store's assortment matching every term, in id order."""
    found = store_query(store, sized, limit)
    if found is None:
        return []
    qs, term_driven = found
    if term_driven:
        # At most SELECTIVE rows: sorted here, so that no ORDER BY tempts the planner into
        # walking the whole token table in SKU order instead of the term's index range.
        return sorted(set(qs))[:limit]
    return list(qs)


def store_query(
    store: Store, sized: list[tuple[int, list[str]]], limit: int
) -> tuple[QuerySet[Any], bool] | None:
    """The query of the store's assortment (a stock row on its sales floor, active, of its
    brand) matching every term — SKU ids — and whether a term's index rows drive it.

    Driven by whichever side is smaller: the most selective term's index rows when it has at
    most ``SELECTIVE`` (each candidate checked against the stock index and the other terms), or
    else the floor's stock rows in SKU order, each checked against the terms — which stops at
    the first page when the terms are common, and reads at most the store's assortment (3,000 to
    15,000 rows), never the network's 300,000 SKUs, when they are not. None: no sales floor."""
    locations = _floors(store)
    if not locations:
        return None
    sellable = Sku.objects.filter(
        pk=OuterRef("sku_id"), product__brand_id=store.brand_id, status=LifecycleStatus.ACTIVE
    )
    n, first = sized[0]
    term_driven = n <= SELECTIVE
    if term_driven:
        carried = StockLevel.objects.filter(sku_id=OuterRef("sku_id"), location_id__in=locations)
        qs: QuerySet[Any] = SearchToken.objects.filter(_term_q(first)).filter(
            Exists(carried), Exists(sellable)
        )
        rest = sized[1:]
    else:
        # One floor: its (location, SKU) index is already in SKU order — no sort, the walk
        # stops at the first page.
        qs = StockLevel.objects.filter(location_id__in=locations).filter(Exists(sellable))
        rest = sized
    for _n, alternatives in rest:
        qs = qs.filter(
            Exists(SearchToken.objects.filter(_term_q(alternatives), sku_id=OuterRef("sku_id")))
        )
    ids = qs.values_list("sku_id", flat=True)
    if term_driven:
        return ids, True
    ids = ids.order_by("sku_id")
    if len(locations) > 1:
        ids = ids.distinct()
    return ids[:limit], False


def _brand_sku_ids(
    store: Store, sized: list[tuple[int, list[str]]], limit: int
) -> list[int] | None:
    """The brand's active SKUs matching every term, driven by a rare term's index rows (at
    most ``SELECTIVE``); None when every term is common."""
    n, first = sized[0]
    if n > SELECTIVE:
        return None
    sellable = Sku.objects.filter(
        pk=OuterRef("sku_id"), product__brand_id=store.brand_id, status=LifecycleStatus.ACTIVE
    )
    qs = SearchToken.objects.filter(_term_q(first)).filter(Exists(sellable))
    for _n, alternatives in sized[1:]:
        qs = qs.filter(
            Exists(SearchToken.objects.filter(_term_q(alternatives), sku_id=OuterRef("sku_id")))
        )
    return sorted(set(qs.values_list("sku_id", flat=True)))[:limit]


def _floors(store: Store) -> list[int]:
    """The store's sales floor: what it carries is what has a stock row there (the same
    assortment inventory, labels and the storefront use)."""
    return list(
        Location.objects.filter(store_id=store.pk, kind=LocationKind.STORE_FLOOR).values_list(
            "pk", flat=True
        )
    )


def _exact_hit(store: Store, text: str) -> list[int]:
    """A whole barcode or SKU code typed in full comes first (two unique-index reads)."""
    if " " in text or len(text) < 4:
        return []
    found = Barcode.objects.filter(
        code=text[:14], sku__product__brand_id=store.brand_id
    ).values_list("sku_id", flat=True)[:1]
    return list(found) or list(
        _brand_skus(store).filter(code=text[:40]).values_list("pk", flat=True)[:1]
    )


def _brand_skus(store: Store) -> QuerySet[Sku]:
    return Sku.objects.filter(product__brand_id=store.brand_id, status=LifecycleStatus.ACTIVE)


def search_till(
    store: Store, q: str | None, *, everywhere: bool = False, limit: int = PAGE_SIZE
) -> SearchPage:
    """The first page of SKUs matching ``q``: the store's assortment, or — with
    ``everywhere`` — the store's assortment first, then the rest of the brand catalog."""
    text = clean_query(q)
    limit = max(1, min(limit, PAGE_SIZE))
    asked = searchable_text(text)
    sized = _term_sizes(query_terms(asked)) if asked else None
    if sized is None:
        return SearchPage(text, [], everywhere)
    exact = _exact_hit(store, text)
    if exact and not everywhere:
        floors = _floors(store)
        exact = [
            i for i in exact if StockLevel.objects.filter(sku_id=i, location_id__in=floors).exists()
        ]
    ids = list(dict.fromkeys([*exact, *_store_sku_ids(store, sized, limit)]))
    ids = ids[:limit]
    if everywhere and len(ids) < limit:
        seen = set(ids)
        more = _brand_sku_ids(store, sized, limit + len(ids))
        if more is None:  # only common terms: the catalog's own search
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
        StockLevel.objects.filter(location_id__in=_floors(store), sku_id__in=ids).values_list(
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
