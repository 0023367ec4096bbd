"""The inventory write API in one import: every state change goes through these functions.

They live in concept modules (ledger, movements, reservations, transfers, counts, alerts);
this module re-exports them so callers in other domains need one name.
"""

from __future__ import annotations

from .alerts import scan_near_expiry
from .counts import approve as approve_count
from .counts import ingest_rfid, open_count, record_scans
from .counts import submit as submit_count
from .movements import (
    SaleLine,
    adjust,
    customer_return,
    receive,
    relocate,
    sell,
    sell_many,
    set_policy,
    write_off,
)
from .reservations import release, release_expired_reservations, reserve
from .transfers import approve as approve_transfer
from .transfers import receive as receive_transfer
from .transfers import request_transfer, resolve_discrepancy
from .transfers import ship as ship_transfer

__all__ = [
    "SaleLine",
    "adjust",
    "approve_count",
    "approve_transfer",
    "customer_return",
    "ingest_rfid",
    "open_count",
    "receive",
    "receive_transfer",
    "record_scans",
    "release",
    "release_expired_reservations",
    "relocate",
    "request_transfer",
    "reserve",
    "resolve_discrepancy",
    "scan_near_expiry",
    "sell",
    "sell_many",
    "set_policy",
    "ship_transfer",
    "submit_count",
    "write_off",
]
