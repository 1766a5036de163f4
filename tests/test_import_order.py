"""The order of the packages (docs/architecture.md), enforced over the whole tree: every
import, lazy ones inside functions included, points down the order or stays in its own
layer, and no module takes part in an import cycle.

    normcore < grader.engine < grader < quizzes < assess
    inside assess: base < feature models < audit core < privacy policy < orgs < library
                   < hiring < calibration < scoring < evidence < attempts < review < privacy
                   < audit < accounts < scim < sso < assess.models < api < integrations
                   < project

What must go up goes through a signal (`grader.signals.submission_finalized`,
`assess.attempts.signals.attempt_graded`) or Celery's task names.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("normcore", "grader", "quizzes", "assess")

# assess's own modules that import nothing above them: the shared small helpers.
ASSESS_BASE = {
    "clientip",
    "envconfig",
    "logredact",
    "outbound",
    "publicurl",
    "refusals",
    "sealing",
    "signin_throttling",
    "spreadsheet",
    "strictinput",
    "tokens",
}
ASSESS_FEATURES = (
    "audit_core",  # see AUDIT_CORE
    "privacy_policy",  # see PRIVACY_POLICY
    "orgs",
    "library",  # organizations' own questions: below the builder that offers them
    "hiring",
    "calibration",
    "scoring",
    "evidence",  # code playback, integrity policy, decisions (below the candidate's pages)
    "attempts",
    "review",
    "privacy",
    "audit",
    "accounts",
    "scim",  # SCIM provisioning: reads orgs and the API's tokens, above every feature
    "sso",  # sign-in through each organization's identity provider (allauth's social accounts)
)
# The privacy package's lower half: the organization's policy, the candidate's notice, the
# settings form and the anonymous responses, which the candidate's landing page, the
# settings page and the statistics read; its erasure, export and retention sit above the
# features they erase.
PRIVACY_POLICY = {"policy", "notice", "forms", "selectors", "signals"}
# The audit trail's lower half: the event names and `record_event`, which every feature calls
# where its event happens; its pages and retention purge sit above the features.
AUDIT_CORE = {"events", "trail"}

# Backward imports still to be turned around (issue 26). The list may only shrink: an
# entry that no longer occurs fails the test too, so the fix removes it here.
KNOWN_BACKWARD: set[tuple[str, str]] = set()
# Import cycles still to be broken (issue 26), each as its sorted modules; may only shrink.
KNOWN_CYCLES: set[tuple[str, ...]] = set()


def layer(module: str) -> tuple[int, int]:
    """Where a module stands: lower tuples are lower in the order."""
    parts = module.split(".")
    if parts[0] == "normcore":
        return (0, 0)
    if parts[0] == "grader":
        return (1, 0) if parts[1:2] == ["engine"] else (2, 0)
    if parts[0] == "quizzes":
        return (3, 0)
    sub = parts[1] if len(parts) > 1 else ""
    if sub in ASSESS_BASE:
        return (4, 0)
    if sub in (*ASSESS_FEATURES, "api") and parts[2:3] == ["models"]:
        return (4, 1)  # every feature's models: one Django app, related by name
    if sub == "privacy" and set(parts[2:3]) <= PRIVACY_POLICY:
        sub = "privacy_policy"
    if sub == "audit" and set(parts[2:3]) <= AUDIT_CORE:
        sub = "audit_core"
    if sub in ASSESS_FEATURES:
        return (4, 2 + ASSESS_FEATURES.index(sub))
    if sub == "models":
        return (4, 2 + len(ASSESS_FEATURES))  # the app's re-export of every model
    if sub == "api":
        return (4, 3 + len(ASSESS_FEATURES))
    if sub == "integrations":  # the applicant-tracking systems: over the API's webhooks
        return (4, 4 + len(ASSESS_FEATURES))
    return (4, 5 + len(ASSESS_FEATURES))  # settings, urls, tasks, demo, commands, bench


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def tree_sources(root: Path = ROOT) -> dict[str, tuple[str, bool]]:
    """Every module of our packages (migrations aside): name -> (source, is a package)."""
    return {
        _module_name(path, root): (path.read_text(), path.name == "__init__.py")
        for package in PACKAGES
        for path in (root / package).rglob("*.py")
        if "migrations" not in path.parts
    }


def import_edges(sources: dict[str, tuple[str, bool]]) -> set[tuple[str, str, int]]:
    """(importer, imported module, line) for every import of one of our modules, wherever
    the statement is (functions too), relative ones resolved."""

    def known(name: str) -> str:
        while name and name not in sources:
            name = name.rpartition(".")[0]
        return name

    edges = set()
    for module, (source, is_package) in sources.items():
        for node in ast.walk(ast.parse(source, filename=module)):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = module.split(".") if is_package else module.split(".")[:-1]
                    anchor = package[: len(package) - node.level + 1]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                # `from package import module` names a module; otherwise the package's name.
                names = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in sources else base
                    for alias in node.names
                ]
            for name in names:
                target = known(name)
                if target and target != module and target.split(".")[0] in PACKAGES:
                    edges.add((module, target, node.lineno))
    return edges


def backward_imports(edges) -> set[tuple[str, str]]:
    return {(src, dst) for src, dst, _ in edges if layer(dst) > layer(src)}


def import_cycles(edges) -> set[tuple[str, ...]]:
    """The strongly connected components of more than one module (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for src, dst, _ in edges:
        graph.setdefault(src, set()).add(dst)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = itertools.count()
    found = set()

    def visit(node: str) -> None:
        index[node] = low[node] = next(counter)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.add(tuple(sorted(component)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_import_points_down_the_order():
    edges = import_edges(tree_sources())
    where = {(src, dst): line for src, dst, line in edges}
    new = {
        f"{src} -> {dst} (line {where[src, dst]})"
        for src, dst in backward_imports(edges) - KNOWN_BACKWARD
    }
    assert not new, "imports against the order (docs/architecture.md):\n" + "\n".join(sorted(new))
    fixed = KNOWN_BACKWARD - backward_imports(edges)
    assert not fixed, f"no longer backward; remove from KNOWN_BACKWARD: {sorted(fixed)}"


def test_no_module_is_part_of_an_import_cycle():
    cycles = import_cycles(import_edges(tree_sources()))
    assert not cycles - KNOWN_CYCLES, f"new import cycles: {sorted(cycles - KNOWN_CYCLES)}"
    assert not KNOWN_CYCLES - cycles, (
        f"broken cycles; remove from KNOWN_CYCLES: {sorted(KNOWN_CYCLES - cycles)}"
    )


def test_a_planted_lazy_backward_import_and_cycle_are_found():
    sources = tree_sources()
    sources["assess.orgs.planted"] = (
        "def helper():\n    from ..review import selectors\n    return selectors\n",
        False,
    )
    sources["normcore.planted"] = ("from grader.engine import checks\n", False)
    sources["quizzes.planted_a"] = ("from . import planted_b\n", False)
    sources["quizzes.planted_b"] = ("def f():\n    from quizzes import planted_a\n", False)
    edges = import_edges(sources)
    assert ("assess.orgs.planted", "assess.review.selectors") in backward_imports(edges)
    assert ("normcore.planted", "grader.engine.checks") in backward_imports(edges)
    assert ("quizzes.planted_a", "quizzes.planted_b") in import_cycles(edges)


def test_the_order_places_each_layer_below_the_next():
    ordered = [
        "normcore.functional",
        "grader.engine.checks",
        "grader.routing",
        "quizzes.models",
        "assess.tokens",
        "assess.attempts.models",
        "assess.audit.trail",
        "assess.orgs.access",
        "assess.hiring.services",
        "assess.calibration.services",
        "assess.scoring",
        "assess.attempts.workflow",
        "assess.review.selectors",
        "assess.privacy.erasure_log",
        "assess.audit.views",
        "assess.accounts.views",
        "assess.models",
        "assess.api.webhooks",
        "assess.integrations.pushes",
        "assess.urls",
    ]
    assert [layer(m) for m in ordered] == sorted(layer(m) for m in ordered)
    assert len({layer(m) for m in ordered}) == len(ordered)


# A module a reader can hold in their head; the zygote is the exception, as it must stand
# alone (the sandbox loads it by path, before anything of the project can be imported).
MAX_MODULE_LINES = 500
LONG_MODULES_ALLOWED = {"grader/engine/sandbox/zygote.py"}


def test_no_module_of_assess_quizzes_or_grader_is_over_500_lines():
    long = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for package in ("assess", "quizzes", "grader")
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }
    over = {
        name: lines
        for name, lines in long.items()
        if lines > MAX_MODULE_LINES and name not in LONG_MODULES_ALLOWED
    }
    assert not over, f"modules over {MAX_MODULE_LINES} lines: {over}"
