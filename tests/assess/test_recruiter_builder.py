"""A recruiter builds an assessment from the bank and invites candidates: one by one or
from a CSV file whose bad lines are reported by number while good lines go through."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from assess.attempts.services import attempt_start, invitation_for_token
from assess.hiring.invitations import CSV_MAX_BYTES
from assess.hiring.selectors import assessment_summary
from assess.models import Assessment, Invitation
from tests.assess import factories

pytestmark = pytest.mark.usefixtures("emails_sent_at_once")


@pytest.fixture
def assessment(assessment):
    """The shared five-question assessment, with a time limit its questions fit in (about
    36 minutes): only a sendable assessment takes invitations."""
    assessment.time_limit_minutes = 60
    assessment.save(update_fields=["time_limit_minutes"])
    return assessment


def url(name, *args):
    return reverse(f"org:{name}", args=["acme", *args])


def test_a_recruiter_builds_an_assessment_from_filtered_picks_and_a_random_draw(
    client, recruiter, bank
):
    response = client.post(
        url("assessment_new"), {"title": "BN screen", "time_limit_minutes": 40, "pass_mark": 70}
    )
    assessment = Assessment.objects.get(title="BN screen")
    assert response.status_code == 302 and assessment.created_by == recruiter
    builder = url("builder", assessment.pk)

    page = client.get(builder, {"kind": "written"}).content.decode()
    assert "t-written" in page and "t-single" not in page  # the kind filter
    page = client.get(builder, {"q": "epsilon"}).content.decode()
    assert "t-single" in page and "t-coding" not in page  # search in the prompt

    section = assessment.sections.get()
    for key in ("single", "written", "coding"):
        client.post(
            reverse("org:section_change", args=["acme", assessment.pk, section.pk, "pick"]),
            {"question": bank[key].pk},
        )
    client.post(
        reverse("org:section_change", args=["acme", assessment.pk, section.pk, "draw"]),
        {"draw_count": 1, "draw_kind": "multiple_choice", "draw_level": "", "draw_topic": ""},
    )
    summary = assessment_summary(assessment)
    assert (summary.picked, summary.drawn, summary.length) == (3, 1, 4)
    assert summary.levels == {"junior": 2, "senior": 1, "any": 1}
    assert summary.estimated_minutes == round(1.5 + 6 * 1.5 + 20 + 2 * 1.25)
    page = client.get(builder).content.decode()
    assert "4 (3 picked, 1 drawn at random)" in page

    # Adding the same question twice is refused with a message, not a duplicate.
    again = client.post(
        reverse("org:section_change", args=["acme", assessment.pk, section.pk, "pick"]),
        {"question": bank["single"].pk},
        follow=True,
    )
    assert "already in this assessment" in again.content.decode()
    assert section.questions.count() == 3

    # What the candidate will get is what the builder shows.
    inv, _ = factories.make_invitation(assessment)
    assert attempt_start(inv).answers.count() == 4


def test_the_preview_shows_the_question_as_the_candidate_sees_it_and_the_key_apart(
    client, recruiter, bank
):
    page = client.get(url("question_preview", bank["single"].pk)).content.decode()
    assert "Why is epsilon added to the variance?" in page
    assert "As the candidate sees it" in page and "Answer:" in page


def test_duplicate_and_archive(client, recruiter, assessment):
    client.post(url("assessment_copy", assessment.pk))
    copy = Assessment.objects.get(title="Normalization screen (copy)")
    assert list(copy.sections.get().questions.order_by("pk")) == list(
        assessment.sections.get().questions.order_by("pk")
    )
    client.post(url("assessment_archive", assessment.pk))
    assessment.refresh_from_db()
    assert assessment.archived_at is not None
    assert "Normalization screen (copy)" in client.get(url("assessment_list")).content.decode()
    refused = client.post(
        url("invitations", assessment.pk),
        {"candidate_name": "Al", "candidate_email": "al@example.com"},
    )
    assert refused.status_code == 400 and "archived" in refused.content.decode()


def test_inviting_one_candidate_emails_a_working_link(client, recruiter, assessment):
    response = client.post(
        url("invitations", assessment.pk),
        {"candidate_name": "Grace Hopper", "candidate_email": "Grace@Example.com"},
    )
    assert response.status_code == 200
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["grace@example.com"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/t/" in line)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert invitation_for_token(token).candidate_name == "Grace Hopper"
    assert link in response.content.decode()  # shown once to the recruiter too


def test_resend_replaces_the_link_revoke_stops_it_extend_reopens_it(client, recruiter, invitation):
    inv, old_token = invitation
    client.post(url("invitation_change", inv.pk, "resend"))
    new_token = mail.outbox[-1].body.split("/t/")[1].split("/")[0]
    assert new_token != old_token
    assert client.get(f"/t/{old_token}/").status_code == 404
    assert client.get(f"/t/{new_token}/").status_code == 200
    client.post(url("invitation_change", inv.pk, "revoke"))
    assert client.get(f"/t/{new_token}/").status_code == 410
    client.post(url("invitation_change", inv.pk, "extend"), {"days": 3})
    assert client.get(f"/t/{new_token}/").status_code == 200
    attempt_start(Invitation.objects.get(pk=inv.pk))
    refused = client.post(url("invitation_change", inv.pk, "revoke"), follow=True)
    assert "already started" in refused.content.decode()


def upload(client, assessment, content: bytes, name="people.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        url("invitations", assessment.pk),
        {"csv": "1", "file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def test_a_csv_invites_good_rows_and_reports_bad_ones_by_line(client, recruiter, assessment):
    content = (
        "name,email\n"
        "Alan Turing,alan@example.com\n"
        "No Email,\n"
        "Bad Email,not-an-email\n"
        "Three,cols@example.com,extra\n"
        "\n"
        '=HYPERLINK("http://evil"),formula@example.com\n'
        "Alan Again,ALAN@example.com\n"
        "Zoë Ünïcode,zoe@example.com\n"
    ).encode()
    response = upload(client, assessment, content)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Line 3: the name is empty" not in page  # the name is there, the email is missing
    assert "Line 3: &#x27;&#x27; is not an email address" in page
    assert "Line 4: &#x27;not-an-email&#x27; is not an email address" in page
    assert "Line 5: expected 2 columns (name, email), found 3" in page
    assert "Line 8: alan@example.com is already invited" in page
    invited = set(assessment.invitations.values_list("candidate_email", flat=True))
    assert invited == {"alan@example.com", "formula@example.com", "zoe@example.com"}
    assert len(mail.outbox) == 3
    assert (
        assessment.invitations.get(candidate_email="zoe@example.com").candidate_name
        == "Zoë Ünïcode"
    )


def test_a_csv_in_another_encoding_a_binary_file_or_a_huge_file_is_refused_with_a_reason(
    client, recruiter, assessment
):
    latin1 = upload(client, assessment, "José,jose@example.com\n".encode("latin-1"))
    assert latin1.status_code == 400 and "not UTF-8" in latin1.content.decode()
    binary = upload(client, assessment, b"\x00\x01\x02PK\x03\x04")
    assert binary.status_code == 400
    huge = upload(client, assessment, b"a,b@example.com\n" * (CSV_MAX_BYTES // 16 + 10))
    assert huge.status_code == 400 and "larger than 256 KiB" in huge.content.decode()
    too_many = upload(
        client, assessment, "".join(f"P{i},p{i}@example.com\n" for i in range(501)).encode()
    )
    assert too_many.status_code == 400 and "more than 500 rows" in too_many.content.decode()
    assert not assessment.invitations.exists() and not mail.outbox


def test_a_utf16_csv_from_a_spreadsheet_is_read(client, recruiter, assessment):
    response = upload(client, assessment, "name,email\nGrace,grace@example.com\n".encode("utf-16"))
    assert response.status_code == 200 and assessment.invitations.count() == 1


def test_hostile_values_are_shown_as_text(client, recruiter, assessment):
    client.post(
        url("invitations", assessment.pk),
        {"candidate_name": "<script>alert(1)</script>", "candidate_email": "x@example.com"},
    )
    page = client.get(url("invitations", assessment.pk)).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    bad = client.post(
        url("assessment_new"), {"title": "x", "time_limit_minutes": -5, "pass_mark": 400}
    )
    assert bad.status_code == 200 and not Assessment.objects.filter(title="x").exists()
