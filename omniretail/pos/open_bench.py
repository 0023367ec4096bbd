"""``pos-open``: headless Chromium from the login page to a register ready to scan (issue #12)."""

from __future__ import annotations

import time
from typing import Any

from django.db import connection

from omniretail.catalog.models import Sku
from omniretail.catalog.scale_bench import BENCH_PASSWORD, bench_user
from omniretail.core.benchmarking import BenchOptions, benchmark, percentile


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
    connection.close()  # the server's workers open their own
    with running_server(workers=2, threads=4, ready_timeout=240) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            for _round in range(rounds):
                context = browser.new_context(locale="zh-CN")
                page = context.new_page()
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
    return {
        "ops": len(samples),
        "store": store.code,
        "register": register.code,
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
