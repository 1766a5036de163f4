"""A library coding question written from the author's reference solution: checked (the
reference and its mutants run in the sandbox, as the build task does in a grading worker),
refused while its tests are weak, published, and a candidate's code graded against the
stored outputs with the diagnosis naming the mutant it matches; private to its organization;
hostile input on the new fields gets a clear error."""

from __future__ import annotations

import pytest
import yaml
from django.urls import reverse

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.library import coding, services
from assess.library.models import LibraryItem, Status
from grader.authored import authored_problem_build
from grader.engine.config import GraderConfig
from grader.engine.sandbox import SandboxPool
from grader.grading import submission_grade
from grader.models import AuthoredProblem, AuthoredStatus, Submission
from quizzes.models import Kind
from tests.assess import factories
from tests.assess.library_support import make_people

STARTER = coding.STARTER.replace("id: my-question", "id: acme-layer-norm")
REFERENCE_LINE = "        var = np.var(x, axis=-1, keepdims=True)\n"
REFERENCE_CODE = (
    "import numpy as np\n\n"
    "def layer_norm(x, gamma, beta, eps):\n"
    "    mean = x.mean(axis=-1, keepdims=True)\n"
    "    var = np.var(x, axis=-1, keepdims=True)\n"
    "    return (x - mean) / np.sqrt(var + eps) * gamma + beta\n"
)
# Only the sample and a wide hidden case with gamma ~ 1, beta = 0 and a small eps: the
# affine step and eps's place go untested.
WEAK = STARTER.split("    - name: wide rows")[0] + (
    "    - name: wide rows\n"
    "      inputs:\n"
    "        x: {shape: [4, 64]}\n"
    "        gamma: {shape: [64], fill: 1.0}\n"
    "        beta: {shape: [64], fill: 0.0}\n"
    "      values: {eps: 1.0e-5}\n"
)


# keepdims=True or False: dividing by a 1x1 array or by a scalar is the same for every
# input, so that mutant survives any cases; the author says so under `equivalent:`.
GLOBAL_RMS = """id: acme-global-rms
kind: coding
topic: normalization-operation
level: mid
prompt: |
  Divide `x` by the square root of its mean square (over the whole array) plus `eps`.
explanation: |
  One statistic for the whole array, with eps under the square root.
reference:
  title: Global RMS
  function: global_rms
  params: [x, eps]
  statement: Write `global_rms(x, eps)`; return an array of x's shape and dtype.
  source: |
    import numpy as np

    def global_rms(x, eps):
        ms = np.mean(x * x, keepdims=True)
        return x / np.sqrt(ms + eps)
  cases:
    - name: sample
      public: true
      inputs: {x: {shape: [3, 4], loc: 2.0}}
      values: {eps: 0.5}
    - name: hidden
      inputs: {x: {shape: [5, 7], loc: 3.0, scale: 2.0}}
      values: {eps: 0.5}
"""
WHY = "A 1x1 array and a scalar divide x the same way, whatever its shape."


@pytest.fixture(scope="module")
def pool():
    sandbox = SandboxPool(GraderConfig(pool_size=2, wall_s=3.0, cpu_s=2, uid_base=640000))
    yield sandbox
    sandbox.close()


