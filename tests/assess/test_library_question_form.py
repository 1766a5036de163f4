"""Writing a question with the library's form instead of YAML (assess/library/question_form.py):
each kind the form has becomes the bank's YAML and is checked, previewed and saved as typed
YAML is; a stored question comes back into the form unchanged; one the form cannot show
stays in YAML; hostile input on every field gets a clear error, never a 500, and nothing is
stored; another organization's topics are never offered."""

from __future__ import annotations

import html

import pytest
import yaml
from django.urls import reverse

from assess.library import topics
from assess.library.authoring import STARTERS
from assess.library.models import LibraryItem
from assess.library.question_form import FORM_KINDS, form_initial
from tests.assess import factories
from tests.assess.library_support import make_people


@pytest.fixture
def people(db, django_user_model, org, settings, client):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    factories.make_topics()
    people, other = make_people(django_user_model, org)
    client.force_login(people["admin"])
    topics.topic_create(other, people["other_admin"], slug="their-stack", title="Their stack")
    return people


def _said(response) -> str:
    """The page's text as a person reads it (entities decoded)."""
    return html.unescape(response.content.decode())


def _new(org):
    return reverse("org:library_new", kwargs={"org_slug": org.slug})


def _item(org, item):
    return reverse("org:library_item", kwargs={"org_slug": org.slug, "item_id": item.pk})


COMMON = {
    "editor": "form",
    "topic": "normalization-operation",
    "level": "mid",
    "explanation": "Epsilon keeps the division defined;\nmomentum and gamma do other jobs.",
}
SINGLE = COMMON | {
    "kind": "single_choice",
    "slug": "form-eps",
    "prompt": "What does epsilon in batch norm's denominator guard against?",
    "choice_1_text": "A division by zero when a channel's variance is zero.",
    "choice_1_correct": "on",
    "choice_2_text": "Running statistics that follow the batch too slowly.",
    "choice_4_text": "An output scale that drifts during fine-tuning.",
}
MULTIPLE = COMMON | {
    "kind": "multiple_choice",
    "slug": "form-modes",
    "prompt": "Which of these differ between training and evaluation mode?",
    "choice_1_text": "Which mean and variance normalize the input.",
    "choice_1_correct": "on",
    "choice_2_text": "Whether the running statistics are updated.",
    "choice_2_correct": "on",
    "choice_3_text": "The shape of gamma and beta.",
}
NUMERIC = COMMON | {
    "kind": "numeric",
    "slug": "form-zscore",
    "prompt": "Mean `{mu}`, variance `{var}`, eps 0, batch of `{n}`. Normalize `{x}`.",
    "param_1_name": "x",
    "param_1_kind": "uniform",
    "param_1_low": "1",
    "param_1_high": "5",
    "param_1_decimals": "1",
    "param_2_name": "mu",
    "param_2_kind": "uniform",
    "param_2_low": "0",
    "param_2_high": "1",
    "param_3_name": "var",
    "param_3_kind": "uniform",
    "param_3_low": "1",
    "param_3_high": "4",
    "param_5_name": "n",
    "param_5_kind": "integer",
    "param_5_low": "2",
    "param_5_high": "64",
    "formula": "(x - mu) / sqrt(var) + 0 * n",
    "tolerance_abs": "0.005",
    "answer_decimals": "3",
}
WRITTEN = COMMON | {
    "kind": "written",
    "slug": "form-bias",
    "prompt": "Why is a convolution's bias redundant before batch norm?",
    "expected_answer": "The mean subtraction removes any per-channel constant.",
    "rubric_1_points": "2",
    "rubric_1_criterion": "Says the mean subtraction cancels a per-channel constant.",
    "rubric_3_points": "1",
    "rubric_3_criterion": "Names beta as the bias that remains.",
    "recruiter_signal": "Knows what normalization removes from its input.",
    "max_words": "150",
}
STORED = {
    "single_choice": {
        "id": "form-eps",
        "kind": "single_choice",
        "topic": "normalization-operation",
        "level": "mid",
        "prompt": SINGLE["prompt"],
        "choices": [
            {"text": SINGLE["choice_1_text"], "correct": True},
            {"text": SINGLE["choice_2_text"], "correct": False},
            {"text": SINGLE["choice_4_text"], "correct": False},
        ],
        "explanation": COMMON["explanation"] + "\n",
    },
    "numeric": {
        "id": "form-zscore",
        "kind": "numeric",
        "topic": "normalization-operation",
        "level": "mid",
        "prompt": NUMERIC["prompt"],
        "params": {
            "x": {"uniform": [1.0, 5.0], "decimals": 1},
            "mu": {"uniform": [0.0, 1.0]},
            "var": {"uniform": [1.0, 4.0]},
            "n": {"integer": [2, 64]},
        },
        "answer": {"formula": "(x - mu) / sqrt(var) + 0 * n"},
        "tolerance": {"abs": 0.005},
        "answer_decimals": 3,
        "explanation": COMMON["explanation"] + "\n",
    },
    "written": {
        "id": "form-bias",
        "kind": "written",
        "topic": "normalization-operation",
        "level": "mid",
        "prompt": WRITTEN["prompt"],
        "expected_answer": WRITTEN["expected_answer"],
        "rubric": [
            {"points": 2, "criterion": WRITTEN["rubric_1_criterion"]},
            {"points": 1, "criterion": WRITTEN["rubric_3_criterion"]},
        ],
        "recruiter_signal": WRITTEN["recruiter_signal"],
        "max_words": 150,
        "explanation": COMMON["explanation"] + "\n",
    },
}


