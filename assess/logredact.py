"""No log line holds a candidate's personal data.

Log records: installed as the process's log record factory (from settings, so the web
server, every Celery worker and management commands all get it before anything logs), it
rewrites a record's message, and the text of its exception, when the record is created,
whichever logger or handler then sees it (Django's "Not Found: /t/<token>/" warnings,
runserver's and gunicorn's request lines, Celery's task messages, an SMTP refusal that
quotes the recipient):
- the token of a candidate's link /t/<token>/ (a credential), and the query string of any
  candidate page, which could carry what they typed;
- email addresses.
Names and code cannot be recognised by a pattern: they stay out because no log call
formats an invitation, an attempt or a request body, and the models' `str()` names rows by
number, never by person (assess.hiring.models, assess.attempts.models).

Error reports: assess.privacy.error_reports.
"""

from __future__ import annotations

import logging
import re
import traceback

# Candidate tokens are secrets.token_urlsafe(32): 43 URL-safe characters. The rest of the
# path stays readable; a query string after it is dropped.
_CANDIDATE_LINK = re.compile(r"(/t/)[A-Za-z0-9_-]{16,}(/[^\s?\"']*)?(\?[^\s\"']*)?")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
REDACTED_EMAIL = "[email]"


def _link(match: re.Match) -> str:
    return (
        match.group(1)
        + "[redacted]"
        + (match.group(2) or "")
        + ("?[redacted]" if match.group(3) else "")
    )


def redact(text: str) -> str:
    if "/t/" in text:
        text = _CANDIDATE_LINK.sub(_link, text)
    if "@" in text:
        text = _EMAIL.sub(REDACTED_EMAIL, text)
    return text


def _needs_redaction(text: str) -> bool:
    return "/t/" in text or "@" in text


def install() -> None:
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts_candidate_links", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let the handler report it as usual
            return record
        if _needs_redaction(message):
            record.msg, record.args = redact(message), ()
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            # Formatted now (as logging.Formatter would) so the handler prints this text.
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = redact(text) if _needs_redaction(text) else text
        return record

    factory.redacts_candidate_links = True
    logging.setLogRecordFactory(factory)
