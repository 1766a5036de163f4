"""Reading, loading and writing back the YAML question bank.

`read_bank` validates every file completely (each question through
`quizzes.bankvalidate`) and raises one `BankError` listing every problem as
`file:line: what is wrong`; `load_bank` applies a valid bank in a single transaction, so a
bad file loads nothing. Content equal to a question's latest version is left alone;
different content becomes a new version.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction

from .bankvalidate import (
    CODING_DERIVED_FIELDS,
    BankError,
    BankIssue,
    BankQuestion,
    Reporter,
    line_of,
    validate_question,
)
from .models import Kind, Pool, Question, QuestionVersion, Topic
from .yamlio import dump_readable, load_with_lines

BANK_DIR = Path(__file__).resolve().parent / "bank"
TOPICS_FILE = "topics.yaml"
MAX_FILE_BYTES = 2_000_000


@dataclass
class Bank:
    topics: list[dict]
    questions: list[BankQuestion]


@dataclass
class LoadSummary:
    topics: int = 0
    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: int = 0
    retired: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.topics} topics; questions: {len(self.created)} created, "
            f"{len(self.new_versions)} with a new version, {self.unchanged} unchanged, "
            f"{len(self.retired)} retired"
        )


def _parse_file(path: Path, shown: str, report: Reporter):
    try:
        raw = path.read_bytes()
    except OSError as exc:
        report(0, f"cannot read the file: {exc.strerror}")
        return None
    if len(raw) > MAX_FILE_BYTES:
        report(0, f"file is {len(raw)} bytes, over the {MAX_FILE_BYTES}-byte limit")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        report(0, f"not UTF-8 (byte {exc.start})")
        return None
    try:
        return load_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        report(mark.line + 1 if mark else 0, f"invalid YAML: {problem}")
        return None


def _read_topics(path: Path, shown: str, issues: list[BankIssue]) -> list[dict]:
    report = Reporter(shown)
    data = None
    if path.exists():
        data = _parse_file(path, shown, report)
    else:
        report(0, "missing topics file")
    topics: list[dict] = []
    if data is not None and (
        not isinstance(data, Mapping) or not isinstance(data.get("topics"), list)
    ):
        report(line_of(data), "expected a mapping with a 'topics' list")
    elif data is not None:
        seen = set()
        for item in data["topics"]:
            if (
                not isinstance(item, Mapping)
                or set(item) - {"slug", "title", "description"}
                or not all(isinstance(item.get(k), str) and item.get(k) for k in ("slug", "title"))
            ):
                report(
                    line_of(item) or line_of(data, "topics"),
                    "each topic needs 'slug' and 'title' (and optionally 'description')",
                )
                continue
            if item["slug"] in seen:
                report(line_of(item), f"duplicate topic slug {item['slug']!r}")
                continue
            seen.add(item["slug"])
            topics.append(
                {
                    "slug": item["slug"],
                    "title": item["title"],
                    "description": item.get("description", ""),
                }
            )
    issues.extend(report.issues)
    return topics


def read_bank(root: Path = BANK_DIR) -> Bank:
    """Parse and validate every bank file under `root`; raise `BankError` listing all problems."""
    root = Path(root)
    if not root.is_dir():
        raise BankError([BankIssue(str(root), 0, "bank folder not found")])
    issues: list[BankIssue] = []
    topics = _read_topics(root / TOPICS_FILE, _shown(root, root / TOPICS_FILE), issues)
    topic_slugs = {t["slug"] for t in topics}
    questions: list[BankQuestion] = []
    first_seen: dict[str, str] = {}
    shown_file: dict[str, str] = {}
    files = sorted(p for p in root.rglob("*.yaml") if p.name != TOPICS_FILE)
    for path in files:
        shown = _shown(root, path)
        report = Reporter(shown)
        data = _parse_file(path, shown, report)
        if data is not None:
            if (
                not isinstance(data, Mapping)
                or set(data) != {"questions"}
                or not isinstance(data["questions"], list)
            ):
                report(line_of(data), "expected a mapping with only a 'questions' list")
            else:
                for raw in data["questions"]:
                    question = validate_question(raw, topic_slugs, report)
                    if question is None:
                        continue
                    where = f"{shown}:{question.line}"
                    if question.key in first_seen:
                        report(
                            question.line,
                            f"duplicate id {question.key!r} (first at {first_seen[question.key]})",
                        )
                        continue
                    first_seen[question.key] = where
                    shown_file[question.key] = shown
                    question.source_file = str(path.relative_to(root))
                    questions.append(question)
        issues.extend(report.issues)
    known = set(first_seen)
    for question in questions:
        for problem in _unknown_excludes(question, known):
            issues.append(BankIssue(shown_file[question.key], *problem))
    if issues:
        raise BankError(issues)
    return Bank(topics=topics, questions=questions)


def _unknown_excludes(question: BankQuestion, known: set[str]) -> list[tuple[int, str]]:
    return [
        (
            question.excludes_line,
            f"question {question.key!r}: 'excludes' names unknown id {other!r}",
        )
        for other in question.excludes
        if other not in known
    ]


def _shown(root: Path, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@transaction.atomic
def load_bank(bank: Bank, *, retire_missing: bool = True) -> LoadSummary:
    """Write a validated bank to the database; idempotent, versioning changed content.
    Raises BankError, writing nothing, when a stored question would change its pool."""
    moves = pool_moves(bank.questions)
    if moves:
        raise BankError(moves)
    summary = LoadSummary(topics=len(bank.topics))
    for position, topic in enumerate(bank.topics):
        Topic.objects.update_or_create(
            slug=topic["slug"],
            defaults={
                "title": topic["title"],
                "description": topic["description"],
                "position": position,
            },
        )
    topics = {t.slug: t for t in Topic.objects.all()}
    for item in bank.questions:
        question, created, version = save_question(item, topics[item.topic])
        if created:
            summary.created.append(item.key)
        elif version is not None:
            summary.new_versions.append(item.key)
        else:
            summary.unchanged += 1
    if retire_missing:
        loaded = {q.key for q in bank.questions}
        # An organization's private questions are not in the files: never retire them here.
        stale = (
            Question.objects.filter(is_active=True)
            .exclude(pool=Pool.PRIVATE)
            .exclude(key__in=loaded)
        )
        summary.retired = sorted(stale.values_list("key", flat=True))
        stale.update(is_active=False)
    return summary


def pool_moves(items: Iterable[BankQuestion]) -> list[BankIssue]:
    """The stored questions these items would move to another pool. A question keeps its
    pool for life: a hiring question's key may have reached organizations only, and a
    practice question's key is public; write a new question (a new id) instead."""
    items = list(items)
    stored = dict(
        Question.objects.filter(key__in=[i.key for i in items]).values_list("key", "pool")
    )
    return [
        BankIssue(
            item.source_file or "<question>",
            item.line,
            f"question {item.key!r} is in the {stored[item.key]} pool and cannot move to "
            f"{item.pool}: write a new question with its own id instead",
        )
        for item in items
        if item.key in stored and stored[item.key] != item.pool
    ]


