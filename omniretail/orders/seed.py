"""Orders' demo data. The sales-history step lives in ``history_seed``; importing it here is
what registers it, since ``omniretail seed`` discovers ``<app>.seed`` modules."""

from . import history_seed  # noqa: F401
