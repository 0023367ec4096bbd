"""Orders' demo data. The sales-history step lives in ``history_seed``; importing it here is
what registers it, since ``omniretail seed`` discovers ``<app>.seed`` modules."""

from . import (
    fulfilment_seed,  # noqa: F401  (couriers, SLA promises, delivery queue)
    history_seed,  # noqa: F401
)
