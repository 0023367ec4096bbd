from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "omniretail.payments"
    label = "payments"
    verbose_name = "Payments"
