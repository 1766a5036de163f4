"""Who holds a submission, and whether its message still exists: what the sweep and the
claim ask before sending a grade again or taking one over.

A worker instance is alive while its announcement (grader.capability) is live with the
same instance id: a worker restarted under the same name is a new instance, and whatever
the old one held died with it. A message is "waiting" while it sits in the broker's queue
list; once a worker has reserved it, only that worker's liveness says whether it will run.
No Django here, like grader.capability.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from grader import capability

logger = logging.getLogger(__name__)

# kombu's Redis transport keeps messages with a priority in lists suffixed with these.
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")
_SCAN_CHUNK = 1000


def holder_is_dead(identity: str, live: set[str] | None) -> bool:
    """True only when it is known that the instance `identity` is gone (never when the
    announcements cannot be read: then nobody is declared dead)."""
    if not identity or live is None:
        return False
    return identity not in live


def waiting_task_ids(
    queue_names: Iterable[str], *, broker_url: str | None = None
) -> set[str] | None:
    """Task ids of the messages waiting in these queues at the broker; None when that
    cannot be told (not Redis, or Redis did not answer)."""
    url = capability._broker_url(broker_url)
    if not capability._is_redis(url):
        return None
    client = capability._redis(url)
    ids: set[str] = set()
    try:
        for name in queue_names:
            for suffix in _PRIORITY_SUFFIXES:
                key, start = name + suffix, 0
                while True:
                    chunk = client.lrange(key, start, start + _SCAN_CHUNK - 1)
                    for raw in chunk:
                        task_id = _task_id(raw)
                        if task_id:
                            ids.add(task_id)
                    if len(chunk) < _SCAN_CHUNK:
                        break
                    start += _SCAN_CHUNK
    except Exception:
        logger.warning("could not list the messages waiting at the broker", exc_info=True)
        return None
    return ids


def _task_id(raw: bytes) -> str | None:
    try:
        message = json.loads(raw)
        return str(message["headers"]["id"])
    except (ValueError, KeyError, TypeError):
        return None
