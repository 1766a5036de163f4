"""Authored problems in the database: asking for a spec's build, the build itself (what the
Celery task runs, in a worker that reaches the grading service: the web process never runs
an author's code), and the engine's lookup of an authored slug (`resolve`).

A row is keyed by a digest of its spec: the same spec is built once, an edited one is a new
row, and a built row never changes, so the version a candidate was given keeps its
expected values.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from grader.engine.authored import (
    AuthoredBuildError,
    AuthoredSpecError,
    BuildUnavailable,
    build,
    dump_arrays,
    load_built,
    make_problem,
    mutant_rows,
    parse_spec,
)
from grader.engine.problems import Problem

from .models import AuthoredProblem, AuthoredStatus

logger = logging.getLogger(__name__)

BUILD_AUTHORED_TASK = "grader.build_authored_problem"
OUR_FAILURE = "The build failed on our side, not because of your reference: check again later."
DIGEST_CHARS = 10
RESEND_AFTER_SECONDS = 60
# Builds an owner may have waiting at once (each is up to 41 sandbox jobs on the grading
# workers candidates share); one waiting longer than STALE_PENDING_SECONDS no longer counts.
MAX_PENDING_PER_OWNER = 4
STALE_PENDING_SECONDS = 600
# What an authored slug looks like (the library's `org<id>-<id>` key, then the digest): any
# other unknown slug is not looked up in the database.
AUTHORED_SLUG = re.compile(rf"org[0-9]+-[a-z0-9-]+-[0-9a-f]{{{DIGEST_CHARS}}}")


def authored_slug(key: str, raw_spec: dict) -> str:
    """``key`` (the owner's namespaced id of the question) and a digest of the spec."""
    text = json.dumps(raw_spec, sort_keys=True, ensure_ascii=False, allow_nan=False)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{key}-{digest[:DIGEST_CHARS]}"


def authored_problem_request(owner: int, key: str, raw_spec: dict, level: str) -> AuthoredProblem:
    """The row for this spec, its build queued if it is not built yet. Raises
    ``AuthoredSpecError`` for a spec that cannot make a problem (nothing is stored)."""
    parse_spec(raw_spec)
    slug = authored_slug(key, raw_spec)
    if not AuthoredProblem.objects.filter(slug=slug).exists():
        _pending_cap_check(owner)
    row, created = AuthoredProblem.objects.get_or_create(
        slug=slug, defaults={"owner": owner, "spec": raw_spec, "level": level}
    )
    if row.owner != owner:  # the key is namespaced by owner: a clash is a bug, never a share
        raise AuthoredSpecError(["This problem's id is taken."])
    if row.status == AuthoredStatus.FAILED and row.errors == [OUR_FAILURE]:
        AuthoredProblem.objects.filter(pk=row.pk, status=AuthoredStatus.FAILED).update(
            status=AuthoredStatus.PENDING, errors=[]
        )
        row.refresh_from_db()
    waited = (timezone.now() - row.created_at).total_seconds()
    if row.status == AuthoredStatus.PENDING and (created or waited > RESEND_AFTER_SECONDS):
        # A message the broker lost is sent again by a check made a while later (the build
        # is idempotent; a second run's result is not written over the first's).
        transaction.on_commit(lambda: _send_build(row.pk))
    return row


def builds_busy(owner: int) -> str:
    """Why a new build of `owner`'s cannot be queued now ("" when it can)."""
    since = timezone.now() - timedelta(seconds=STALE_PENDING_SECONDS)
    waiting = AuthoredProblem.objects.filter(
        owner=owner, status=AuthoredStatus.PENDING, created_at__gte=since
    ).count()
    if waiting < MAX_PENDING_PER_OWNER:
        return ""
    return (
        f"Your organization has {waiting} problems being built in the sandbox: check this "
        "one again when they are done."
    )


def _pending_cap_check(owner: int) -> None:
    busy = builds_busy(owner)
    if busy:
        raise AuthoredSpecError([busy])


def _send_build(problem_id: int) -> None:
    try:
        current_app.tasks[BUILD_AUTHORED_TASK].apply_async(
            args=[problem_id], queue=settings.GRADER_CPU_QUEUE
        )
    except Exception:  # the author's next check sends it again
        logger.exception("could not queue the build of authored problem %s", problem_id)


def authored_problem_build(problem_id: int, pool=None) -> AuthoredProblem | None:
    """Run the reference and the strength check in the sandbox and store the result once.
    ``BuildUnavailable`` (the sandbox is down) propagates: the task retries."""
    from grader.engine.sandbox import get_pool

    row = AuthoredProblem.objects.filter(pk=problem_id).first()
    if row is None or row.status != AuthoredStatus.PENDING:
        return row
    try:
        built = build(parse_spec(row.spec), pool or get_pool())
    except (AuthoredBuildError, AuthoredSpecError) as exc:
        _failed(row.pk, exc.errors)
    except BuildUnavailable:
        raise
    except Exception:  # a bug of ours: the author's next check builds it again
        logger.exception("building authored problem %s failed", row.pk)
        _failed(row.pk, [OUR_FAILURE])
    else:
        AuthoredProblem.objects.filter(pk=row.pk, status=AuthoredStatus.PENDING).update(
            status=AuthoredStatus.BUILT,
            weaknesses=built.weaknesses(),
            mutants=mutant_rows(built),
            degenerate=built.degenerate,
            arrays=dump_arrays(built),
            built_at=timezone.now(),
        )
    return AuthoredProblem.objects.get(pk=row.pk)


def _failed(problem_id: int, errors: list[str]) -> None:
    AuthoredProblem.objects.filter(pk=problem_id, status=AuthoredStatus.PENDING).update(
        status=AuthoredStatus.FAILED, errors=errors, built_at=timezone.now()
    )


_cache: dict[str, Problem] = {}
_cache_lock = threading.Lock()
_CACHE_ENTRIES = 64


def resolve(slug: str) -> Problem | None:
    """The built problem named ``slug`` for the engine (``set_resolver``), or None. Built
    rows never change, so each is loaded once per process."""
    if not AUTHORED_SLUG.fullmatch(slug):
        return None
    with _cache_lock:
        if slug in _cache:
            return _cache[slug]
    row = (
        AuthoredProblem.objects.filter(slug=slug, status=AuthoredStatus.BUILT)
        .only("slug", "spec", "level", "arrays", "mutants", "degenerate")
        .first()
    )
    if row is None:
        return None
    built = load_built(row.spec, bytes(row.arrays), row.mutants, row.degenerate)
    problem = make_problem(row.slug, row.level, built)
    with _cache_lock:
        if len(_cache) >= _CACHE_ENTRIES:
            _cache.pop(next(iter(_cache)))
        _cache[slug] = problem
    return problem
