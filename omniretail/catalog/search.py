"""Catalog search over our own token table (pitfalls.md: FTS5 trigram misses 2-char Chinese
queries and pg_trgm ignores CJK in a C-locale database).

Tokens per SKU, each with a one-letter namespace:
- ``c:`` Chinese character pairs, plus the last character of each run (so a single-character
  query is a prefix match over pairs);
- ``p:`` full pinyin from each character to the end of its run ("maotaifeitian"), so any
  pinyin prefix starting at a character boundary matches ("mao", "maotai", "feitian");
- ``i:`` pinyin initials the same way ("mtft"), so "mt" finds 茅台;
- ``w:`` lower-cased Latin/number words ("500ml", "53%vol");
- ``k:`` codes: SKU code, product code, barcodes.
Every query term becomes a range scan ``token >= t AND token < t + U+FFFF`` on one B-tree
index, identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from pypinyin import lazy_pinyin

from .models import Barcode, SearchToken, Sku

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[0-9A-Za-z][0-9A-Za-z%.\-]*")
_MAX = 60
_HIGH = "\uffff"


@lru_cache(maxsize=65536)
def _pinyin(run: str) -> tuple[list[str], list[str]]:
    full = lazy_pinyin(run, errors="ignore")
    if len(full) != len(run):
        full = [
            lazy_pinyin(ch, errors="ignore")[0] if lazy_pinyin(ch, errors="ignore") else ""
            for ch in run
        ]
    initials = [p[:1] for p in full]
    return full, initials


def text_tokens(text: str) -> set[str]:
    tokens: set[str] = set()
    runs = _CJK_RUN.findall(text)
    for run in runs:
        for i in range(len(run) - 1):
            tokens.add("c:" + run[i : i + 2])
        tokens.add("c:" + run[-1])
    # Pinyin runs across spaces ("贵州茅台 飞天" → "mtft"), as shoppers type it.
    chars = "".join(runs)
    if chars:
        full, initials = _pinyin(chars)
        for i in range(len(chars)):
            tokens.add(("p:" + "".join(full[i : i + 6]))[:_MAX])
            tokens.add(("i:" + "".join(initials[i : i + 12]))[:_MAX])
    for word in _WORD.findall(text):
        tokens.add(("w:" + word.lower())[:_MAX])
    tokens.discard("p:")
    tokens.discard("i:")
    return tokens


def sku_tokens(texts: Iterable[str], codes: Iterable[str]) -> set[str]:
    tokens: set[str] = set()
    for text in texts:
        if text:
            tokens |= text_tokens(text)
    for code in codes:
        if code:
            tokens.add(("k:" + code.lower())[:_MAX])
    return tokens


def _sku_texts(sku: Sku) -> list[str]:
    product = sku.product
    brand = product.product_brand
    values = [str(v) for v in (sku.attributes or {}).values() if isinstance(v, str)]
    return [sku.name, sku.short_name, sku.spec, product.name, brand.name if brand else "", *values]


def _sku_codes(sku: Sku, barcodes: Iterable[str]) -> list[str]:
    return [sku.code, sku.product.code, *barcodes]


def reindex_skus(sku_ids: Iterable[int]) -> int:
    """Rebuild the tokens of these SKUs (call inside the writing transaction)."""
    ids = list(sku_ids)
    if not ids:
        return 0
    skus = Sku.objects.filter(pk__in=ids).select_related("product", "product__product_brand")
    codes: dict[int, list[str]] = {}
    for sku_id, code in Barcode.objects.filter(sku_id__in=ids).values_list("sku_id", "code"):
        codes.setdefault(sku_id, []).append(code)
    rows = [
        (token, sku.pk)
        for sku in skus
        for token in sorted(sku_tokens(_sku_texts(sku), _sku_codes(sku, codes.get(sku.pk, []))))
    ]
    table = SearchToken._meta.db_table
    with transaction.atomic():
        SearchToken.objects.filter(sku_id__in=ids).delete()
        with connection.cursor() as cursor:
            # Raw executemany: building ~60 model instances per SKU dominated import time.
            for start in range(0, len(rows), 5000):
                cursor.executemany(
                    f"INSERT INTO {table} (token, sku_id) VALUES (%s, %s)",  # noqa: S608
                    rows[start : start + 5000],
                )
    return len(rows)


MAX_TERMS = 8


def query_terms(q: str) -> list[list[str]]:
    """Each term is a list of alternative token prefixes; a SKU must match every term.

    Repeated pieces are asked once and at most ``MAX_TERMS`` terms are kept: each term is one
    index probe and one join, and a pasted paragraph must not turn into a hundred of them."""
    terms: list[list[str]] = []
    for part in q.strip().lower().split()[:6]:
        for run in _CJK_RUN.findall(part):
            if len(run) == 1:
                terms.append(["c:" + run])
            else:
                terms.extend([["c:" + run[i : i + 2]] for i in range(len(run) - 1)][:8])
        rest = _CJK_RUN.sub(" ", part).split()
        for word in rest:
            word = word[: _MAX - 2]
            if word.isalpha() and word.isascii():
                terms.append(["p:" + word, "i:" + word, "w:" + word, "k:" + word])
            else:
                terms.append(["k:" + word, "w:" + word])
    unique: list[list[str]] = []
    for term in terms:
        if term not in unique:
            unique.append(term)
    return unique[:MAX_TERMS]


def _term_q(alternatives: list[str]) -> Q:
    cond = Q()
    for prefix in alternatives:
        cond |= Q(token__gte=prefix, token__lt=prefix + _HIGH)
    return cond


def search_sku_ids(q: str, *, base: QuerySet[Any] | None = None, limit: int = 20) -> list[int]:
    """SKU ids matching every term of ``q`` (exact code/barcode hits first)."""
    terms = query_terms(q)
    if not terms:
        return []
    exact = q.strip()
    hits: list[int] = []
    if exact and " " not in exact:
        hits = list(
            Barcode.objects.filter(code=exact[:14]).values_list("sku_id", flat=True)[:1]
        ) + list(Sku.objects.filter(code=exact[:40]).values_list("pk", flat=True)[:1])
    # Start from the most selective term: count candidates cheaply (bounded), then intersect.
    sized = []
    for alternatives in terms:
        n = SearchToken.objects.filter(_term_q(alternatives))[:5000].count()
        sized.append((n, alternatives))
    sized.sort(key=lambda item: item[0])
    if sized[0][0] == 0:  # a term nothing starts with: no SKU can match every term
        return _allowed_hits(hits, base)[:limit]
    qs = SearchToken.objects.filter(_term_q(sized[0][1]))
    for _n, alternatives in sized[1:]:
        qs = qs.filter(
            sku_id__in=SearchToken.objects.filter(_term_q(alternatives)).values("sku_id")
        )
    ids = qs.values_list("sku_id", flat=True).distinct()
    if base is not None:
        ids = ids.filter(sku_id__in=base.values("pk"))
    found = list(ids.order_by("sku_id")[: limit * 3])
    ordered = list(dict.fromkeys([*hits, *found]))
    if base is not None and hits:
        allowed = set(base.filter(pk__in=hits).values_list("pk", flat=True))
        ordered = [i for i in ordered if i in allowed or i not in hits]
    return ordered[:limit]


def _allowed_hits(hits: list[int], base: QuerySet[Any] | None) -> list[int]:
    """Exact code/barcode hits the caller may see (all of them without a ``base``)."""
    if base is None or not hits:
        return list(dict.fromkeys(hits))
    allowed = set(base.filter(pk__in=hits).values_list("pk", flat=True))
    return [i for i in dict.fromkeys(hits) if i in allowed]
