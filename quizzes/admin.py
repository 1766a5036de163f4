"""The bank in the Django admin: filters, search, a rendered preview, and a YAML editor
that goes through the same validation as `loadbank` and saves a new version."""

import yaml
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .bankfiles import (
    BankError,
    pool_moves,
    question_from_yaml,
    question_to_file_entry,
    save_question,
)
from .item_statistics import question_retire, question_return, statistics_rows
from .models import (
    AssessmentStatistics,
    ExposureParameters,
    ItemStatistics,
    PracticeRun,
    Question,
    QuestionVersion,
    Topic,
)
from .questions import candidate_view, correct_answer_text
from .yamlio import dump_text

PREVIEW_SEED = 12345


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "position", "question_count")
    search_fields = ("title", "slug")

    @admin.display(description="questions")
    def question_count(self, topic: Topic) -> int:
        return topic.questions.filter(is_active=True).count()


class QuestionForm(forms.ModelForm):
    content_yaml = forms.CharField(
        label="Question (YAML)",
        widget=forms.Textarea(attrs={"rows": 28, "cols": 100, "style": "font-family: monospace"}),
        help_text="The question as it is written in a bank file (see quizzes/bank/README.md). "
        "Saving a change stores a new version; past attempts keep the old one.",
    )

    class Meta:
        model = Question
        fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk and instance.latest_version:
            entry = question_to_file_entry(
                instance.latest_version.content, instance.pool, instance.excludes
            )
            self.fields["content_yaml"].initial = dump_text(entry)

    def clean_content_yaml(self):
        text = self.cleaned_data["content_yaml"]
        try:
            item = question_from_yaml(text)
        except BankError as exc:
            raise forms.ValidationError([str(issue) for issue in exc.issues]) from None
        if self.instance.pk and item.key != self.instance.key:
            raise forms.ValidationError(
                f"the id cannot change here (it is {self.instance.key!r}); add a new question instead"
            )
        if not self.instance.pk and Question.objects.filter(key=item.key).exists():
            raise forms.ValidationError(f"a question with id {item.key!r} already exists")
        moves = pool_moves([item])
        if moves:
            raise forms.ValidationError([issue.message for issue in moves])
        self.bank_question = item
        return text


class VersionInline(admin.TabularInline):
    model = QuestionVersion
    fields = ("number", "created_at", "content_hash")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ExposureFilter(admin.SimpleListFilter):
    title = "exposure"
    parameter_name = "exposure"

    def lookups(self, request, model_admin):
        return [("over", f"Seen by more than {settings.QUIZZES_EXPOSURE_LIMIT} candidates")]

    def queryset(self, request, queryset):
        if self.value() == "over" and settings.QUIZZES_EXPOSURE_LIMIT:
            return queryset.filter(seen_by__gt=settings.QUIZZES_EXPOSURE_LIMIT)
        return queryset


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    form = QuestionForm
    list_display = (
        "key",
        "kind",
        "topic",
        "level",
        "version_number",
        "seen_by",
        "seen_in_organizations",
        "is_active",
        "pool",
    )
    list_filter = (
        "topic",
        "level",
        "kind",
        "is_active",
        "retired_in_admin",
        ExposureFilter,
        "pool",
    )
    search_fields = ("key", "latest_version__content__prompt")
    readonly_fields = (
        "preview",
        "statistics",
        "source_file",
        "is_active",
        "retired_in_admin",
        "seen_by",
        "seen_in_organizations",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "preview",
                    "statistics",
                    "content_yaml",
                    "source_file",
                    "is_active",
                    "retired_in_admin",
                    "seen_by",
                    "seen_in_organizations",
                )
            },
        ),
    )
    inlines = (VersionInline,)
    list_select_related = ("topic", "latest_version")
    actions = ("retire", "return_to_bank")

    @admin.display(description="Item statistics (every assessment)")
    def statistics(self, question: Question) -> str:
        rows = statistics_rows(None).filter(version__question=question)
        if not rows:
            return "No submitted attempts yet."
        return format_html_join(
            mark_safe("<br>"),  # noqa: S308 - a literal
            "v{}{}: {} responses, facility {}, discrimination {} {}",
            (
                (
                    row.version.number,
                    f" ({row.variant})" if row.variant else "",
                    row.responses,
                    "—" if row.facility is None else f"{row.facility:.2f}",
                    "—" if row.discrimination is None else f"{row.discrimination:.2f}",
                    f"[{', '.join(row.flags)}]" if row.flags else "",
                )
                for row in rows
            ),
        )

    @admin.action(description="Retire: stop drawing these questions (kept when the bank reloads)")
    def retire(self, request, queryset) -> None:
        count = question_retire(queryset)
        self.message_user(request, f"{count} question(s) retired.", messages.SUCCESS)

    @admin.action(description="Return retired questions to the bank")
    def return_to_bank(self, request, queryset) -> None:
        count = question_return(queryset)
        self.message_user(request, f"{count} question(s) returned to the bank.", messages.SUCCESS)

    @admin.display(description="version")
    def version_number(self, question: Question) -> int | None:
        return question.latest_version.number if question.latest_version else None

    @admin.display(description="Preview (as a candidate sees it, then the key)")
    def preview(self, question: Question) -> str:
        version = question.latest_version
        if version is None:
            return "—"
        return mark_safe(  # noqa: S308 - an autoescaped template of our own
            render_to_string(
                "quizzes/admin_preview.html",
                {
                    "view": candidate_view(version, PREVIEW_SEED),
                    "content": version.content,
                    "key": correct_answer_text(version, PREVIEW_SEED),
                    "seed": PREVIEW_SEED,
                },
            ),
        )

    def save_model(self, request, obj: Question, form: QuestionForm, change: bool) -> None:
        item = form.bank_question
        topic = Topic.objects.get(slug=item.topic)
        question, _, _ = save_question(item, topic)
        form.instance = question
        obj.pk = question.pk

    def has_delete_permission(self, request, obj=None) -> bool:
        # Attempts point at versions: retire questions by removing them from the files.
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows nobody edits by hand: versions (attempts point at them) and the computed
    figures the statistics task recomputes."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(QuestionVersion)
