from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "omniretail.members"
    label = "members"
    verbose_name = "Members"
