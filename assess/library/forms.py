"""The library's forms: one question's YAML, an uploaded bank file, the admin's settings."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from assess.orgs.models import Organization, Role
from assess.strictinput import validate_single_line, validate_storable_text

from .authoring import MAX_IMPORT_CHARS, MAX_SLUG_CHARS, MAX_SOURCE_CHARS
from .topics import topic_id_problem


class SourceForm(forms.Form):
    source = forms.CharField(
        label="The question, in the bank's YAML",
        widget=forms.Textarea(
            attrs={"rows": 24, "spellcheck": "false", "wrap": "off", "class": "yaml-source"}
        ),
        max_length=MAX_SOURCE_CHARS,
        strip=False,
        error_messages={"required": "Write the question in YAML: the text is empty."},
    )


class ImportForm(forms.Form):
    file = forms.FileField(label="A bank file (.yaml)")

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_CHARS:
            raise forms.ValidationError(f"The file is over {MAX_IMPORT_CHARS} bytes.")
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text.") from None


class PolicyForm(forms.Form):
    review_required = forms.BooleanField(
        label="A second person reviews each question before it is published", required=False
    )
    authors = forms.ModelMultipleChoiceField(
        label="Recruiters who may write questions (admins always may)",
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authors"].queryset = (
            get_user_model()
            .objects.filter(
                memberships__organization=organization, memberships__role=Role.RECRUITER
            )
            .order_by("username")
        )


def _topic_id(value: str) -> None:
    problem = topic_id_problem(value)
    if problem:
        raise forms.ValidationError(problem)


class TopicForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, validators=[validate_single_line])
    description = forms.CharField(
        label="Description",
        max_length=2000,
        required=False,
        validators=[validate_storable_text],
        widget=forms.Textarea({"rows": 2}),
    )


class NewTopicForm(TopicForm):
    slug = forms.CharField(
        label="Id (questions name it as their topic)",
        max_length=MAX_SLUG_CHARS,
        validators=[_topic_id],
    )
    field_order = ["slug", "title", "description"]
