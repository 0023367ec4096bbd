from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "omniretail.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Each domain registers its invariants, event handlers, benchmarks and seed steps in
        # modules of these names; importing them here makes the registries complete.
        autodiscover_modules("invariants", "handlers", "bench", "seed")
