"""Members settings, read from ``settings.OMNIRETAIL_MEMBERS`` (a dict) with safe defaults.

Kept in this module so the domain works before the shared settings file learns about it:

- ``POINTS_EXPIRY_YEARS`` (1): points earned in year Y expire at the end of year Y + N.
- ``TIER_REVIEW_MONTHS`` (12): rolling spend window and the time between tier reviews.
- ``RETENTION_YEARS`` (3): members inactive this long are anonymised by the retention job.
- ``QR_MAX_AGE_S`` (600): a member QR code is valid this long after it is issued.
- ``POLICY_VERSION`` ("2026-01"): privacy policy version recorded with new consents.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "POINTS_EXPIRY_YEARS": 1,
    "TIER_REVIEW_MONTHS": 12,
    "RETENTION_YEARS": 3,
    "QR_MAX_AGE_S": 600,
    "POLICY_VERSION": "2026-01",
}


def get(name: str) -> Any:
    return getattr(settings, "OMNIRETAIL_MEMBERS", {}).get(name, DEFAULTS[name])