@pytest.mark.parametrize("data", [SINGLE, MULTIPLE, NUMERIC, WRITTEN], ids=lambda d: d["kind"])
def test_an_author_writes_each_kind_with_the_form_and_it_is_saved_as_the_banks_yaml(
    client, org, people, data
):
    page = client.get(_new(org) + f"?kind={data['kind']}")
    assert page.status_code == 200 and 'name="editor" value="form"' in page.content.decode()
    preview = client.post(_new(org), data | {"preview": "1"})
    assert preview.status_code == 200
    shown = preview.content.decode().split('id="preview"')[1]
    assert "As the candidate sees it" in shown
    assert not LibraryItem.objects.exists()  # a preview saves nothing

    saved = client.post(_new(org), data | {"save": "1"})
    assert saved.status_code == 302, saved.content.decode()[-3000:]
    item = LibraryItem.objects.get(organization=org)
    assert item.slug == data["slug"] and item.kind == data["kind"]
    stored = yaml.safe_load(item.source)
    if data["kind"] in STORED:
        assert stored == STORED[data["kind"]]
    else:
        assert [c["correct"] for c in stored["choices"]] == [True, True, False]


def _stripped(value):
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return {k: _stripped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stripped(v) for v in value]
    return value


def _posted(initial: dict) -> dict:
    """The form's initial values as the browser would post them back."""
    data = {"editor": "form", "save": "1"}
    for name, value in initial.items():
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else str(value)
    return data


@pytest.mark.parametrize("kind", FORM_KINDS)
def test_a_question_written_in_yaml_comes_back_into_the_form_unchanged(client, org, people, kind):
    source = STARTERS[kind]
    client.post(_new(org), {"source": source, "save": "1"})
    item = LibraryItem.objects.get(organization=org)
    page = client.get(_item(org, item)).content.decode()
    assert 'name="editor" value="form"' in page and 'id="id_source"' not in page
    initial = form_initial(item.source)
    resaved = client.post(_item(org, item), _posted(initial) | {"slug": "another-id"})
    assert resaved.status_code == 302
    item.refresh_from_db()
    # The same question (the id cannot change; text keeps its words, not its final newline).
    assert _stripped(yaml.safe_load(item.source)) == _stripped(yaml.safe_load(source))


def test_a_question_the_form_cannot_show_stays_in_yaml(client, org, people):
    drawn_from_a_list = STARTERS["numeric"].replace(
        "mu: {uniform: [0.0, 1.0], decimals: 1}", "mu: {choice: [0.0, 0.5, 1.0]}"
    )
    client.post(_new(org), {"source": drawn_from_a_list, "save": "1"})
    item = LibraryItem.objects.get(organization=org)
    page = client.get(_item(org, item)).content.decode()
    assert 'id="id_source"' in page and 'name="editor" value="form"' not in page
    moved = client.post(_item(org, item), {"source": drawn_from_a_list, "as_form": "1"})
    assert "The form cannot show all of this question" in _said(moved)
    coding = client.get(_new(org) + "?kind=coding").content.decode()
    assert 'id="id_source"' in coding and 'name="as_form"' not in coding