class QuestionVersionAdmin(ReadOnlyAdmin):
    list_display = ("question", "number", "created_at")
    search_fields = ("question__key",)
    readonly_fields = ("question", "number", "content_pretty", "content_hash", "created_at")
    exclude = ("content",)

    @admin.display(description="content")
    def content_pretty(self, version: QuestionVersion) -> str:
        return format_html(
            "<pre>{}</pre>", yaml.safe_dump(version.content, sort_keys=False, allow_unicode=True)
        )


@admin.register(PracticeRun)
class PracticeRunAdmin(admin.ModelAdmin):
    list_display = ("token_prefix", "topic", "level", "created_at", "finished_at")
    list_filter = ("level", "topic")
    readonly_fields = ("token", "topic", "level", "items", "answers", "created_at", "finished_at")

    @admin.display(description="run")
    def token_prefix(self, run: PracticeRun) -> str:
        return run.token[:8]

    def has_add_permission(self, request) -> bool:
        return False


class DubiousFilter(admin.SimpleListFilter):
    title = "dubious"
    parameter_name = "dubious"

    def lookups(self, request, model_admin):
        return [("yes", "Flagged"), ("no", "Not flagged")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(flags=[])
        if self.value() == "no":
            return queryset.filter(flags=[])
        return queryset


@admin.register(ItemStatistics)
class ItemStatisticsAdmin(ReadOnlyAdmin):
    list_display = (
        "version",
        "variant",
        "scope",
        "responses",
        "facility",
        "discrimination",
        "discriminative_efficiency",
        "median_seconds",
        "flag_list",
    )
    list_filter = (DubiousFilter, "version__question__kind", "version__question__level")
    search_fields = ("version__question__key",)
    list_select_related = ("version__question",)

    @admin.display(description="attempts from")
    def scope(self, row: ItemStatistics) -> str:
        return (
            "every assessment" if row.assessment_id is None else f"assessment {row.assessment_id}"
        )

    @admin.display(description="flags")
    def flag_list(self, row: ItemStatistics) -> str:
        return ", ".join(row.flags)


@admin.register(AssessmentStatistics)
class AssessmentStatisticsAdmin(ReadOnlyAdmin):
    list_display = (
        "title",
        "assessment_id",
        "attempts",
        "items_per_attempt",
        "mean_percent",
        "alpha",
        "sem_percent",
        "computed_at",
    )


@admin.register(ExposureParameters)
class ExposureParametersAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "created_at",
        "target",
        "simulated_max_exposure",
        "iterations",
        "converged",
    )
    readonly_fields = (
        "calibration_id",
        "created_at",
        "target",
        "tolerance",
        "simulated_candidates",
        "simulated_max_exposure",
        "iterations",
        "converged",
        "k",
    )
