"""A candidate's data as one JSON-ready dict: everything they gave and everything recorded
about them, for the admin or for the candidate. It reads only rows reached from this one
invitation, so nothing of another candidate can be in it. Answer keys, model answers and
hidden tests are never in it (the candidate may be the reader): a choice answer lists the
texts picked, a graded submission its verdict and score, a sample run its (public) report.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from assess.api.models import WebhookDelivery
from assess.attempts.models import Attempt
from assess.evidence.models import PlaybackLog
from assess.hiring.models import Invitation
from quizzes.models import CHOICE_KINDS, Kind
from quizzes.questions import candidate_view

from .models import LegalHold, NoticeConfirmation

EXPORT_FORMAT = "normassess-candidate-export/1"


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def _chosen_texts(answer, view: dict) -> list[str]:
    if answer.response is None:
        return []
    picked = answer.response if isinstance(answer.response, list) else [answer.response]
    texts = {choice["index"]: choice["text"] for choice in view["choices"]}
    return [texts[i] for i in picked if i in texts]


def _answer(answer) -> dict[str, Any]:
    view = candidate_view(answer.question_version, answer.seed)
    row: dict[str, Any] = {
        "number": answer.position + 1,
        "section": answer.section_title,
        "kind": view["kind"],
        "kind_name": Kind(view["kind"]).label,
        "prompt": view.get("title") or view["prompt"],
        # A choice answer by the texts picked: the bank's indices would reveal its order,
        # which the candidate's pages never show (assess.attempts.services.choice_value).
        "response": None if answer.kind in CHOICE_KINDS else answer.response,
        "saved_at": _when(answer.saved_at),
        "score": answer.score,
        "scored_at": _when(answer.scored_at),
    }
    if answer.kind in CHOICE_KINDS:
        row["chosen"] = _chosen_texts(answer, view)
    if answer.drawn_values:
        row["drawn_values"] = answer.drawn_values
    row["reviews"] = [
        {"score": r.score, "note": r.note, "at": _when(r.created_at)}
        for r in answer.rubric_reviews.all()
    ]
    row["code_runs"] = [
        {
            "kind": "sample run" if s.public_only else "graded submission",
            "code": s.source,
            "status": s.status,
            "verdict": s.verdict,
            "score": s.score,
            "at": _when(s.created_at),
            # A sample run's report is what the candidate saw; a graded one would show
            # the hidden tests.
            **({"report": s.report} if s.public_only else {}),
        }
        for s in answer.submissions.order_by("created_at", "pk")
    ]
    return row


def _attempt(attempt: Attempt) -> dict[str, Any]:
    confirmation = NoticeConfirmation.objects.filter(attempt=attempt).select_related("notice")
    confirmation = confirmation.first()
    answers = attempt.answers.select_related("question_version").prefetch_related(
        "rubric_reviews", "submissions"
    )
    return {
        "id": attempt.pk,
        "status": attempt.status,
        "started_at": _when(attempt.started_at),
        "deadline": _when(attempt.deadline),
        "submitted_at": _when(attempt.submitted_at),
        "submit_reason": attempt.submit_reason,
        "score_percent": attempt.score_percent,
        "passed": attempt.passed,
        "level_estimate": attempt.level_estimate,
        "notice_confirmed": (
            {
                "version": confirmation.notice.number,
                "at": _when(confirmation.confirmed_at),
                "text": confirmation.notice.text,
            }
            if confirmation is not None
            else None
        ),
        "answers": [_answer(a) for a in answers],
        "integrity_signals": [
            {
                "kind": e.kind,
                "what": e.get_kind_display(),
                "question": e.position + 1 if e.position is not None else None,
                "amount": e.amount,
                "at": _when(e.created_at),
            }
            for e in attempt.integrity_events.all()
        ],
        # The code playback of each coding answer, as recorded (assess/evidence/playback.py).
        "code_playback": [
            {
                "question": log.answer.position + 1,
                "capped": log.capped,
                "events": [
                    e for chunk in log.chunks.order_by("session", "seq") for e in chunk.events
                ],
            }
            for log in PlaybackLog.objects.filter(answer__attempt=attempt).select_related("answer")
        ],
        "report_links": [
            {
                "created_at": _when(s.created_at),
                "expires_at": _when(s.expires_at),
                "revoked_at": _when(s.revoked_at),
            }
            for s in attempt.shares.all()
        ],
        "webhook_events": [
            {"type": d.event_type, "created_at": _when(d.created_at), "status": d.status}
            for d in WebhookDelivery.objects.about_attempt(attempt.pk).order_by("created_at", "pk")
        ],
    }


def candidate_export(invitation: Invitation) -> dict[str, Any]:
    """Every kind of data held about the invitation's candidate."""
    attempt = Attempt.objects.filter(invitation=invitation).first()
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "organization": invitation.organization.name,
        "candidate": {"name": invitation.candidate_name, "email": invitation.candidate_email},
        "invitation": {
            "id": invitation.pk,
            "assessment": invitation.assessment.title,
            "created_at": _when(invitation.created_at),
            "expires_at": _when(invitation.expires_at),
            "revoked_at": _when(invitation.revoked_at),
            "emailed_at": _when(invitation.sent_at),
            "email_delivery": invitation.delivery,
            "extra_minutes": invitation.extra_minutes,
            "decision": invitation.decision,
            "decided_at": _when(invitation.decided_at),
            "legal_hold": LegalHold.objects.filter(invitation=invitation).exists(),
        },
        "attempt": _attempt(attempt) if attempt is not None else None,
    }
