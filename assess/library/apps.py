from django.apps import AppConfig


class LibraryConfig(AppConfig):
    """Organizations' own questions: written, reviewed, versioned and kept private."""

    name = "assess.library"
    label = "assess_library"
    verbose_name = "Question libraries"
    default_auto_field = "django.db.models.BigAutoField"
