from django.apps import AppConfig


class PosConfig(AppConfig):
    name = "omniretail.pos"
    label = "pos"
    verbose_name = "Pos"