def test_the_form_moves_to_yaml_with_what_was_typed(client, org, people):
    moved = client.post(_new(org), SINGLE | {"as_yaml": "1"})
    page = moved.content.decode()
    assert moved.status_code == 200 and 'id="id_source"' in page
    assert yaml.safe_load(moved.context["form"].initial["source"]) == STORED["single_choice"]
    assert not LibraryItem.objects.exists()


def test_the_banks_rules_judge_the_question_and_nothing_is_saved(client, org, people):
    two_right = SINGLE | {"choice_2_correct": "on", "save": "1"}
    page = client.post(_new(org), two_right)
    assert page.status_code == 400
    assert "single_choice needs exactly one correct choice, found 2" in _said(page)
    one_choice = {k: v for k, v in SINGLE.items() if not k.startswith("choice_")} | {
        "choice_1_text": "Only this.",
        "choice_1_correct": "on",
        "save": "1",
    }
    assert "'choices' must be a list of 2 to 8" in _said(client.post(_new(org), one_choice))
    unknown_name = NUMERIC | {"formula": "(x - mean) / sqrt(var)", "save": "1"}
    said = _said(client.post(_new(org), unknown_name))
    assert "mean" in said and not LibraryItem.objects.exists()


def test_only_the_organizations_own_topics_are_offered_beside_the_banks(client, org, people):
    topics.topic_create(org, people["admin"], slug="our-stack", title="Our stack")
    page = client.get(_new(org)).content.decode()
    assert 'value="our-stack"' in page and "Their stack" not in page
    saved = client.post(_new(org), SINGLE | {"topic": "our-stack", "save": "1"})
    assert saved.status_code == 302
    assert yaml.safe_load(LibraryItem.objects.get().source)["topic"] == "our-stack"


HOSTILE = [
    ("prompt", "What\x00 now?", "Null characters are not allowed"),
    ("prompt", "x" * 20_001, "at most 20000 characters"),
    ("slug", "<script>alert(1)</script>", "'id' must be"),
    ("slug", "two\nlines", "single line"),
    ("topic", "their-stack", "Select a valid choice"),
    ("topic", "", "This field is required"),
    ("kind", "coding", "Select a valid choice"),
    ("level", "principal", "Select a valid choice"),
    ("choice_2_correct", "on", "exactly one correct choice"),
    ("choice_3_correct", "on", "A choice marked correct needs its text"),
    ("excludes", "bn-eval, <script>", "excludes"),
]
NUMERIC_HOSTILE = [
    ("tolerance_abs", "nan", "Enter a number"),
    ("tolerance_abs", "inf", "Enter a number"),
    ("tolerance_abs", "-1", "greater than or equal to 0"),
    ("param_1_low", "1e400", "Enter a number"),
    ("param_1_low", "", "Give the range x is drawn from"),
    ("param_1_name", "1x", "not starting with a digit"),
    ("param_1_name", "", "Name this value, or clear its row"),
    ("param_5_low", "2.5", "n is a whole number"),
    ("param_1_decimals", "99", "less than or equal to 8"),
    ("answer_decimals", "[1]", "Enter a whole number"),
    ("formula", "__import__('os').system('id')", "answer"),
]
WRITTEN_HOSTILE = [
    ("rubric_1_points", "0", "greater than or equal to 1"),
    ("rubric_2_points", "3", "A criterion needs its points and its text"),
    ("max_words", "5", "greater than or equal to 20"),
    ("recruiter_signal", "two\nlines", "single line"),
]


@pytest.mark.parametrize(
    ("base", "field", "value", "said"),
    [(SINGLE, *case) for case in HOSTILE]
    + [(NUMERIC, *case) for case in NUMERIC_HOSTILE]
    + [(WRITTEN, *case) for case in WRITTEN_HOSTILE],
    ids=lambda v: v["kind"] if isinstance(v, dict) else None,
)
def test_hostile_input_on_every_field_gets_a_clear_error_and_nothing_is_stored(
    client, org, people, base, field, value, said
):
    for action in ("preview", "save"):
        response = client.post(_new(org), base | {field: value, action: "1"})
        assert response.status_code in (200, 400)
        assert said in _said(response), (field, value)
    assert not LibraryItem.objects.exists()
