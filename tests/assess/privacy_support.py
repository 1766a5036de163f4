"""Builders for the privacy tests: a candidate with every kind of data, made through the
candidate's own pages where a person would make it, and the searches that prove it gone."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import connection
from django.urls import reverse

from assess.api.models import WebhookEndpoint
from assess.api.webhooks import webhooks_emit_attempt_graded
from assess.attempts.services import (
    answer_save,
    attempt_start,
    attempt_submit,
    choice_value,
)
from assess.evidence.services import integrity_decide
from assess.hiring.invitations import invitation_send
from assess.hiring.models import Assessment, Decision, Invitation
from assess.models import Attempt
from assess.privacy.notice import CONFIRM_FIELD, VERSION_FIELD, notice_current
from assess.review.services import report_share_create, rubric_score, submission_regrade
from assess.tokens import token_digest
from grader.models import Submission, SubmissionStatus
from grader.signals import submission_finalized
from quizzes.models import Kind
from tests.assess import factories


def start_form(organization) -> dict[str, str]:
    """What the landing page's start form posts once the candidate ticks the notice."""
    return {CONFIRM_FIELD: "yes", VERSION_FIELD: str(notice_current(organization).number)}


@dataclass
class Candidate:
    invitation: Invitation
    attempt: Attempt
    token: str
    name: str
    email: str
    code_marker: str

    @property
    def needles(self) -> dict[str, str]:
        """What must be found nowhere once the candidate is erased."""
        return {
            "name": self.name,
            "email": self.email,
            "token": self.token,
            "token hash": token_digest(self.token),
            "code": self.code_marker,
        }


def _graded(submission: Submission, report: dict, score: float) -> None:
    """What the grader's final write does (grader.grading): the report, then the signal
    assess.scoring listens to."""
    Submission.objects.filter(pk=submission.pk).update(
        status=SubmissionStatus.GRADED, report=report, verdict=report["verdict"], score=score
    )
    submission.refresh_from_db()
    submission_finalized.send(
        sender=Submission, submission=submission, score=score, verdict=report["verdict"]
    )


