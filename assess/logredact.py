"""No log line holds a candidate's link: the token in /t/<token>/ is a credential.

Installed as the process's log record factory (from settings, so the web server, every
Celery worker and management commands all get it before anything logs), it rewrites a
record's message when it is created, whichever logger or handler then sees it: Django's
"Not Found: /t/<token>/" warnings, runserver's request lines, Celery's task messages.
"""

from __future__ import annotations

import logging
import re

# Candidate tokens are secrets.token_urlsafe(32): 43 URL-safe characters.
_CANDIDATE_LINK = re.compile(r"(/t/)[A-Za-z0-9_-]{16,}")
REDACTED = r"\1[redacted]"


def redact(text: str) -> str:
    return _CANDIDATE_LINK.sub(REDACTED, text)


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
        if "/t/" in message:
            record.msg, record.args = redact(message), ()
        return record

    factory.redacts_candidate_links = True
    logging.setLogRecordFactory(factory)
