"""``pos-open``: headless Chromium from the login page to a register ready to scan, and
``pos-search``: the till's search-as-you-type at the store carrying the most SKUs (issue #12)."""

from __future__ import annotations

import random
import time
from typing import Any
from urllib.parse import urlparse

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from omniretail.catalog.models import Sku
from omniretail.catalog.scale_bench import BENCH_PASSWORD, _largest_store, bench_user
from omniretail.core.benchmarking import BenchOptions, Latencies, benchmark, percentile


@benchmark(
    "pos-open",
    "Headless Chromium: login → POS register ready for the first scan (seconds), real server.",
)
def pos_open(options: BenchOptions) -> dict[str, Any]:
    """Starts the production server on a loopback port against the configured database, logs a
    cashier in through the login page, opens (or continues) a shift on a register of the
    largest store with registers, and stops when the barcode field is ready."""
    from playwright.sync_api import sync_playwright

    from omniretail.core.loadtest import running_server
    from omniretail.pos.models import Register
    from omniretail.testing.browser import CHROMIUM, LAUNCH_ARGS

    register = Register.objects.filter(active=True).select_related("store").order_by("pk").first()
    if register is None:
        raise RuntimeError("no POS register: run `omniretail seed` first")
    store = register.store
    user = bench_user("cashier", store)
    rounds = 2 if options.quick else 5
    samples: list[float] = []
    requests: list[dict[str, Any]] = []  # of the first (cold) round: what the browser fetched
    connection.close()  # the server's workers open their own
    with running_server(workers=2, threads=4, ready_timeout=240) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            for _round in range(rounds):
                context = browser.new_context(locale="zh-CN")
                page = context.new_page()
                if _round == 0:
                    page.on("requestfinished", lambda req: requests.append(_request_row(req)))
                start = time.perf_counter()
                page.goto(f"{base}/login/?next=/pos/")
                page.fill("input[name=username]", user.username)
                page.fill("input[name=password]", BENCH_PASSWORD)
                page.press("input[name=password]", "Enter")
                page.wait_for_url("**/pos/**")
                row = page.locator("tr", has_text=register.name).first
                button = row.locator("a.pos-big, button.pos-big").first
                button.click()
                page.wait_for_selector("#pos-barcode", state="visible")
                page.wait_for_function(
                    "() => { const el = document.getElementById('pos-barcode');"
                    " return el && !el.disabled; }"
                )
                samples.append(time.perf_counter() - start)
                context.close()
        finally:
            browser.close()
    documents = [r for r in requests if r["type"] == "document"]
    slowest = max(requests, key=lambda r: r["server_ms"], default=None)
    return {
        "ops": len(samples),
        "store": store.code,
        "register": register.code,
        "requests": len(requests),
        "documents": [f"{r['method']} {r['path']} {r['status']}" for r in documents],
        # each distinct URL once: a page's own assets come from the browser cache on the next
        "bytes": sum({(r["method"], r["path"]): r["bytes"] for r in requests}.values()),
        "slowest_request": f"{slowest['method']} {slowest['path']} {slowest['server_ms']} ms"
        if slowest
        else "",
        "echarts_loaded": any("echarts" in r["path"] for r in requests),
        "active_skus": Sku.objects.filter(status="active").count(),
        "first_open_s": round(samples[0], 2),
        "p50_s": round(percentile(samples, 50), 2),
        "max_s": round(max(samples), 2),
        "p50_ms": round(percentile(samples, 50) * 1000, 1),
        "p95_ms": round(percentile(samples, 95) * 1000, 1),
        "p99_ms": round(percentile(samples, 99) * 1000, 1),
        "target_s": 5,
        "within_target": max(samples) < 5,
    }


def _request_row(req: Any) -> dict[str, Any]:
    """One finished request of the browser: path, status, size and time to first byte."""
    response = req.response()
    timing = req.timing
    try:
        size = int((response.headers if response else {}).get("content-length") or 0)
    except ValueError:
        size = 0
    return {
        "method": req.method,
        "path": urlparse(req.url).path,
        "type": req.resource_type,
        "status": response.status if response else 0,
        "bytes": size,
        "server_ms": round(max(timing["responseStart"] - timing["requestStart"], 0.0), 1),
    }


