from django.apps import AppConfig


class SsoConfig(AppConfig):
    """Sign-in through each organization's identity provider (OpenID Connect)."""

    name = "assess.sso"
    label = "assess_sso"
    verbose_name = "Single sign-on"
    default_auto_field = "django.db.models.BigAutoField"
