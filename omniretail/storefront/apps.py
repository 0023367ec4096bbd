from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "omniretail.storefront"
    label = "storefront"
    verbose_name = "Storefront"
