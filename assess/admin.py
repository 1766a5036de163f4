from django.contrib import admin, messages
from django.urls import reverse

from assess.audit import events
from assess.audit.trail import record_event
from assess.privacy.models import AuditSource, LegalHold
from assess.privacy.services import candidate_erase
from assess.publicurl import public_url

from .hiring.invitations import invitation_create
from .models import (
    Answer,
    Assessment,
    Attempt,
    Invitation,
    ItemCalibration,
    ItemParameter,
    Membership,
    Organization,
    Section,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "candidate_feedback", "gpu_grading", "created_at")
    search_fields = ("name", "slug")
    inlines = (MembershipInline,)

    def save_formset(self, request, form, formset, change):
        """Members added, removed or given another role here are in the audit trail."""
        super().save_formset(request, form, formset, change)
        if formset.model is not Membership:
            return
        org = form.instance
        for m in formset.new_objects:
            record_event(
                events.MEMBER_ADDED,
                request,
                organization=org,
                target=m.user,
                details={"role": m.role},
            )
        for m, fields in formset.changed_objects:
            if "role" in fields:
                record_event(
                    events.ROLE_CHANGED,
                    request,
                    organization=org,
                    target=m.user,
                    details={"role": m.role},
                )
        for m in formset.deleted_objects:
            record_event(
                events.MEMBER_REMOVED,
                request,
                organization=org,
                target=m.user,
                details={"role": m.role},
            )


# --- Assessments, invitations, attempts (scoped to the staff user's organizations) ----------


class OrgScopedAdmin(admin.ModelAdmin):
    """Superusers see everything; other staff only rows of organizations they belong to."""

    org_field = "organization"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.org_field}__memberships__user": request.user})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assessment" and not request.user.is_superuser:
            kwargs["queryset"] = Assessment.objects.filter(
                organization__memberships__user=request.user
            )
        if db_field.name == "organization" and not request.user.is_superuser:
            kwargs["queryset"] = Organization.objects.filter(memberships__user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SectionInline(admin.StackedInline):
    model = Section
    extra = 0
    # Picks (with their order) are edited in the builder, which checks them against the bank.
    exclude = ("questions",)


@admin.register(Assessment)
class AssessmentAdmin(OrgScopedAdmin):
    list_display = ("title", "organization", "time_limit_minutes", "pass_mark", "created_at")
    list_filter = ("organization",)
    search_fields = ("title",)
    inlines = (SectionInline,)


@admin.register(Invitation)
class InvitationAdmin(OrgScopedAdmin):
    list_display = ("candidate_name", "candidate_email", "assessment", "expires_at", "created_at")
    search_fields = ("candidate_name", "candidate_email")
    fields = ("assessment", "candidate_name", "candidate_email", "expires_at")

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # The token exists only now: show the link once; the database keeps its hash.
        invitation, token = invitation_create(
            obj.assessment,
            candidate_name=obj.candidate_name,
            candidate_email=obj.candidate_email,
            expires_at=obj.expires_at,
            created_by=request.user,
        )
        obj.pk = invitation.pk
        obj.token_hash, obj.organization = invitation.token_hash, invitation.organization
        link = public_url(request, reverse("assess:attempt_landing", args=[token]))
        messages.warning(
            request, f"Send this link to {obj.candidate_name}; it is shown only once: {link}"
        )

    # Deleting a candidate here is an erasure (assess.privacy): their data goes the same
    # way, the erasure log that a restore replays gets its line, and a legal hold stops it.
    def has_delete_permission(self, request, obj=None):
        if obj is not None and LegalHold.objects.filter(invitation=obj).exists():
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        candidate_erase(obj, source=AuditSource.ADMIN, actor=request.user)

    def delete_queryset(self, request, queryset):
        for invitation in queryset.exclude(legal_hold__isnull=False):
            candidate_erase(invitation, source=AuditSource.ADMIN, actor=request.user)


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    can_delete = False
    fields = (
        "position",
        "section_title",
        "question_version",
        "revision",
        "saved_at",
        "score",
        "scored_by",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Attempt)
class AttemptAdmin(OrgScopedAdmin):
    list_display = (
        "invitation",
        "status",
        "started_at",
        "submitted_at",
        "score_percent",
        "passed",
        "level_estimate",
    )
    list_filter = ("status", "passed", "level_estimate")
    readonly_fields = (
        "organization",
        "invitation",
        "assessment",
        "status",
        "started_at",
        "deadline",
        "submitted_at",
        "submit_reason",
        "score_percent",
        "passed",
        "level_estimate",
        "graded_at",
    )
    inlines = (AnswerInline,)

    def has_add_permission(self, request):
        return False


# --- Item parameters (bank-wide, fitted from every organization's answers: read-only) ------


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ItemParameterInline(admin.TabularInline):
    model = ItemParameter
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "question",
        "level",
        "difficulty",
        "difficulty_se",
        "discrimination",
        "discrimination_se",
        "responses",
    )

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ItemCalibration)
class ItemCalibrationAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "created_at",
        "candidates",
        "responses",
        "converged",
        "junior_cut",
        "mid_cut",
        "senior_cut",
    )
    readonly_fields = (
        "created_at",
        "candidates",
        "responses",
        "converged",
        "iterations",
        "junior_cut",
        "mid_cut",
        "senior_cut",
        "priors",
    )
    inlines = (ItemParameterInline,)


@admin.register(ItemParameter)
class ItemParameterAdmin(ReadOnlyAdmin):
    list_display = (
        "question",
        "calibration",
        "level",
        "difficulty",
        "difficulty_se",
        "discrimination",
        "responses",
    )
    list_filter = ("calibration", "level")
    search_fields = ("question__key",)
    list_select_related = ("question", "calibration")
