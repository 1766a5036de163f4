"""The builder refuses what cannot be built or graded: draws larger than the bank, tests
longer than their time limit, GPU-only problems where no GPU worker grades; the candidate's
landing page counts the questions they will really get; picks keep the recruiter's order."""

from __future__ import annotations

import textwrap

import pytest
from django.core import mail
from django.urls import reverse

from assess.attempts.services import attempt_start
from assess.hiring.selectors import assessment_summary, draw_pool
from assess.models import Assessment, Invitation, Section
from quizzes.bankfiles import question_from_yaml, save_question
from quizzes.models import Kind, Topic
from tests.assess import factories

pytestmark = pytest.mark.usefixtures("emails_sent_at_once")

GPU_ONLY = """
    id: t-gpu-triton
    kind: coding
    topic: alternatives
    level: senior
    problem: bn-relu-triton
    prompt: Write a fused batch norm + ReLU inference kernel in Triton.
    explanation: One read, one write.
"""


@pytest.fixture
def gpu_question(bank):
    item = question_from_yaml(textwrap.dedent(GPU_ONLY))
    question, _, _ = save_question(item, Topic.objects.get(slug=item.topic))
    question.refresh_from_db()
    return question


def url(name, *args):
    return reverse(f"org:{name}", args=["acme", *args])


def change(assessment, section, action):
    return url("section_change", assessment.pk, section.pk, action)


def test_a_random_draw_larger_than_the_bank_is_refused_with_what_the_bank_has(
    client, recruiter, org, bank
):
    assessment = Assessment.objects.create(
        organization=org, title="Senior coding", time_limit_minutes=600
    )
    section = Section.objects.create(assessment=assessment, title="Code", position=0)
    page = client.post(
        change(assessment, section, "draw"),
        {"draw_count": 50, "draw_kind": "coding", "draw_level": "senior", "draw_topic": ""},
        follow=True,
    ).content.decode()
    assert "The bank has 0 questions that fit these filters; 50 cannot be drawn." in page
    section.refresh_from_db()
    assert section.draw_count == 0
    client.post(
        change(assessment, section, "draw"),
        {"draw_count": 1, "draw_kind": "coding", "draw_level": "", "draw_topic": ""},
    )
    section.refresh_from_db()
    assert section.draw_count == 1  # the one (CPU) coding question of the bank


def test_an_assessment_longer_than_its_time_limit_cannot_be_sent(client, recruiter, assessment):
    # Five questions (about 36 minutes) in a 30-minute test.
    page = client.get(url("builder", assessment.pk)).content.decode()
    assert "Cannot be sent yet" in page
    assert "It takes about 36 minutes and the time limit is 30" in page
    refused = client.post(
        url("invitations", assessment.pk),
        {"candidate_name": "Grace Hopper", "candidate_email": "grace@example.com"},
    )
    assert refused.status_code == 400
    assert "cannot be sent yet" in refused.content.decode()
    warned = client.get(url("invitations", assessment.pk)).content.decode()
    assert 'id="cannot-send"' in warned and "the time limit is 30" in warned
    assert not Invitation.objects.exists() and not mail.outbox

    assessment.time_limit_minutes = 40
    assessment.save()
    assert "Ready to send." in client.get(url("builder", assessment.pk)).content.decode()
    sent = client.post(
        url("invitations", assessment.pk),
        {"candidate_name": "Grace Hopper", "candidate_email": "grace@example.com"},
    )
    assert sent.status_code == 200 and len(mail.outbox) == 1


