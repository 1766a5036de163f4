"""Submissions in the admin: find the stuck ones, and force a re-grade of a row that will
not finish (its worker hung, or a message was lost)."""

from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone

from .models import FINAL_STATUSES, Submission


class StuckFilter(admin.SimpleListFilter):
    title = "stuck"
    parameter_name = "stuck"

    def lookups(self, request, model_admin):
        return [("yes", "Not final after 5 minutes")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(status__in=FINAL_STATUSES).filter(
                created_at__lt=timezone.now() - timedelta(minutes=5)
            )
        return queryset


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "problem",
        "status",
        "verdict",
        "public_only",
        "attempts",
        "queue",
        "worker",
        "created_at",
        "started_at",
        "finished_at",
    ]
    list_filter = [StuckFilter, "status", "public_only", "queue", "problem"]
    search_fields = ["=id", "problem", "worker", "task_id"]
    # Candidate code and reports are evidence: the admin reads them, never edits them.
    readonly_fields = [f.name for f in Submission._meta.fields]
    actions = ["force_regrade"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Force a re-grade of the selected unfinished submissions")
    def force_regrade(self, request, queryset):
        from .sweep import submissions_force_requeue

        ids = list(queryset.exclude(status__in=FINAL_STATUSES).values_list("pk", flat=True))
        skipped = queryset.count() - len(ids)
        sent = submissions_force_requeue(ids)
        self.message_user(request, f"{sent} submission(s) sent to grading again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} final submission(s) left alone: re-grade those from the review "
                "dashboard, which keeps their previous result.",
                messages.WARNING,
            )
