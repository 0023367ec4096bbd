from django.apps import AppConfig


class PromotionsConfig(AppConfig):
    name = "omniretail.promotions"
    label = "promotions"
    verbose_name = "Promotions"
