from django.apps import AppConfig


class LibraryConfig(AppConfig):
    """Organizations' own questions: written, reviewed, versioned and kept private."""

    name = "assess.library"
    label = "assess_library"
    verbose_name = "Question libraries"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from assess.orgs.models import Organization

        from .coding import forget_builds_of

        post_delete.connect(forget_builds_of, sender=Organization, dispatch_uid="library-builds")
