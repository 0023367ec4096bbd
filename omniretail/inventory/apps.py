from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "omniretail.inventory"
    label = "inventory"
    verbose_name = "Inventory"
