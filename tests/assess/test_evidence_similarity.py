"""Similarity across the organization's history: every final coding answer is indexed by
its winnowed fingerprints when the attempt is submitted; a reviewer sees the closest earlier
answers to the same problem (any assessment of the organization, never another's) and the
pair view marks the shared fragments."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.bench.integrity_sessions import ANSWER
from assess.evidence.fingerprints import K, W, boilerplate_hashes, fingerprints
from assess.evidence.models import CodeFingerprint, FingerprintedAnswer
from assess.evidence.similarity import similar_answers
from assess.models import Membership, Role
from tests.assess import factories

pytestmark = pytest.mark.django_db

# The same solution with its local names changed.
RENAMED = re.sub(
    r"\b(x64|axes|out)\b", lambda m: {"x64": "wide", "axes": "dims", "out": "result"}[m[1]], ANSWER
)
DIFFERENT = """import numpy as np


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    flat = x.reshape(-1, int(np.prod(shape))).astype(np.float64)
    centered = flat - flat.sum(axis=1, keepdims=True) / flat.shape[1]
    scale = 1.0 / np.sqrt((centered ** 2).sum(axis=1, keepdims=True) / flat.shape[1] + eps)
    y = (centered * scale).reshape(x.shape)
    y = y * (1 if weight is None else weight) + (0 if bias is None else bias)
    return y.astype(x.dtype)
"""


def test_renaming_hides_nothing_and_a_shared_fragment_of_k_plus_w_tokens_is_found():
    ours = {f.hash for f in fingerprints(ANSWER)}
    assert ours == {f.hash for f in fingerprints(RENAMED)}
    # Another way of writing it shares only the import and the signature: the starter code.
    starter = "import numpy as np\n\n\ndef layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):\n    pass\n"
    shared = ours & {f.hash for f in fingerprints(DIFFERENT)}
    assert shared and not shared - boilerplate_hashes(starter, "")
    # A fragment of K + W - 1 tokens inside unrelated code still shares a fingerprint.
    line = "    mean = x64.mean(axis=axes, keepdims=True)\n    var = x64.var(\n"
    assert {f.hash for f in fingerprints("z = 1\n" + line + "q = 2\n")} & ours
    assert K + W - 1 <= 20
    assert fingerprints("x = 1") == []


def test_the_starter_code_and_the_statements_code_are_boilerplate():
    statement = "Write it.\n\n```python\ndef layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):\n    return out\n```\n"
    starter = "import numpy as np\n\n\ndef layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):\n    raise NotImplementedError\n"
    boiler = boilerplate_hashes(starter, statement)
    assert boiler and {f.hash for f in fingerprints(starter)} <= boiler


def submitted(assessment, code: str, name: str):
    attempt = attempt_start(factories.make_invitation(assessment, name=name)[0])
    answer_save(attempt, 0, code, 0)
    attempt_submit(attempt)
    return attempt, attempt.answers.get(position=0)


@pytest.fixture
def history(db):
    bank = factories.make_bank("coding")
    acme = factories.make_org("acme")
    first = factories.make_assessment(acme, [bank["coding"]])
    second = factories.make_assessment(acme, [bank["coding"]])  # another test, same problem
    other = factories.make_assessment(factories.make_org("other"), [bank["coding"]])
    return {
        "mine": submitted(second, ANSWER, "Ada Lovelace"),
        "renamed": submitted(first, RENAMED, "Bea Renamer"),
        "different": submitted(first, DIFFERENT, "Cy Different"),
        "elsewhere": submitted(other, ANSWER, "Olga Elsewhere"),
    }


def test_submitting_indexes_the_final_answer_and_finds_copies_across_the_organization(history):
    _, mine = history["mine"]
    assert FingerprintedAnswer.objects.count() == 4
    assert CodeFingerprint.objects.filter(owner__answer=mine).count() > 5
    matches = similar_answers(mine)
    assert [m.answer_id for m in matches][:1] == [history["renamed"][1].pk]
    assert matches[0].share == 1.0
    # Another organization's identical answer is never compared.
    assert history["elsewhere"][1].pk not in [m.answer_id for m in matches]


def test_the_reviewer_reads_the_match_and_the_pair_view_marks_the_fragments(
    client, reviewer, history
):
    attempt, mine = history["mine"]
    page = client.get(reverse("org:attempt_integrity", args=["acme", attempt.pk])).content.decode()
    assert "Matches another candidate&#x27;s answer at 100%" in page
    renamed = history["renamed"][1]
    pair = client.get(reverse("org:answer_pair", args=["acme", attempt.pk, mine.pk, renamed.pk]))
    assert pair.status_code == 200
    marked = re.findall(r"<mark>([\s\S]*?)</mark>", pair.content.decode())
    assert any("wide" in m for m in marked) and any("dims" in m for m in marked)


def test_the_pair_view_never_reaches_another_organizations_answer(
    client, history, django_user_model
):
    attempt, mine = history["mine"]
    Membership.objects.create(
        user=django_user_model.objects.create_user("victor", password="pw-v-12345678"),
        organization=attempt.organization,
        role=Role.REVIEWER,
    )
    client.force_login(django_user_model.objects.get(username="victor"))
    elsewhere = history["elsewhere"][1]
    url = reverse("org:answer_pair", args=["acme", attempt.pk, mine.pk, elsewhere.pk])
    assert client.get(url).status_code == 404
    url = reverse("org:answer_pair", args=["acme", attempt.pk, mine.pk, 10**9])
    assert client.get(url).status_code == 404


def test_erasing_a_candidate_removes_their_answer_from_the_index(history):
    from assess.privacy.services import candidate_erase

    attempt, mine = history["renamed"]
    candidate_erase(attempt.invitation, source="restore", replaying=True)
    assert not FingerprintedAnswer.objects.filter(answer_id=mine.pk).exists()
    assert history["renamed"][1].pk not in [
        m.answer_id for m in similar_answers(history["mine"][1])
    ]


def test_the_backfill_indexes_answers_submitted_before_the_index(history):
    from io import StringIO

    from django.core.management import call_command

    FingerprintedAnswer.objects.filter(answer=history["renamed"][1]).delete()
    out = StringIO()
    call_command("fingerprint_backfill", stdout=out)
    assert out.getvalue().strip() == "Indexed 1 coding answer(s)."
    assert history["renamed"][1].pk in [m.answer_id for m in similar_answers(history["mine"][1])]
    call_command("fingerprint_backfill", stdout=out)
    assert "Indexed 0 coding answer(s)." in out.getvalue()
