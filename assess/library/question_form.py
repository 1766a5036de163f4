"""Writing a choice, numeric or written question with a form instead of YAML.

The form's fields become the bank's YAML (`QuestionForm.source`), which the library then
checks, previews and stores exactly as YAML typed by hand: the bank's validator is the only
judge of a question, the form only of its own fields' shapes (numbers are numbers, text is
storable). A stored question comes back into the form (`form_initial`) when the form can
show all of it; one that uses more (a param drawn from a list, a quantity answer, a coding
problem) is edited as YAML.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from assess.orgs.models import Organization
from assess.strictinput import validate_single_line, validate_storable_text
from quizzes.bankvalidate import COMMON_FIELDS, KIND_RULES, MAX_TEXT
from quizzes.models import Kind, Level
from quizzes.yamlio import dump_text

from .authoring import MAX_SLUG_CHARS, MAX_SOURCE_CHARS, author_key, parse_yaml
from .topics import topics_for

FORM_KINDS = (Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE, Kind.NUMERIC, Kind.WRITTEN)
CHOICE_ROWS = 8  # the bank's most choices
PARAM_ROWS = 6
RUBRIC_ROWS = 6
ROW_NAMES = {"choice": "Choice", "param": "Value", "rubric": "Criterion"}
PARAM_KINDS = (("uniform", "decimal"), ("integer", "whole number"))


def _text(label: str, *, rows: int = 0, limit: int = MAX_TEXT, help_text: str = "") -> forms.Field:
    if rows:
        widget = forms.Textarea(attrs={"rows": rows})
        validators = [validate_storable_text]
    else:
        widget, validators = forms.TextInput(), [validate_single_line]
    return forms.CharField(
        label=label,
        required=False,
        max_length=limit,
        widget=widget,
        validators=validators,
        help_text=help_text,
    )


class QuestionForm(forms.Form):
    """One question of a `FORM_KINDS` kind; rows left blank are not part of it."""

    slug = forms.CharField(
        label="Id",
        max_length=MAX_SLUG_CHARS,
        required=False,
        validators=[validate_single_line],
        help_text="3-60 characters of a-z, 0-9 and '-'; it cannot change once saved.",
    )
    kind = forms.ChoiceField(
        choices=[(k, Kind(k).label) for k in FORM_KINDS], widget=forms.HiddenInput
    )
    topic = forms.ChoiceField(label="Topic")
    level = forms.ChoiceField(label="Level", choices=Level.choices)
    prompt = _text("Prompt (Markdown)", rows=5)
    explanation = _text("Explanation, shown after the test (Markdown)", rows=3)
    excludes = _text(
        "Never in the same test as",
        limit=1000,
        help_text="Ids of questions that give this one away, separated by commas.",
    )
    # numeric
    formula = _text("Answer formula", limit=500, help_text="e.g. (x - mu) / sqrt(var)")
    tolerance_abs = forms.FloatField(label="Allowed error, absolute", required=False, min_value=0)
    tolerance_rel = forms.FloatField(label="Allowed error, relative", required=False, min_value=0)
    answer_decimals = forms.IntegerField(
        label="Decimals shown in the key", required=False, min_value=0, max_value=10
    )
    # written
    expected_answer = _text("A model answer, for the reviewer", rows=4)
    recruiter_signal = _text("What a good answer tells the hiring team", limit=300)
    max_words = forms.IntegerField(
        label="Most words a candidate may write", required=False, min_value=20, max_value=2000
    )

    def __init__(self, *args, organization: Organization, fixed_slug: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_slug = fixed_slug
        if fixed_slug is not None:
            self.fields["slug"].disabled = True
            self.fields["slug"].initial = fixed_slug
        self.fields["topic"].choices = [
            (author_key(organization.pk, t.slug) if t.private else t.slug, t.title)
            for t in topics_for(organization)
        ]
        for i in range(1, CHOICE_ROWS + 1):
            self.fields[f"choice_{i}_text"] = _text("text", limit=2000)
            self.fields[f"choice_{i}_correct"] = forms.BooleanField(label="correct", required=False)
        for i in range(1, PARAM_ROWS + 1):
            self.fields[f"param_{i}_name"] = forms.RegexField(
                label="name",
                regex=r"^[a-z_][a-z0-9_]{0,29}$",
                required=False,
                error_messages={"invalid": "A name is a-z, 0-9 and _, not starting with a digit."},
            )
            self.fields[f"param_{i}_kind"] = forms.ChoiceField(
                label="drawn as", choices=PARAM_KINDS, required=False
            )
            self.fields[f"param_{i}_low"] = forms.FloatField(label="from", required=False)
            self.fields[f"param_{i}_high"] = forms.FloatField(label="to", required=False)
            self.fields[f"param_{i}_decimals"] = forms.IntegerField(
                label="decimals", required=False, min_value=0, max_value=8
            )
        for i in range(1, RUBRIC_ROWS + 1):
            self.fields[f"rubric_{i}_points"] = forms.IntegerField(
                label="points", required=False, min_value=1, max_value=100
            )
            self.fields[f"rubric_{i}_criterion"] = _text("criterion", limit=1000)

    def rows(self, prefix: str, count: int, names: tuple[str, ...]) -> list[list[forms.BoundField]]:
        """The bound fields of each row, for the template."""
        return [[self[f"{prefix}_{i}_{n}"] for n in names] for i in range(1, count + 1)]

    def choice_rows(self):
        return self.rows("choice", CHOICE_ROWS, ("text", "correct"))

    def param_rows(self):
        return self.rows("param", PARAM_ROWS, ("name", "kind", "low", "high", "decimals"))

    def rubric_rows(self):
        return self.rows("rubric", RUBRIC_ROWS, ("points", "criterion"))

    def error_summary(self) -> list[str]:
        """Every error, each after its field's label (the page lists them above the form)."""
        found = [str(e) for e in self.non_field_errors()]
        for name, errors in self.errors.items():
            if name != "__all__":
                found += [f"{self._where(name)}: {e}" for e in errors]
        return found

    def _where(self, name: str) -> str:
        """A field's label, with its row for a choice, a value or a criterion."""
        row, _, rest = name.partition("_")
        number, _, _ = rest.partition("_")
        if row in ROW_NAMES and number.isdigit():
            return f"{ROW_NAMES[row]} {number} ({self.fields[name].label})"
        return str(self.fields[name].label)

    def clean(self) -> dict:
        data = super().clean()
        for i in range(1, CHOICE_ROWS + 1):
            if data.get(f"choice_{i}_correct") and not data.get(f"choice_{i}_text", "").strip():
                self.add_error(f"choice_{i}_text", "A choice marked correct needs its text.")
        for i in range(1, PARAM_ROWS + 1):
            given = [data.get(f"param_{i}_{n}") for n in ("low", "high", "decimals")]
            name = data.get(f"param_{i}_name")
            if not name and any(v is not None for v in given):
                self.add_error(f"param_{i}_name", "Name this value, or clear its row.")
            if name and (given[0] is None or given[1] is None):
                self.add_error(f"param_{i}_name", f"Give the range {name} is drawn from.")
            if data.get(f"param_{i}_kind") == "integer" and any(
                v is not None and not float(v).is_integer() for v in given[:2]
            ):
                self.add_error(f"param_{i}_name", f"{name or 'This value'} is a whole number.")
        for i in range(1, RUBRIC_ROWS + 1):
            points = data.get(f"rubric_{i}_points")
            criterion = data.get(f"rubric_{i}_criterion", "").strip()
            if (points is None) != (not criterion):
                self.add_error(
                    f"rubric_{i}_criterion", "A criterion needs its points and its text."
                )
        return data

    def question(self) -> dict[str, Any]:
        """The question as the bank's YAML holds it (call once the form is valid)."""
        data = self.cleaned_data
        kind = data["kind"]
        question: dict[str, Any] = {
            "id": self.fixed_slug if self.fixed_slug is not None else data["slug"].strip(),
            "kind": kind,
            "topic": data["topic"],
            "level": data["level"],
            "prompt": _block(data["prompt"]),
        }
        excludes = [e.strip() for e in data["excludes"].split(",") if e.strip()]
        if excludes:
            question["excludes"] = excludes
        if kind in (Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE):
            question["choices"] = [
                {"text": text, "correct": bool(data[f"choice_{i}_correct"])}
                for i in range(1, CHOICE_ROWS + 1)
                if (text := data[f"choice_{i}_text"].strip())
            ]
        elif kind == Kind.NUMERIC:
            question["params"] = {
                data[f"param_{i}_name"]: _param(data, i)
                for i in range(1, PARAM_ROWS + 1)
                if data[f"param_{i}_name"]
            }
            question["answer"] = {"formula": data["formula"].strip()}
            question["tolerance"] = {
                key: data[f"tolerance_{key}"]
                for key in ("abs", "rel")
                if data[f"tolerance_{key}"] is not None
            }
            if data["answer_decimals"] is not None:
                question["answer_decimals"] = data["answer_decimals"]
        else:
            question["expected_answer"] = _block(data["expected_answer"])
            question["rubric"] = [
                {"points": data[f"rubric_{i}_points"], "criterion": criterion}
                for i in range(1, RUBRIC_ROWS + 1)
                if (criterion := data[f"rubric_{i}_criterion"].strip())
            ]
            question["recruiter_signal"] = data["recruiter_signal"].strip()
            if data["max_words"] is not None:
                question["max_words"] = data["max_words"]
        question["explanation"] = _block(data["explanation"])
        return question

    def source(self) -> str:
        return dump_text(self.question())


