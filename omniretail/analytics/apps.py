from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "omniretail.analytics"
    label = "analytics"
    verbose_name = "Analytics"
