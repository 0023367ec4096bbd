from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "omniretail.web"
    label = "web"
    verbose_name = "Web"
