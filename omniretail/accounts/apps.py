from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "omniretail.accounts"
    label = "accounts"
    verbose_name = "Accounts"