@transaction.atomic
def save_question(
    item: BankQuestion, topic: Topic
) -> tuple[Question, bool, QuestionVersion | None]:
    """Create or update one question from validated content; a new version only if it changed."""
    question, created = Question.objects.get_or_create(
        key=item.key, defaults={"kind": item.kind, "topic": topic, "level": item.level}
    )
    fields = {
        "kind": item.kind,
        "topic": topic,
        "level": item.level,
        "pool": item.pool,
        "excludes": list(item.excludes),
        "is_active": not question.retired_in_admin,
    }
    if item.source_file:
        fields["source_file"] = item.source_file
    changed = [name for name, value in fields.items() if getattr(question, name) != value]
    for name in changed:
        setattr(question, name, fields[name])
    if changed:
        question.save(update_fields=[*changed, "updated_at"])
    return question, created, question.record_version(item.content, item.content_hash)


def question_to_file_entry(content: Mapping, pool: str, excludes: Iterable[str] = ()) -> dict:
    """A stored version's content, with the question's bank-only fields, as written in a file."""
    entry = {
        k: v
        for k, v in content.items()
        if k not in CODING_DERIVED_FIELDS or content["kind"] != Kind.CODING
    }
    header = {k: entry.pop(k) for k in ("id", "kind", "topic", "level")}
    if pool != Pool.HIRING:
        header["pool"] = str(pool)
    if excludes:
        header["excludes"] = list(excludes)
    return {**header, **entry}


def dump_bank(root: Path = BANK_DIR) -> list[Path]:
    """Write topics and every active question's latest version back to YAML under `root`."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    topics = [
        {"slug": t.slug, "title": t.title, "description": t.description}
        for t in Topic.objects.bank()
    ]
    dump_readable({"topics": topics}, root / TOPICS_FILE)
    written = [root / TOPICS_FILE]
    by_file: dict[str, list[dict]] = {}
    active = (
        Question.objects.filter(is_active=True)
        .exclude(pool=Pool.PRIVATE)  # organizations' own questions never go into the files
        .select_related("latest_version")
        .order_by("key")
    )
    for question in active:
        if question.latest_version is None:
            continue
        target = question.source_file or f"{question.kind}/{question.topic.slug}.yaml"
        by_file.setdefault(target, []).append(
            question_to_file_entry(
                question.latest_version.content, question.pool, question.excludes
            )
        )
    for relative, entries in sorted(by_file.items()):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        dump_readable({"questions": entries}, path)
        written.append(path)
    return written


def question_from_yaml(text: str, *, shown: str = "<question>") -> BankQuestion:
    """Validate one question written as YAML (used by the admin's editor)."""
    report = Reporter(shown)
    try:
        raw = load_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise BankError(
            [
                BankIssue(
                    shown,
                    mark.line + 1 if mark else 0,
                    f"invalid YAML: {getattr(exc, 'problem', exc)}",
                )
            ]
        ) from None
    question = validate_question(raw, Topic.objects.bank().values_list("slug", flat=True), report)
    if question is not None:
        known = set(
            Question.objects.filter(key__in=question.excludes).values_list("key", flat=True)
        )
        for line, message in _unknown_excludes(question, known):
            report(line, message)
    if report.issues or question is None:
        raise BankError(report.issues or [BankIssue(shown, 0, "not a valid question")])
    return question


__all__ = [
    "BANK_DIR",
    "Bank",
    "BankError",
    "BankIssue",
    "BankQuestion",
    "LoadSummary",
    "dump_bank",
    "load_bank",
    "pool_moves",
    "question_from_yaml",
    "question_to_file_entry",
    "read_bank",
    "save_question",
]