@pytest.fixture
def people(db, django_user_model, org, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    factories.make_topics()
    return make_people(django_user_model, org)


def _url(name, org, **kwargs):
    return reverse(f"org:{name}", kwargs={"org_slug": org.slug, **kwargs})


def _checked_and_built(org, source, pool):
    """Check the item (its build is queued) and run the build as the worker does."""
    first = services.item_check(org.pk, source)
    assert first.errors == [coding.PENDING]
    row = AuthoredProblem.objects.get(owner=org.pk, status=AuthoredStatus.PENDING)
    authored_problem_build(row.pk, pool)
    row.refresh_from_db()
    return row


def _published(org, user, source, pool):
    _checked_and_built(org, source, pool)
    item = services.item_create(org, user, source)
    return services.item_publish(item, user)


def test_an_author_checks_saves_and_publishes_a_problem_from_a_reference(client, org, people, pool):
    people = people[0]
    client.force_login(people["admin"])
    page = client.get(_url("library_new", org) + "?kind=coding")
    assert page.status_code == 200 and "layer_norm" in page.content.decode()
    source = page.context["form"].initial["source"].replace("my-question", "acme-layer-norm")
    waiting = client.post(_url("library_new", org), {"source": source, "preview": "1"})
    assert "running in the sandbox" in waiting.content.decode()
    row = AuthoredProblem.objects.get(owner=org.pk)
    assert row.status == AuthoredStatus.PENDING and row.slug.startswith(f"org{org.pk}-acme-")
    authored_problem_build(row.pk, pool)
    row.refresh_from_db()
    assert row.status == AuthoredStatus.BUILT and row.weaknesses == []
    assert len(row.mutants) >= 10 and not any(m["survived"] for m in row.mutants)
    preview = client.post(_url("library_new", org), {"source": source, "preview": "1"})
    text = preview.content.decode()
    assert "As the candidate sees it" in text and "Write <code>layer_norm" in text
    assert "np.var(x" not in text.split('id="preview"')[1]  # the reference is not shown
    assert client.post(_url("library_new", org), {"source": source, "save": "1"}).status_code == 302
    item = LibraryItem.objects.get(organization=org)
    client.post(_url("library_publish", org, item_id=item.pk))
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED and item.kind == Kind.CODING
    assert item.question.latest_version.content["problem"] == row.slug


def test_weak_tests_are_saved_as_a_draft_but_publishing_lists_the_survivors(org, people, pool):
    admin = people[0]["admin"]
    _checked_and_built(org, WEAK, pool)
    checked = services.item_check(org.pk, WEAK)
    assert checked.ok
    assert any("Publishing is refused" in a and "+ beta left out" in a for a in checked.advice)
    item = services.item_create(org, admin, WEAK)
    with pytest.raises(services.LibraryError) as refused:
        services.item_publish(item, admin)
    said = "\n".join(refused.value.errors)
    assert "too weak to publish" in said
    assert "line 6: the term + beta left out — no hidden case tells it apart" in said
    assert "eps added outside the square root" in said
    item.refresh_from_db()
    assert item.status == Status.DRAFT and item.question is None


def test_an_equivalent_mutant_is_waived_with_a_reason_the_publisher_reads(
    client, org, people, pool
):
    admin = people[0]["admin"]
    _checked_and_built(org, GLOBAL_RMS, pool)
    item = services.item_create(org, admin, GLOBAL_RMS)
    with pytest.raises(services.LibraryError) as refused:
        services.item_publish(item, admin)
    assert "keepdims=False instead of keepdims=True" in "\n".join(refused.value.errors)
    assert "(mutant keepdims-l4c9: if no input" in "\n".join(refused.value.errors)

    waived = GLOBAL_RMS + f"  equivalent:\n    keepdims-l4c9: {WHY}\n"
    _checked_and_built(org, waived, pool)
    services.item_update(item, admin, waived)
    client.force_login(admin)
    page = client.get(_url("library_item", org, item_id=item.pk)).content.decode()
    advice = page.split('id="advice"')[1].split("</div>")[0]
    assert (
        "The author says no input tells this mutant from the reference: line 4: mean() with"
        in advice
    )
    assert WHY in advice and "Publishing is refused" not in advice
    services.item_publish(item, admin)
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("raise RuntimeError('my bug')", "raised RuntimeError: my bug"),
        ("while True: pass", "ran past the time limit"),
        ("import os; os._exit(3)", "exited (status 3) before finishing"),
    ],
)
def test_a_failing_or_hostile_reference_is_contained_and_explained(org, people, pool, body, said):
    source = STARTER.replace(REFERENCE_LINE, REFERENCE_LINE + f"        {body}\n")
    _checked_and_built(org, source, pool)
    checked = services.item_check(org.pk, source)
    assert not checked.ok and said in "\n".join(checked.errors)
    with pytest.raises(services.LibraryError):
        services.item_create(org, people[0]["admin"], source)


