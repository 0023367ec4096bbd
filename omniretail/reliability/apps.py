from django.apps import AppConfig


class ReliabilityConfig(AppConfig):
    """No models: load, fault and crash scenarios run against the real server and services."""

    name = "omniretail.reliability"
    label = "reliability"
    verbose_name = "Reliability"