def test_a_csv_upload_to_an_unsendable_assessment_invites_nobody(client, recruiter, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    empty = Assessment.objects.create(organization=org, title="Empty")
    Section.objects.create(assessment=empty, title="Questions", position=0)
    upload = SimpleUploadedFile("people.csv", b"Ada,ada@example.com\n", content_type="text/csv")
    response = client.post(url("invitations", empty.pk), {"csv": "1", "file": upload})
    assert response.status_code == 400
    assert "It has no questions yet" in response.content.decode()
    assert not Invitation.objects.exists()


def test_the_landing_page_counts_the_questions_the_candidate_will_get(client, assessment):
    # A draw saved before the builder checked it: 50 more than the bank holds.
    Section.objects.filter(assessment=assessment).update(draw_count=50)
    _, token = factories.make_invitation(assessment)
    page = client.get(f"/t/{token}/").content.decode()
    assert "about 5;" in page and "about 55" not in page


def test_a_revoked_link_says_it_was_revoked_not_expired(client, recruiter, invitation):
    inv, token = invitation
    client.post(url("invitation_change", inv.pk, "revoke"))
    response = client.get(f"/t/{token}/")
    page = response.content.decode()
    assert response.status_code == 410
    assert "revoked" in page and "expired" not in page


def test_gpu_only_problems_are_never_drawn_without_gpu_grading(
    org, bank, gpu_question, announced_worker
):
    announced_worker("celery@gpu", kind="gpu", runtimes=("numpy", "torch"))
    assessment = factories.make_assessment(org, [], minutes=600)
    section = assessment.sections.get()
    section.draw_count, section.draw_kind = 1, Kind.CODING
    section.save()
    assert list(draw_pool(section, org).values_list("key", flat=True)) == ["t-coding"]
    for n in range(8):  # with the GPU problem in the pool, 8 draws would all miss it 1 in 256
        _, token = factories.make_invitation(assessment, name=f"Candidate {n}")
        attempt = attempt_start(Invitation.objects.get(candidate_name=f"Candidate {n}"))
        assert [a.question_version.question.key for a in attempt.answers.all()] == ["t-coding"]

    org.gpu_grading = True
    org.save()
    section.refresh_from_db()
    assert sorted(draw_pool(section, org).values_list("key", flat=True)) == [
        "t-coding",
        "t-gpu-triton",
    ]


def test_the_bank_and_the_builder_show_gpu_needs_and_refuse_a_gpu_pick_without_gpu_grading(
    client, recruiter, org, gpu_question, announced_worker
):
    announced_worker("celery@gpu", kind="gpu", runtimes=("numpy", "torch"))
    assessment = factories.make_assessment(org, [], minutes=600)
    section = assessment.sections.get()
    page = client.get(url("builder", assessment.pk), {"kind": "coding"}).content.decode()
    row = page.split('data-key="t-gpu-triton"')[1].split("</tr>")[0]
    assert "GPU required" in row and "GPU grading is off for Acme" in row
    cpu_row = page.split('data-key="t-coding"')[1].split("</tr>")[0]
    assert "GPU" not in cpu_row
    page = client.post(
        change(assessment, section, "pick"), {"question": gpu_question.pk}, follow=True
    ).content.decode()
    assert "t-gpu-triton cannot be graded: it needs a GPU worker, and GPU grading is off" in page
    assert not section.picks.exists()

    org.gpu_grading = True
    org.save()
    client.post(change(assessment, section, "pick"), {"question": gpu_question.pk})
    assert [p.question.key for p in section.picks.all()] == ["t-gpu-triton"]
    assert assessment_summary(assessment).problems == []
    org.gpu_grading = False  # switched off later: the test cannot be sent any more
    org.save()
    assessment.refresh_from_db()
    assert any(
        "t-gpu-triton cannot be graded: it needs a GPU worker" in p
        for p in assessment_summary(assessment).problems
    )


def test_picks_keep_the_order_they_were_added_in_and_can_be_moved(client, recruiter, org, bank):
    assessment = factories.make_assessment(org, [], minutes=600)
    section = assessment.sections.get()
    for key in ("written", "single", "numeric"):  # neither bank-id nor id order
        client.post(change(assessment, section, "pick"), {"question": bank[key].pk})
    keys = lambda: [p.question.key for p in section.picks.all()]  # noqa: E731
    assert keys() == ["t-written", "t-single", "t-numeric"]
    page = client.get(url("builder", assessment.pk)).content.decode()
    picks = page.split('class="picks"')[1].split("</ol>")[0]
    assert picks.index("t-written") < picks.index("t-single") < picks.index("t-numeric")

    client.post(change(assessment, section, "up"), {"question": bank["numeric"].pk})
    assert keys() == ["t-written", "t-numeric", "t-single"]
    client.post(change(assessment, section, "down"), {"question": bank["written"].pk})
    assert keys() == ["t-numeric", "t-written", "t-single"]
    client.post(change(assessment, section, "up"), {"question": bank["numeric"].pk})  # at the top
    assert keys() == ["t-numeric", "t-written", "t-single"]

    _, token = factories.make_invitation(assessment)  # unshuffled: the candidate's order
    attempt = attempt_start(Invitation.objects.get())
    assert [a.question_version.question.key for a in attempt.answers.order_by("position")] == keys()


def test_the_whole_test_previews_as_a_candidate_gets_it_without_the_keys(
    client, recruiter, assessment
):
    page = client.get(url("assessment_preview", assessment.pk)).content.decode()
    keys = ["t-single", "t-multiple", "t-numeric", "t-written", "t-coding"]
    positions = [page.index(f'data-key="{key}"') for key in keys]
    assert positions == sorted(positions)  # the picks in their order
    assert "{x1}" not in page and "Batch x = [" in page  # drawn values, as a candidate reads
    assert "def layernorm_forward" in page  # the coding problem's starter code
    assert "A constant channel has zero variance." not in page  # no explanation or key
    assert "running estimates drift" not in page  # the written answer expected
    other = factories.make_assessment(factories.make_org("globex"), [])
    assert client.get(url("assessment_preview", other.pk)).status_code == 404


KERNEL = """
    id: t-kernel-rmsnorm
    kind: coding
    topic: alternatives
    level: senior
    problem: add-rmsnorm-triton
    prompt: Write a fused residual add + RMSNorm kernel in Triton.
    explanation: One program per row.
"""


def test_a_triton_kernel_problem_is_offered_on_a_cpu_only_deployment_marked_as_such(
    client, recruiter, org, bank, announced_worker
):
    item = question_from_yaml(textwrap.dedent(KERNEL))
    save_question(item, Topic.objects.get(slug=item.topic))
    assessment = factories.make_assessment(org, [], minutes=600)
    announced_worker("celery@cpu", runtimes=("numpy", "torch"))  # no Triton: not offered
    page = client.get(url("builder", assessment.pk), {"kind": "coding"}).content.decode()
    row = page.split('data-key="t-kernel-rmsnorm"')[1].split("</tr>")[0]
    assert "or a CPU worker with PyTorch and Triton (its interpreter)" in row
    announced_worker("celery@triton", runtimes=("numpy", "torch", "triton"))
    page = client.get(url("builder", assessment.pk), {"kind": "coding"}).content.decode()
    row = page.split('data-key="t-kernel-rmsnorm"')[1].split("</tr>")[0]
    assert "correctness only, on a CPU worker&#x27;s Triton interpreter" in row
    assert "cannot be graded" not in row and "none is running" not in row