def _candidate_graded(org, question, code):
    attempt = attempt_start(
        factories.make_invitation(factories.make_assessment(org, [question]))[0]
    )
    answer = attempt.answers.get()
    answer_save(attempt, answer.position, code, answer.revision)
    attempt_submit(attempt)
    submission = Submission.objects.get(answer=answer, public_only=False)
    submission_grade(submission.pk)
    submission.refresh_from_db()
    answer.refresh_from_db()
    return submission, answer


def test_a_candidate_is_graded_in_the_sandbox_and_told_which_mutant_they_match(org, people, pool):
    item = _published(org, people[0]["admin"], STARTER, pool)
    right, answer = _candidate_graded(org, item.question, REFERENCE_CODE)
    assert right.verdict == "accepted" and answer.score == 1.0
    unbiased = REFERENCE_CODE.replace(
        "keepdims=True)\n    return", "keepdims=True, ddof=1)\n    return"
    )
    wrong, answer = _candidate_graded(org, item.question, unbiased)
    assert wrong.verdict == "wrong_answer" and answer.score < 1.0
    diagnosis = wrong.report["diagnosis"]
    assert diagnosis["slug"].startswith("authored-mutant-ddof")
    assert "ddof=1 instead of ddof=0" in diagnosis["title"]
    assert "matches the author's reference" in diagnosis["explanation"]


def test_another_organization_neither_names_nor_sees_the_problem(client, org, people, pool):
    people, other = people
    item = _published(org, people["admin"], STARTER, pool)
    slug = item.question.latest_version.content["problem"]
    theirs = STARTER.replace("reference:", f"problem: {slug}\nreference_:").split("reference_:")[0]
    checked = services.item_check(other.pk, theirs)
    assert not checked.ok and f"unknown grader problem {slug!r}" in checked.errors[0]
    assert slug not in checked.errors[0].split("known:")[1]
    client.force_login(people["other_recruiter"])
    assessment = factories.make_assessment(other, [])
    builder = _url("builder", other, assessment_id=assessment.pk)
    for query in ("", "?source=library", "?q=layer"):
        page = client.get(builder + query).content.decode()
        assert item.question.key not in page and "Layer normalization over" not in page
    # the same spec written by the other organization is a problem of its own
    _checked_and_built(other, STARTER, pool)
    assert AuthoredProblem.objects.filter(owner=other.pk).get().slug != slug


def test_export_carries_the_reference_and_import_takes_it_back(client, org, people, pool):
    admin = people[0]["admin"]
    _published(org, admin, STARTER, pool)
    client.force_login(admin)
    exported = client.get(_url("library_export", org)).content.decode()
    assert "reference:" in exported and "def layer_norm" in exported
    assert "problem:" not in exported and f"org{org.pk}" not in exported
    summary = services.library_import(org, admin, exported)
    assert summary.updated == ["acme-layer-norm"]


HOSTILE = [
    ("reference:\n  title:", "reference: [1, 2]\nreference_:\n  title:", "must be a mapping"),
    ("  source: |\n", '  source: "def layer_norm(x):\\0"\n  source_: |\n', "NUL"),
    ("x: {shape: [2, 4]}", "x: {shape: [100000, 100000]}", "elements"),
    ("values: {eps: 1.0e-5}", "values: {eps: .nan}", "finite number"),
    ("values: {eps: 1.0e-5}", "values: {eps: 1e-5}", "write 1.0e-5"),
    ("      public: true", "      public: true\n      dtype: complex128", "'dtype' must be one"),
    ("  title:", "  tolerances: {float32: [.nan, 0]}\n  title:", "finite"),
    ("function: layer_norm", "function: __import__", "'function' must be a Python name"),
    ("  title:", "  grader_hook: 1\n  title:", "unknown field(s) in 'reference'"),
    ("kind: coding", "kind: coding\nproblem: bn-forward", "either 'problem'"),
]