def candidate_with_everything(
    client, assessment: Assessment, staff_user, django_capture_on_commit_callbacks
) -> Candidate:
    """A candidate with every kind of data: answers of each kind, code, sample runs, focus,
    paste and time signals, the notice confirmation, a queued email, a graded submission
    with its report and a re-grade, a rubric review with a note, a decision, a share link,
    a webhook delivery, and the admin site's history of their invitation."""
    tag = uuid.uuid4().hex[:10]
    name = f"Zenobia Quartermain{tag}"
    email = f"zq.{tag}@example.org"
    marker = f"zq_marker_{tag}"
    invitation, token = factories.make_invitation(assessment, name=name)
    Invitation.objects.filter(pk=invitation.pk).update(candidate_email=email)
    invitation.refresh_from_db()
    org = assessment.organization
    with django_capture_on_commit_callbacks(execute=False):
        invitation_send(invitation, token, "http://testserver")  # the queued email

    assert client.get(reverse("assess:attempt_landing", args=[token])).status_code == 200
    started = client.post(reverse("assess:attempt_begin", args=[token]), start_form(org))
    assert started.status_code == 302, started.content.decode()[:500]
    attempt = Attempt.objects.get(invitation=invitation)
    code = factories.GOOD_LAYERNORM + f"\n# {marker}\n"
    for answer in attempt.answers.select_related("question_version"):
        number = answer.position + 1
        if answer.kind == Kind.SINGLE_CHOICE:
            response = choice_value(answer, 0)
        elif answer.kind == Kind.MULTIPLE_CHOICE:
            response = [choice_value(answer, 0), choice_value(answer, 1)]
        elif answer.kind == Kind.NUMERIC:
            response = "1.25"
        elif answer.kind == Kind.WRITTEN:
            response = f"I am {name}; tiny batches give noisy statistics."
        else:
            response = code
            with django_capture_on_commit_callbacks(execute=False):
                run = client.post(
                    reverse("assess:sample_run", args=[token, number]), {"source": code}
                )
            assert run.status_code == 200
        body = {"response": response, "revision": 0}
        if answer.kind == Kind.CODING:  # the code playback (assess.evidence) holds it too
            events = [["o", 0, ""], ["p", 500, len(code), "outside", code], ["e", 510, 0, 0, code]]
            body["playback"] = json.dumps({"session": tag, "seq": 0, "events": events})
        saved = client.post(
            reverse("assess:answer_autosave", args=[token, number]),
            json.dumps(body),
            content_type="application/json",
        )
        assert saved.status_code == 200, saved.content
    signals = client.post(
        reverse("org:attempt_signals", args=[token]),
        json.dumps(
            {
                "events": [
                    {"kind": "tab_hidden"},
                    {"kind": "paste", "position": 0, "amount": 40},
                    *(
                        {"kind": "question_time", "position": a.position, "amount": 9000 + a.pk}
                        for a in attempt.answers.all()
                    ),
                ]
            }
        ),
        content_type="application/json",
    )
    assert signals.status_code == 204
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post(reverse("assess:attempt_finish", args=[token])).status_code == 302

    sample = Submission.objects.get(answer__attempt=attempt, public_only=True)
    Submission.objects.filter(pk=sample.pk).update(
        status=SubmissionStatus.GRADED,
        verdict="accepted",
        report={"verdict": "accepted", "stdout": f"print from {marker}", "checks": []},
    )
    final = Submission.objects.get(answer__attempt=attempt, public_only=False)
    with django_capture_on_commit_callbacks(execute=False):
        _graded(final, {"verdict": "wrong_answer", "message": f"line 12 {marker}"}, 0.0)
        submission_regrade(final, staff_user)
        final.refresh_from_db()
        Submission.objects.filter(pk=final.pk).update(status=SubmissionStatus.QUEUED)
        _graded(final, {"verdict": "accepted", "message": f"passed, {marker}"}, 1.0)
    written = attempt.answers.get(question_version__question__kind=Kind.WRITTEN)
    rubric_score(written, [0], staff_user, note=f"{name} names the noise")
    report_share_create(attempt, staff_user)
    integrity_decide(attempt, "no_concern", f"{name} explained the paste", staff_user)
    Invitation.objects.filter(pk=invitation.pk).update(decision=Decision.ADVANCED)
    WebhookEndpoint.objects.get_or_create(organization=org, url="https://hooks.example.com/n")
    with django_capture_on_commit_callbacks(execute=False):
        assert webhooks_emit_attempt_graded(attempt)
    LogEntry.objects.log_actions(
        staff_user.pk, [invitation], CHANGE, change_message=f"Edited {name}"
    )
    attempt.refresh_from_db()
    return Candidate(invitation, attempt, token, name, email, marker)


def other_candidate(assessment: Assessment, name: str) -> Attempt:
    """A submitted attempt of another candidate, answered through the services."""
    invitation, _ = factories.make_invitation(assessment, name=name)
    attempt = attempt_start(invitation)
    for answer in attempt.answers.select_related("question_version"):
        response = {
            Kind.SINGLE_CHOICE: 1,
            Kind.MULTIPLE_CHOICE: [0, 1],
            Kind.NUMERIC: "0.5",
            Kind.WRITTEN: f"{name} writes about batch statistics.",
            Kind.CODING: factories.WRONG_LAYERNORM,
        }[answer.kind]
        answer_save(attempt, answer.position, response, 0)
    attempt_submit(attempt)
    return attempt


def database_hits(needle: str) -> list[str]:
    """Every table and column, of every table in the database, whose text holds `needle`
    (any column cast to text: varchar, text, json and jsonb included)."""
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                qn = connection.ops.quote_name
                cursor.execute(
                    f"SELECT COUNT(*) FROM {qn(table)} "
                    f"WHERE LOWER(CAST({qn(column.name)} AS TEXT)) LIKE %s",
                    [f"%{needle.lower()}%"],
                )
                if cursor.fetchone()[0]:
                    hits.append(f"{table}.{column.name}")
    return hits


def file_hits(folder: Path, needle: str) -> list[str]:
    data = needle.encode("utf-8")
    return [
        str(path)
        for path in folder.rglob("*")
        if path.is_file() and not path.is_symlink() and data in path.read_bytes()
    ]
