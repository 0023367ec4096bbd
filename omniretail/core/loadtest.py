"""Load against a real server: start `omniretail serve` on a loopback port, drive it with
concurrent HTTP clients (asyncio + httpx; bounded in count and time), report figures.

Only loopback addresses are ever targeted. Shared by every domain's HTTP benchmarks.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from .benchmarking import percentile

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(
    workers: int = 3,
    threads: int = 4,
    env: dict[str, str] | None = None,
    ready_timeout: float = 60,
    log_path: str | None = None,
) -> Iterator[str]:
    """Start the production server (gunicorn workers) and yield its base URL once /healthz
    answers. ``log_path``: a file that receives the server's output (access log included)."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "omniretail.cli",
        "serve",
        "--no-worker",
        "--host",
        LOOPBACK,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    log = open(log_path, "ab") if log_path else None  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(  # noqa: S603
        cmd,
        env={**os.environ, **(env or {})},
        stdout=log or subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://{LOOPBACK}:{port}"
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early with code {proc.returncode}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not become healthy in time")
            time.sleep(0.2)
        yield base
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        if log is not None:
            log.close()


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    status_counts: dict[str, int] = field(default_factory=dict)

    def figures(self) -> dict[str, Any]:
        s = self.latencies_ms
        return {
            "ops": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "throughput_per_s": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(percentile(s, 50), 2),
            "p95_ms": round(percentile(s, 95), 2),
            "p99_ms": round(percentile(s, 99), 2),
            "status_counts": dict(sorted(self.status_counts.items())),
        }


Request = tuple[str, str, dict[str, Any] | None]  # method, path, JSON body


async def _drive(
    base: str,
    headers: dict[str, str],
    next_request: Callable[[int], Request],
    total: int,
    concurrency: int,
    max_seconds: float,
    ok: Callable[[int], bool],
) -> LoadResult:
    result = LoadResult()
    counter = {"i": 0}
    deadline = time.perf_counter() + max_seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, timeout=30, limits=limits
    ) as client:

        async def worker() -> None:
            while counter["i"] < total and time.perf_counter() < deadline:
                i = counter["i"]
                counter["i"] += 1
                method, path, body = next_request(i)
                start = time.perf_counter()
                try:
                    response = await client.request(method, path, json=body)
                    code = str(response.status_code)
                    failed = not ok(response.status_code)
                except httpx.HTTPError as exc:
                    code, failed = type(exc).__name__, True
                result.latencies_ms.append((time.perf_counter() - start) * 1000)
                result.requests += 1
                result.errors += int(failed)
                result.status_counts[code] = result.status_counts.get(code, 0) + 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - start
    return result


def drive(
    base: str,
    *,
    token: str,
    next_request: Callable[[int], Request],
    total: int,
    concurrency: int,
    max_seconds: float = 120,
    ok: Callable[[int], bool] = lambda code: 200 <= code < 300,
) -> LoadResult:
    if not base.startswith(f"http://{LOOPBACK}:"):
        raise ValueError("load is only ever sent to the loopback server this process started")
    headers = {"Authorization": f"Bearer {token}"}
    return asyncio.run(_drive(base, headers, next_request, total, concurrency, max_seconds, ok))