def _typed_terms(store: Any, n: int, rng: random.Random) -> list[tuple[str, bool]]:
    """What cashiers type, drawn from the store's own assortment: the first 1–4 characters of
    a name, its pinyin initials (2–4 letters), a code prefix; and a few that match nothing or
    only elsewhere — with every fifth asking "all products"."""
    from pypinyin import lazy_pinyin

    from omniretail.inventory.selectors import assortment_sku_ids

    ids = assortment_sku_ids(store.pk, limit=5000)
    picked = rng.sample(ids, min(len(ids), max(1, n)))
    rows = list(Sku.objects.filter(pk__in=picked).values_list("name", "code"))
    terms: list[tuple[str, bool]] = []
    for i in range(n):
        name, code = rows[i % len(rows)]
        kind = i % 4
        if kind == 0:
            term = name[: rng.randint(1, 4)]
        elif kind == 1:
            initials = "".join(p[:1] for p in lazy_pinyin(name, errors="ignore"))
            term = initials[: rng.randint(2, 4)] or name[:2]
        elif kind == 2:
            term = code[: rng.randint(3, max(3, len(code) - 1))]
        else:
            term = rng.choice(["xqzv", "茅台 zz", name[:2] + " 9", "zippo", "1l", "20支"])
        terms.append((term, i % 5 == 4))
    return terms


@benchmark(
    "pos-search",
    "Till search-as-you-type at the store carrying the most SKUs: p50/p95 ms, queries.",
)
def pos_search(options: BenchOptions) -> dict[str, Any]:
    """GET /pos/shift/<id>/search/?term=… through the full Django stack (session, scope,
    template) on a register of the largest store: the store's assortment first, "all products"
    every fifth request."""
    from omniretail.pos import services
    from omniretail.pos.models import Register, Shift, ShiftStatus

    rng = random.Random(12)
    store, assortment = _largest_store()
    user = bench_user("cashier", store)
    register = Register.objects.filter(store=store, code="BS").first() or (
        services.create_register(store_id=store.pk, code="BS", name="search bench")
    )
    shift = Shift.objects.filter(register=register, status=ShiftStatus.OPEN).first() or (
        services.open_shift(register=register, cashier_id=user.pk, opening_float="0")
    )
    client = Client()
    client.force_login(user)
    url = f"/pos/shift/{shift.pk}/search/"
    terms = _typed_terms(store, 100 if options.quick else 600, rng)
    for term, everywhere in terms[:20]:  # warm-up: caches, connection, first-query plans
        client.get(url, {"term": term, **({"all": "1"} if everywhere else {})})
    own, everywhere_lat = Latencies(), Latencies()
    statuses: dict[int, int] = {}
    queries: list[float] = []
    empty = 0
    for term, everywhere in terms:
        lat = everywhere_lat if everywhere else own
        with CaptureQueriesContext(connection) as ctx, lat.measure():
            response = client.get(url, {"term": term, **({"all": "1"} if everywhere else {})})
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        queries.append(float(len(ctx.captured_queries)))
        empty += b'class="pos-hit"' not in response.content
    summary = own.summary()
    return {
        "ops": len(terms),
        "store": store.code,
        "assortment": assortment,
        "active_skus": Sku.objects.filter(status="active").count(),
        "statuses": statuses,
        "empty_pages": empty,
        "queries_p50": round(percentile(queries, 50), 1),
        "queries_max": int(max(queries)),
        "all_products_p50_ms": everywhere_lat.summary()["p50_ms"],
        "all_products_p95_ms": everywhere_lat.summary()["p95_ms"],
        "all_products_max_ms": round(max(everywhere_lat.samples, default=0.0), 1),
        "max_ms": round(max(own.samples, default=0.0), 1),
        **summary,
    }
