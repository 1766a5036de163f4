from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Signing in, second factors, security policy and sessions of the hiring team."""

    name = "assess.accounts"
    label = "assess_accounts"
    verbose_name = "Team accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
