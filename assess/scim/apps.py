from django.apps import AppConfig


class ScimConfig(AppConfig):
    """SCIM 2.0 provisioning: an organization's directory creates, updates and removes its
    hiring team's accounts, and its groups give them their roles."""

    name = "assess.scim"
    label = "assess_scim"
    verbose_name = "SCIM provisioning"
    default_auto_field = "django.db.models.BigAutoField"