def _block(text: str) -> str:
    """Text as the bank writes it: Windows line ends made plain, one final newline."""
    text = text.replace("\r\n", "\n").strip()
    return text + "\n" if "\n" in text else text


def _param(data: Mapping, i: int) -> dict:
    kind = data[f"param_{i}_kind"] or "uniform"
    low, high = data[f"param_{i}_low"], data[f"param_{i}_high"]
    if kind == "integer":
        return {"integer": [int(low), int(high)]}
    spec: dict[str, Any] = {"uniform": [low, high]}
    if data[f"param_{i}_decimals"] is not None:
        spec["decimals"] = data[f"param_{i}_decimals"]
    return spec


def form_initial(source: str) -> dict | None:
    """The form's fields for a question stored as `source`, or None when the form cannot
    show all of it (it is edited as YAML then)."""
    raw, errors = parse_yaml(source, limit=MAX_SOURCE_CHARS)
    if errors or not isinstance(raw, Mapping) or raw.get("kind") not in FORM_KINDS:
        return None
    kind = raw["kind"]
    # Fields beyond the bank's for the kind are left to YAML, whose check names them.
    if set(raw) - set(COMMON_FIELDS) - set(KIND_RULES[kind].fields):
        return None
    try:
        initial = _common_initial(raw) | _KIND_INITIAL[kind](raw)
    except (TypeError, ValueError, KeyError, AttributeError):
        return None  # a shape the form has no fields for
    return initial


