"""Registry of invariants that ``omniretail check-invariants`` verifies.

Each domain registers functions in its ``invariants.py``; a function yields one human-readable
line per breach and nothing when the data is sound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Check = Callable[[], Iterable[str]]
_registry: dict[str, Check] = {}


def invariant(name: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        _registry[name] = fn
        return fn

    return register


def registered() -> dict[str, Check]:
    return dict(sorted(_registry.items()))


def check_all(limit_per_check: int = 50) -> dict[str, list[str]]:
    results: dict[str, list[str]] = {}
    for name, fn in registered().items():
        breaches: list[str] = []
        for line in fn():
            breaches.append(line)
            if len(breaches) >= limit_per_check:
                breaches.append("… (more not shown)")
                break
        results[name] = breaches
    return results
