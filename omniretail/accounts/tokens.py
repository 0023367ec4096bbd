"""Bearer tokens for API clients and registered devices (POS terminals, scanners, sensors)."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "omr_"


def new_token() -> tuple[str, str, str]:
    """Return (token shown once, its 8-character prefix, its SHA-256 hex)."""
    raw = PREFIX + secrets.token_urlsafe(32)
    return raw, raw[len(PREFIX) : len(PREFIX) + 8], hash_token(raw)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
