"""Hostile input on every authoring field, against PostgreSQL: the author gets a clear
error naming the problem, never a 500, and nothing is stored."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assess.library.models import LibraryItem
from tests.assess import factories
from tests.assess.library_support import NUMERIC, SINGLE, make_people


@pytest.fixture
def admin(db, django_user_model, org, settings, client):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    factories.make_topics()
    people, _ = make_people(django_user_model, org)
    client.force_login(people["admin"])
    return people["admin"]


LAUGHS = "a: &a [x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 8)}]\n" for p, c in zip("abcdefg", "bcdefgh", strict=True)
)


def _prompt(value: str) -> str:
    """SINGLE with its prompt line replaced by `prompt: value`."""
    return "\n".join(
        f"prompt: {value}" if line.startswith("prompt:") else line for line in SINGLE.split("\n")
    )


HOSTILE = {
    "empty": ("", "the text is empty"),
    "blank": ("   \n\t", "the text is empty"),
    "huge": ("prompt: " + "x" * 60_000, "at most 50000 characters"),
    "nul": (SINGLE.replace("What", "Wh\x00at"), "Null characters are not allowed"),
    "escaped nul": (_prompt('"Wh\\0at does epsilon do?"'), "NUL"),
    "not yaml": ("id: [unclosed", "invalid YAML"),
    "duplicate key": (SINGLE + "id: again\n", "duplicate key"),
    "a list": ("- a\n- b\n", "A question is a mapping"),
    "nested": ("[" * 3000 + "]" * 3000, "nested over 40 levels"),
    "nested field": (_prompt("[[[[What]]]]"), "'prompt' must be non-empty text"),
    "laughs": (LAUGHS, None),
    "html id": (SINGLE.replace("id: acme-eps", "id: '<script>x</script>'"), "'id' must be"),
    "long id": (SINGLE.replace("acme-eps", "a" * 61), "'id' must be 3-60 characters"),
    "private pool": (SINGLE + "pool: practice\n", "leave out 'pool'"),
    "unknown field": (SINGLE + "weight: 3\n", "unknown field(s) for single_choice: weight"),
    "nan tolerance": (NUMERIC.replace("{abs: 0.005}", "{abs: .nan}"), "'tolerance' must be"),
    "inf tolerance": (NUMERIC.replace("{abs: 0.005}", "{abs: .inf}"), "must be finite"),
    "nan range": (NUMERIC.replace("[1.0, 5.0]", "[.nan, 5.0]"), "finite"),
    "overflow": (
        NUMERIC.replace("[1.0, 5.0]", "[1.0e+300, 1.0e+308]").replace(
            '"(x - mu) / sqrt(var)"', '"x * x"'
        ),
        "finite",
    ),
    "formula import": (
        NUMERIC.replace('"(x - mu) / sqrt(var)"', "\"__import__('os')\""),
        "only these functions may be called",
    ),
    "formula attribute": (
        NUMERIC.replace('"(x - mu) / sqrt(var)"', '"x.__class__"'),
        "Attribute is not allowed",
    ),
    "formula lambda": (
        NUMERIC.replace('"(x - mu) / sqrt(var)"', '"(lambda: 1)()"'),
        "only these functions may be called",
    ),
    "formula power": (
        NUMERIC.replace('"(x - mu) / sqrt(var)"', '"9 ** 9 ** 9 + x"'),
        "an exponent above 1000",
    ),
    "formula unknown": (NUMERIC.replace('"(x - mu) / sqrt(var)"', '"x + y"'), "unknown name 'y'"),
    "formula syntax": (NUMERIC.replace('"(x - mu) / sqrt(var)"', '"x +"'), "not valid arithmetic"),
    "formula divide": (
        NUMERIC.replace('"(x - mu) / sqrt(var)"', '"x / (mu - mu)"'),
        "divides by zero",
    ),
    "formula text": (NUMERIC.replace('"(x - mu) / sqrt(var)"', "[1, 2]"), "non-empty text"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_question_text_gets_a_clear_error(client, org, admin, name):
    source, message = HOSTILE[name]
    url = reverse("org:library_new", kwargs={"org_slug": org.slug})
    for button in ("preview", "save"):
        response = client.post(url, {"source": source, button: "1"})
        assert response.status_code in (200, 400), (name, response.status_code)
        body = response.content.decode()
        assert 'role="alert"' in body, name
        if message:
            assert message in body.replace("&#x27;", "'").replace("&quot;", '"'), name
    assert not LibraryItem.objects.exists()


def test_script_in_a_prompt_is_shown_as_text_never_run(client, org, admin):
    source = SINGLE.replace(
        "What does", "<script>alert(1)</script><img src=x onerror=alert(2)> What does"
    )
    url = reverse("org:library_new", kwargs={"org_slug": org.slug})
    response = client.post(url, {"source": source, "save": "1"})
    item = LibraryItem.objects.get()
    page = client.get(
        reverse("org:library_item", kwargs={"org_slug": org.slug, "item_id": item.pk})
    )
    preview = page.content.decode().split('id="preview"')[1]
    assert response.status_code == 302
    assert "<script>" not in preview and "onerror" not in preview


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b"questions: []\n", "has no question"),
        (b"questions: 3\n", "only a 'questions' list"),
        (b"topics: []\n", "only a 'questions' list"),
        (b"questions:\n  - [1, 2]\n", "question 1: A question is a mapping"),
        (
            (
                "questions:\n"
                + "".join("  - " + SINGLE.replace("\n", "\n    ").rstrip() + "\n" for _ in range(2))
            ).encode(),
            "question 2: the id 'acme-eps' is in the file twice",
        ),
        (b"questions: [" + b"[" * 3000 + b"]" * 3000 + b"]", "Nothing was imported"),
    ],
)
def test_a_bad_import_file_imports_nothing_and_says_why(client, org, admin, content, message):
    url = reverse("org:library_import", kwargs={"org_slug": org.slug})
    upload = SimpleUploadedFile("bank.yaml", content, content_type="application/yaml")
    response = client.post(url, {"file": upload}, follow=True)
    assert response.status_code == 200
    body = response.content.decode().replace("&#x27;", "'")
    assert message in body
    assert not LibraryItem.objects.exists()


@pytest.mark.parametrize("name", ["empty", "huge", "nul", "nested", "nan range", "laughs"])
def test_hostile_text_on_an_existing_item_keeps_its_working_copy(client, org, admin, name):
    from assess.library import services

    item = services.item_create(org, admin, SINGLE)
    url = reverse("org:library_item", kwargs={"org_slug": org.slug, "item_id": item.pk})
    response = client.post(url, {"source": HOSTILE[name][0], "save": "1"})
    assert response.status_code in (200, 400) and 'role="alert"' in response.content.decode()
    item.refresh_from_db()
    assert item.source == SINGLE
