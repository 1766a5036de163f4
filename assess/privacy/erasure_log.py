"""The erasure log: one JSON line per erasure, kept OUTSIDE the database (and its backups),
so a database restored from a backup taken before an erasure can have it re-applied
(`manage.py privacy_replay_erasures`, docs/privacy.md).

A line holds only numbers and a time: the organization, the invitation and when the
invitation was created (so a replay never erases a different candidate who got the same id
after a restore reset the sequences). Never a name, an email or a link.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings


@dataclass(frozen=True)
class ErasureLine:
    organization_id: int
    invitation_id: int
    invitation_created_at: str  # ISO 8601, as the row had it
    erased_at: str


class ErasureLogError(Exception):
    pass


def erasure_log_path() -> Path:
    return Path(settings.PRIVACY_ERASURE_LOG)


def erasure_log_append(line: ErasureLine) -> None:
    """Append and fsync: an erasure that returns is on disk."""
    path = erasure_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(asdict(line), sort_keys=True) + "\n"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def erasure_log_read(path: Path | None = None) -> list[ErasureLine]:
    """Every line of the log, oldest first; ErasureLogError names a malformed line."""
    path = path or erasure_log_path()
    if not path.exists():
        return []
    lines = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            fields = json.loads(raw)
            line = ErasureLine(
                organization_id=int(fields["organization_id"]),
                invitation_id=int(fields["invitation_id"]),
                invitation_created_at=str(fields["invitation_created_at"]),
                erased_at=str(fields["erased_at"]),
            )
            datetime.fromisoformat(line.invitation_created_at)
        except (ValueError, KeyError, TypeError) as exc:
            raise ErasureLogError(f"{path}, line {number}: not an erasure record ({exc})") from None
        lines.append(line)
    return lines