def _plain_text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise TypeError("not text")
    return str(value).strip()


def _common_initial(raw: Mapping) -> dict:
    excludes = raw.get("excludes", [])
    if not isinstance(excludes, list):
        raise TypeError("excludes")
    return {
        "slug": _plain_text(raw.get("id")),
        "kind": raw["kind"],
        "topic": _plain_text(raw.get("topic")),
        "level": _plain_text(raw.get("level")),
        "prompt": _plain_text(raw.get("prompt")),
        "explanation": _plain_text(raw.get("explanation")),
        "excludes": ", ".join(_plain_text(e) for e in excludes),
    }


def _choices_initial(raw: Mapping) -> dict:
    choices = raw.get("choices", [])
    if not isinstance(choices, list) or len(choices) > CHOICE_ROWS:
        raise ValueError("choices")
    initial = {}
    for i, choice in enumerate(choices, start=1):
        if set(choice) - {"text", "correct"} or not isinstance(choice.get("correct"), bool):
            raise ValueError("choice")
        initial[f"choice_{i}_text"] = _plain_text(choice.get("text"))
        initial[f"choice_{i}_correct"] = choice["correct"]
    return initial


def _numeric_initial(raw: Mapping) -> dict:
    params, answer = raw.get("params", {}), raw.get("answer", {})
    tolerance = raw.get("tolerance", {})
    if len(params) > PARAM_ROWS or set(answer) != {"formula"} or set(tolerance) - {"abs", "rel"}:
        raise ValueError("numeric")
    initial = {
        "formula": _plain_text(answer["formula"]),
        "tolerance_abs": tolerance.get("abs"),
        "tolerance_rel": tolerance.get("rel"),
        "answer_decimals": raw.get("answer_decimals"),
    }
    for i, (name, spec) in enumerate(params.items(), start=1):
        kind = next(iter(spec)) if spec else None
        if kind not in ("uniform", "integer") or set(spec) - {kind, "decimals"}:
            raise ValueError("param")
        low, high = spec[kind]
        initial |= {
            f"param_{i}_name": _plain_text(name),
            f"param_{i}_kind": kind,
            f"param_{i}_low": low,
            f"param_{i}_high": high,
            f"param_{i}_decimals": spec.get("decimals"),
        }
    return initial


def _written_initial(raw: Mapping) -> dict:
    rubric = raw.get("rubric", [])
    if not isinstance(rubric, list) or len(rubric) > RUBRIC_ROWS:
        raise ValueError("rubric")
    initial = {
        "expected_answer": _plain_text(raw.get("expected_answer")),
        "recruiter_signal": _plain_text(raw.get("recruiter_signal")),
        "max_words": raw.get("max_words"),
    }
    for i, row in enumerate(rubric, start=1):
        if set(row) - {"points", "criterion"}:
            raise ValueError("rubric row")
        initial[f"rubric_{i}_points"] = row.get("points")
        initial[f"rubric_{i}_criterion"] = _plain_text(row.get("criterion"))
    return initial


_KIND_INITIAL = {
    Kind.SINGLE_CHOICE: _choices_initial,
    Kind.MULTIPLE_CHOICE: _choices_initial,
    Kind.NUMERIC: _numeric_initial,
    Kind.WRITTEN: _written_initial,
}
