"""A library coding question written from the author's own reference solution.

In the question's YAML, ``kind: coding`` with a ``reference:`` mapping (the function, its
parameters, the NumPy reference, the case generators, the tolerances: see
`grader.engine.authored.spec`) instead of ``problem:`` naming one of the bank's problems.
Checking the item queues the build (the reference and its mutants run in the sandbox, in a
grading worker: `grader.authored`); once built, the item is a coding question whose
``problem`` is the built problem's slug, and the bank's validator and everything after it
(draws, grading, the diagnosis) treat it as any coding question. Weak tests are advice on a
draft and refuse publication.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grader.authored import AUTHORED_SLUG, authored_problem_request, authored_slug, builds_busy
from grader.engine.authored import AuthoredSpecError, parse_spec
from grader.engine.authored.build import waived
from grader.engine.problems import list_problems
from grader.models import AuthoredProblem, AuthoredStatus
from quizzes.bankvalidate import plain
from quizzes.models import Kind

REFERENCE = "reference"
PENDING = (
    "The reference and its mutants are running in the sandbox: check again in a moment to "
    "see the result."
)


def is_reference_item(raw: Any) -> bool:
    return isinstance(raw, Mapping) and raw.get("kind") == Kind.CODING and REFERENCE in raw


def request_build(key: str, organization_id: int, raw: Any) -> None:
    """Queue the build of a reference item's spec; a spec that cannot be built is left to
    `reference_entry` to explain."""
    if not is_reference_item(raw) or "problem" in raw:
        return
    level = raw.get("level") if isinstance(raw.get("level"), str) else "mid"
    try:
        authored_problem_request(organization_id, key, plain(raw[REFERENCE]), level[:12])
    except (AuthoredSpecError, ValueError, TypeError):
        return


def reference_entry(
    key: str, organization_id: int, entry: dict
) -> tuple[dict | None, list[str], list[str]]:
    """The bank entry of a reference item (``problem`` set to its built problem), the errors
    that stop it (a bad spec, a failed or unfinished build) and the advice (weak tests)."""
    errors = []
    if "problem" in entry:
        errors.append("Give either 'problem' (one of the bank's) or 'reference', not both.")
    raw_spec = plain(entry[REFERENCE])
    try:
        spec = parse_spec(raw_spec)
    except AuthoredSpecError as exc:
        return None, errors + [f"reference: {e}" for e in exc.errors], []
    if errors:
        return None, errors, []
    row = AuthoredProblem.objects.filter(
        slug=authored_slug(key, raw_spec), owner=organization_id
    ).first()
    busy = builds_busy(organization_id) if row is None else ""
    if busy:
        return None, [busy], []
    if row is None or row.status == AuthoredStatus.PENDING:
        return None, [PENDING], []
    if row.status == AuthoredStatus.FAILED:
        return None, [f"reference: {e}" for e in row.errors], []
    built = {k: v for k, v in entry.items() if k != REFERENCE}
    built["problem"] = row.slug
    refused = [f"Publishing is refused: {w}" for w in row.weaknesses]
    return built, [], refused + waived(spec.equivalent, row.mutants)


def named_problem_errors(entry: Mapping) -> list[str]:
    """A library coding item that names a problem may name only the bank's own: an authored
    problem is reached through its ``reference``, never by a slug (which would let one
    organization use, or probe for, another's)."""
    slug = entry.get("problem")
    if entry.get("kind") != Kind.CODING or not isinstance(slug, str):
        return []
    if AUTHORED_SLUG.fullmatch(slug):
        known = ", ".join(p.slug for p in list_problems())
        return [f"unknown grader problem {slug!r} (known: {known})"]
    return []


def publish_refusal(content: Mapping) -> list[str]:
    """Why a question may not be published: its authored problem's weak tests."""
    slug = content.get("problem")
    if content.get("kind") != Kind.CODING or not isinstance(slug, str):
        return []
    row = AuthoredProblem.objects.filter(slug=slug).only("weaknesses").first()
    if row is None or not row.weaknesses:
        return []
    return ["The tests are too weak to publish:", *row.weaknesses]


def reference_of(content: Mapping) -> dict | None:
    """The spec an authored problem was built from (for the export), or None."""
    slug = content.get("problem")
    if not isinstance(slug, str) or not AUTHORED_SLUG.fullmatch(slug):
        return None
    row = AuthoredProblem.objects.filter(slug=slug).only("spec").first()
    return None if row is None else row.spec


# The editor's starting point: a problem whose hidden cases kill every mutant (a small
# batch for ddof, all-equal rows and a large eps for eps, an affine step far from 1 and 0).
STARTER = """id: my-question
kind: coding
topic: normalization-operation
level: mid
prompt: |
  Implement layer normalization over the last axis of `x`, then scale by `gamma` and
  shift by `beta`. Use the biased variance and add `eps` to it under the square root.
explanation: |
  Each row is normalized by its own mean and biased variance; eps keeps a constant row
  finite; gamma and beta are applied after normalizing.
reference:
  title: Layer normalization over the last axis
  function: layer_norm
  params: [x, gamma, beta, eps]
  statement: |
    Write `layer_norm(x, gamma, beta, eps)`: `x` has shape (N, D), `gamma` and `beta`
    shape (D,). Return an array of x's shape and dtype.
  source: |
    import numpy as np

    def layer_norm(x, gamma, beta, eps):
        mean = x.mean(axis=-1, keepdims=True)
        var = np.var(x, axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(var + eps) * gamma + beta
  cases:
    - name: sample
      public: true
      inputs:
        x: {shape: [2, 4]}
        gamma: {shape: [4], distribution: uniform, low: 0.5, high: 2.0}
        beta: {shape: [4]}
      values: {eps: 1.0e-5}
    - name: wide rows
      inputs:
        x: {shape: [4, 64], loc: 3.0, scale: 2.0}
        gamma: {shape: [64], distribution: uniform, low: 0.5, high: 2.0}
        beta: {shape: [64], loc: 1.0}
      values: {eps: 1.0e-5}
    - name: small rows
      inputs:
        x: {shape: [3, 3], loc: 5.0, scale: 3.0}
        gamma: {shape: [3], distribution: uniform, low: 0.5, high: 2.0}
        beta: {shape: [3], loc: 1.0}
      values: {eps: 1.0e-5}
    - name: a constant row and a large eps
      dtype: float64
      inputs:
        x: {values: [[2.0, 2.0, 2.0, 2.0], [1.0, 2.0, 3.0, 4.0]]}
        gamma: {shape: [4], distribution: uniform, low: 0.5, high: 2.0}
        beta: {shape: [4], loc: 1.0}
      values: {eps: 0.5}
"""


def forget_builds_of(sender, instance, **kwargs) -> None:
    """Receiver of the deletion of an organization: its authored problems' builds (the
    reference, the inputs, the expected values) go too. The grader keeps them by the
    organization's id, which no foreign key ties to the organization."""
    AuthoredProblem.objects.filter(owner=instance.pk).delete()