@pytest.mark.parametrize(("old", "new", "said"), HOSTILE, ids=[s for _, _, s in HOSTILE])
def test_hostile_reference_fields_get_a_clear_error_and_nothing_is_stored(
    client, org, people, old, new, said
):
    client.force_login(people[0]["admin"])
    assert old in STARTER
    source = STARTER.replace(old, new, 1)
    page = client.post(_url("library_new", org), {"source": source, "save": "1"})
    assert page.status_code == 400
    assert said in page.content.decode().replace("&#x27;", "'")
    assert not LibraryItem.objects.exists() and not AuthoredProblem.objects.exists()


def test_the_candidate_sees_the_statement_and_starter_never_the_reference(
    client, org, people, pool
):
    from assess.attempts.services import invitation_for_token
    from tests.assess.privacy_support import start_form

    item = _published(org, people[0]["admin"], STARTER, pool)
    _, token = factories.make_invitation(factories.make_assessment(org, [item.question]))
    organization = invitation_for_token(token).organization
    begin = reverse("assess:attempt_begin", args=[token])
    assert client.post(begin, start_form(organization)).status_code == 302
    page = client.get(reverse("assess:attempt_question", args=[token, 1])).content.decode()
    assert "layer_norm(x, gamma, beta, eps)" in page and "raise NotImplementedError" in page
    assert "np.var(x" not in page and "keepdims=True" not in page
    assert "a constant row and a large eps" not in page  # a hidden case's name


def test_an_organization_has_at_most_four_builds_waiting_at_once(org, people):
    def version(n: int) -> str:
        return STARTER.replace("Return an array of x's shape", f"Version {n}. Return an array")

    for n in range(4):
        assert services.item_check(org.pk, version(n)).errors == [coding.PENDING]
    refused = services.item_check(org.pk, version(4)).errors
    assert len(refused) == 1 and "4 problems being built in the sandbox" in refused[0]
    assert AuthoredProblem.objects.filter(owner=org.pk).count() == 4
    # One already asked for still answers; another organization is not held up.
    assert services.item_check(org.pk, version(0)).errors == [coding.PENDING]
    other = factories.make_org("initech")
    assert services.item_check(other.pk, version(4)).errors == [coding.PENDING]


def test_a_draft_is_saved_while_its_build_runs_and_waits_for_it_to_publish(client, org, people):
    people = people[0]
    client.force_login(people["admin"])
    saved = client.post(_url("library_new", org), {"source": STARTER, "save": "1"}, follow=True)
    assert saved.status_code == 200
    assert "Its tests are still being built in the sandbox" in saved.content.decode()
    item = LibraryItem.objects.get(organization=org)
    assert item.status == Status.DRAFT and item.kind == Kind.CODING
    refused = client.post(_url("library_publish", org, item_id=item.pk), follow=True)
    assert "running in the sandbox" in refused.content.decode()
    item.refresh_from_db()
    assert item.status == Status.DRAFT and item.question is None
    # An import of the same working copy while the build runs is taken as a draft too.
    file = yaml.safe_dump({"questions": [yaml.safe_load(STARTER)]}, sort_keys=False)
    summary = services.library_import(org, people["admin"], file)
    assert summary.updated == ["acme-layer-norm"]


def test_an_organizations_builds_go_with_the_organization(org, people):
    _, other = people
    for organization in (org, other):
        assert services.item_check(organization.pk, STARTER).errors == [coding.PENDING]
    gone = org.pk
    assert AuthoredProblem.objects.filter(owner=gone).count() == 1
    org.delete()  # as Django's admin deletes an organization
    assert not AuthoredProblem.objects.filter(owner=gone).exists()
    assert AuthoredProblem.objects.filter(owner=other.pk).count() == 1
