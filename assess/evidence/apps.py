from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    """Code playback, the test's integrity policy and the reviewer's decision."""

    name = "assess.evidence"
    label = "assess_evidence"
    verbose_name = "Integrity evidence"
    default_auto_field = "django.db.models.BigAutoField"
