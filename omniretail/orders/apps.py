from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "omniretail.orders"
    label = "orders"
    verbose_name = "Orders"
