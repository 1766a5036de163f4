"""The notice a candidate reads before starting: what is recorded, who sees it, for how
long, how to get a copy or have it erased, then the organization's own text. Its plain
text is versioned per organization; the version confirmed is stored with the attempt."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max

from assess.attempts.models import Attempt
from assess.orgs.models import Organization

from .models import NoticeConfirmation, NoticeVersion
from .policy import PrivacyError, privacy_settings_of

CONFIRM_FIELD = "notice_confirmed"
VERSION_FIELD = "notice_version"


@dataclass(frozen=True)
class NoticeSection:
    heading: str
    paragraphs: tuple[str, ...]


def notice_sections(organization: Organization) -> list[NoticeSection]:
    periods = privacy_settings_of(organization)
    name = organization.name
    contact = periods.contact or f"the hiring team at {name}"
    sections = [
        NoticeSection(
            "What is recorded",
            (
                "Your name and email address, from your invitation.",
                "Your answers, the code you write and each run of the sample tests, with "
                "their results; when you start and submit, and the time spent on each "
                "question.",
                "Focus and paste signals: when you leave this test's tab and how many "
                "characters you paste. A reviewer reads them as signals, never as a verdict.",
                "Your network address reaches our server with each request; it is not "
                "stored with your test.",
            ),
        ),
        NoticeSection(
            "Who sees it",
            (
                f"The hiring team of {name} (recruiters, reviewers and admins), and anyone "
                "they send a link to your report. The platform's operator stores and "
                f"processes it on {name}'s behalf and uses it for nothing else. Your answers "
                "also count, without your name, in the statistics of the questions.",
            ),
        ),
        NoticeSection(
            "How long",
            (
                f"Your test, code and report are kept {periods.retention_days} days after you "
                f"submit; the focus and paste signals {periods.evidence_days} days. Then they "
                "are erased automatically, unless the law requires them to be kept for a "
                "claim.",
            ),
        ),
        NoticeSection(
            "A copy, or deletion",
            (
                "While your link works, its “Your data” page lets you download a copy of "
                "everything recorded about you, or erase it. You can also ask "
                f"{contact}.",
            ),
        ),
    ]
    if periods.privacy_text:
        sections.append(
            NoticeSection(
                f"From {name}", tuple(p for p in periods.privacy_text.splitlines() if p.strip())
            )
        )
    return sections


def notice_text(organization: Organization) -> str:
    return "\n\n".join(
        section.heading + "\n" + "\n".join(section.paragraphs)
        for section in notice_sections(organization)
    )


def notice_current(organization: Organization) -> NoticeVersion:
    """The version of the notice candidates see now; a new one when the text changed."""
    text = notice_text(organization)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    for _ in range(3):  # two first readers of a new text race for its number
        found = NoticeVersion.objects.filter(organization=organization, digest=digest).first()
        if found is not None:
            return found
        try:
            with transaction.atomic():
                latest = NoticeVersion.objects.filter(organization=organization).aggregate(
                    n=Max("number")
                )["n"]
                return NoticeVersion.objects.create(
                    organization=organization, number=(latest or 0) + 1, text=text, digest=digest
                )
        except IntegrityError:
            continue
    raise RuntimeError("could not record the notice's version")


class NoticeNotConfirmed(PrivacyError):
    status = 400


def notice_confirmed_version(organization: Organization, form) -> NoticeVersion:
    """The notice version the candidate's start form confirms; NoticeNotConfirmed when the
    box is not ticked, or the notice changed since the page was shown."""
    if form.get(CONFIRM_FIELD) != "yes":
        raise NoticeNotConfirmed(
            "Please confirm that you have read how your data is recorded and used."
        )
    current = notice_current(organization)
    if form.get(VERSION_FIELD) != str(current.number):
        raise NoticeNotConfirmed(
            "The privacy notice has changed since this page was opened: please read it again."
        )
    return current


def notice_confirm(attempt: Attempt, notice: NoticeVersion) -> NoticeConfirmation:
    confirmation, _ = NoticeConfirmation.objects.get_or_create(
        attempt=attempt, defaults={"notice": notice}
    )
    return confirmation


def notice_context(organization: Organization) -> dict:
    """What the landing page's notice and its confirmation need."""
    return {
        "notice_sections": notice_sections(organization),
        "notice_version": notice_current(organization).number,
        "notice_confirm_field": CONFIRM_FIELD,
        "notice_version_field": VERSION_FIELD,
    }
