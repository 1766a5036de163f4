"""Reading, validating, loading and writing back the YAML question bank.

`read_bank` validates every file completely and raises one `BankError` listing every
problem as `file:line: what is wrong`; `load_bank` applies a valid bank in a single
transaction, so a bad file loads nothing. Content equal to a question's latest version
is left alone; different content becomes a new version.
"""

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from . import numeric
from .models import CHOICE_KINDS, Kind, Level, Question, QuestionVersion, Topic
from .yamlio import LineDict, dump_readable, load_with_lines

BANK_DIR = Path(__file__).resolve().parent / "bank"
TOPICS_FILE = "topics.yaml"
KEY_PATTERN_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")
MAX_TEXT = 20_000
MAX_FILE_BYTES = 2_000_000

COMMON_FIELDS = (
    "id",
    "kind",
    "topic",
    "level",
    "practice",
    "excludes",
    "prompt",
    "explanation",
)
KIND_FIELDS = {
    Kind.SINGLE_CHOICE: ("choices",),
    Kind.MULTIPLE_CHOICE: ("choices",),
    Kind.NUMERIC: ("params", "answer", "tolerance", "answer_decimals"),
    Kind.WRITTEN: ("expected_answer", "rubric", "recruiter_signal", "max_words"),
    Kind.CODING: ("problem",),
}
REQUIRED_KIND_FIELDS = {
    Kind.SINGLE_CHOICE: ("choices",),
    Kind.MULTIPLE_CHOICE: ("choices",),
    Kind.NUMERIC: ("params", "answer", "tolerance"),
    Kind.WRITTEN: ("expected_answer", "rubric", "recruiter_signal"),
    Kind.CODING: ("problem",),
}
# Filled from the grader when a coding question is loaded, never written in bank files.
CODING_DERIVED_FIELDS = ("title", "statement", "starter_code")


@dataclass(frozen=True)
class BankIssue:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class BankError(Exception):
    """The bank files are invalid; `issues` lists every problem found."""

    def __init__(self, issues: list[BankIssue]):
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


@dataclass
class BankQuestion:
    key: str
    kind: str
    topic: str
    level: str
    in_practice: bool
    content: dict
    source_file: str
    line: int
    # Bank ids this question gives away or duplicates: never drawn into one attempt with it.
    excludes: tuple[str, ...] = ()
    excludes_line: int = 0

    @property
    def content_hash(self) -> str:
        return content_hash(self.content)


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


def content_hash(content: Mapping) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _Reporter:
    def __init__(self, path: str):
        self.path = path
        self.issues: list[BankIssue] = []

    def __call__(self, line: int, message: str) -> None:
        self.issues.append(BankIssue(self.path, line, message))


def _line(node: Any, key: str | None = None) -> int:
    if isinstance(node, LineDict):
        return node.line_of(key) if key else node.line
    return 0


def _parse_file(path: Path, shown: str, report: _Reporter):
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


def _text(q: Mapping, name: str, report, *, required: bool = True, limit: int = MAX_TEXT):
    value = q.get(name)
    if value is None:
        if required:
            report(_line(q), f"missing {name!r}")
        return None
    if not isinstance(value, str) or not value.strip():
        report(_line(q, name), f"{name!r} must be non-empty text")
        return None
    if len(value) > limit:
        report(_line(q, name), f"{name!r} is {len(value)} characters, over the limit of {limit}")
        return None
    return value


def _validate_choices(q: Mapping, kind: str, report) -> list[dict] | None:
    choices = q.get("choices")
    if not isinstance(choices, list) or not 2 <= len(choices) <= 8:
        report(_line(q, "choices"), "'choices' must be a list of 2 to 8 {text, correct} items")
        return None
    clean = []
    for index, choice in enumerate(choices, start=1):
        where = _line(choice) or _line(q, "choices")
        if not isinstance(choice, Mapping) or set(choice) - {"text", "correct"}:
            report(where, f"choice {index} must have only 'text' and 'correct'")
            return None
        text, correct = choice.get("text"), choice.get("correct")
        if (
            not isinstance(text, str | int | float)
            or isinstance(text, bool)
            or not str(text).strip()
        ):
            report(where, f"choice {index} needs a non-empty 'text'")
            return None
        if not isinstance(correct, bool):
            report(where, f"choice {index} needs 'correct: true' or 'correct: false'")
            return None
        clean.append({"text": str(text), "correct": correct})
    texts = Counter(c["text"].strip() for c in clean)
    duplicated = [t for t, n in texts.items() if n > 1]
    if duplicated:
        report(_line(q, "choices"), f"duplicate choice text {duplicated[0]!r}")
        return None
    n_correct = sum(c["correct"] for c in clean)
    if kind == Kind.SINGLE_CHOICE and n_correct != 1:
        report(
            _line(q, "choices"),
            f"single_choice needs exactly one correct choice, found {n_correct}",
        )
        return None
    if kind == Kind.MULTIPLE_CHOICE and not 1 <= n_correct < len(clean):
        report(
            _line(q, "choices"),
            "multiple_choice needs at least one correct and one wrong choice, "
            f"found {n_correct} correct of {len(clean)}",
        )
        return None
    return clean


def _validate_numeric(q: Mapping, prompt: str | None, report) -> dict | None:
    params, answer, tolerance = q.get("params"), q.get("answer"), q.get("tolerance")
    ok = True
    if not isinstance(params, Mapping) or not params:
        report(_line(q, "params"), "'params' must be a non-empty mapping of name: spec")
        return None
    for name, spec in params.items():
        problem = numeric.validate_param_spec(name, spec)
        if problem:
            report(_line(spec) or _line(params, name), problem)
            ok = False
    if not isinstance(answer, Mapping) or set(answer) != {"quantity"}:
        report(
            _line(q, "answer"), "'answer' must be {quantity: NAME} (a quizzes.quantities function)"
        )
        return None
    try:
        expected = numeric.quantity_parameter_names(answer["quantity"])
    except numeric.TemplateError as exc:
        report(_line(answer) or _line(q, "answer"), str(exc))
        return None
    if expected != set(params):
        report(
            _line(q, "params"),
            f"params {sorted(params)} do not match quantity {answer['quantity']!r}'s "
            f"arguments {sorted(expected)}",
        )
        ok = False
    if (
        not isinstance(tolerance, Mapping)
        or not tolerance
        or set(tolerance) - {"abs", "rel"}
        or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
            for v in tolerance.values()
        )
        or not any(tolerance.values())
    ):
        report(
            _line(q, "tolerance"), "'tolerance' must be {abs: A, rel: R} with A, R >= 0, not both 0"
        )
        ok = False
    decimals = q.get("answer_decimals", 4)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 10:
        report(_line(q, "answer_decimals"), "'answer_decimals' must be an integer from 0 to 10")
        ok = False
    if not ok or prompt is None:
        return None
    # Draw a few candidates' values to catch broken placeholders and quantities now,
    # not in front of a candidate.
    for seed in (0, 1, 2):
        values = numeric.draw_values(params, seed)
        try:
            numeric.render_prompt(prompt, values)
            numeric.compute_answer(answer["quantity"], values)
        except numeric.TemplateError as exc:
            report(_line(q, "prompt"), str(exc))
            return None
        except Exception as exc:  # the quantity raised on drawn values: a bank bug
            report(_line(q, "answer"), f"quantity {answer['quantity']!r} failed on {values}: {exc}")
            return None
    content = {"params": _plain(params), "answer": _plain(answer), "tolerance": _plain(tolerance)}
    content["answer_decimals"] = decimals
    return content


def _validate_written(q: Mapping, report) -> dict | None:
    expected = _text(q, "expected_answer", report)
    signal = _text(q, "recruiter_signal", report, limit=300)
    if signal and "\n" in signal.strip():
        report(_line(q, "recruiter_signal"), "'recruiter_signal' must be one line")
        signal = None
    rubric = q.get("rubric")
    clean_rubric = []
    if not isinstance(rubric, list) or not rubric:
        report(_line(q, "rubric"), "'rubric' must be a non-empty list of {points, criterion}")
        rubric = None
    for item in rubric or []:
        where = _line(item) or _line(q, "rubric")
        if (
            not isinstance(item, Mapping)
            or set(item) != {"points", "criterion"}
            or not isinstance(item["points"], int)
            or isinstance(item["points"], bool)
            or not 1 <= item["points"] <= 100
            or not isinstance(item["criterion"], str)
            or not item["criterion"].strip()
        ):
            report(
                where,
                "each rubric item needs 'points' (an integer from 1 to 100) and a 'criterion'",
            )
            rubric = None
            break
        clean_rubric.append({"points": item["points"], "criterion": item["criterion"]})
    max_words = q.get("max_words", 300)
    if not isinstance(max_words, int) or isinstance(max_words, bool) or not 20 <= max_words <= 2000:
        report(_line(q, "max_words"), "'max_words' must be an integer from 20 to 2000")
        max_words = None
    if expected is None or signal is None or rubric is None or max_words is None:
        return None
    return {
        "expected_answer": expected,
        "rubric": clean_rubric,
        "recruiter_signal": signal.strip(),
        "max_words": max_words,
    }


def _validate_coding(q: Mapping, report) -> dict | None:
    from grader.engine import problems  # the bank points at grader problems, never the reverse

    slug = q.get("problem")
    if not isinstance(slug, str):
        report(_line(q, "problem"), "'problem' must be a grader problem slug")
        return None
    try:
        problem = problems.get_problem(slug)
    except KeyError:
        known = ", ".join(p.slug for p in problems.list_problems())
        report(_line(q, "problem"), f"unknown grader problem {slug!r} (known: {known})")
        return None
    return {
        "problem": slug,
        "title": problem.title,
        "statement": problem.statement,
        "starter_code": problem.starter_code,
    }


def _is_key(value: Any) -> bool:
    return (
        isinstance(value, str)
        and 3 <= len(value) <= 80
        and not set(value) - KEY_PATTERN_CHARS
        and not value.startswith("-")
    )


def _validate_excludes(q: Mapping, key: str, report) -> tuple[str, ...] | None:
    """The declared exclusions, well-formed; whether the ids exist is checked bank-wide."""
    excludes = q.get("excludes", [])
    if not isinstance(excludes, list) or not all(_is_key(item) for item in excludes):
        report(_line(q, "excludes"), "'excludes' must be a list of question ids")
        return None
    if key in excludes:
        report(_line(q, "excludes"), "'excludes' names the question itself")
        return None
    repeated = [item for item, n in Counter(excludes).items() if n > 1]
    if repeated:
        report(_line(q, "excludes"), f"'excludes' lists {repeated[0]!r} twice")
        return None
    return tuple(excludes)


def validate_question(q: Any, topics: Iterable[str], report) -> BankQuestion | None:
    """Check one question mapping; report every problem; return it when valid."""
    if not isinstance(q, Mapping):
        report(_line(q), "each question must be a mapping")
        return None
    key = q.get("id")
    if not _is_key(key):
        report(_line(q, "id"), f"'id' must be 3-80 characters of a-z, 0-9 and '-', got {key!r}")
        return None
    prefix = f"question {key!r}: "

    def say(line: int, message: str) -> None:
        report(line, prefix + message)

    kind = q.get("kind")
    if kind not in Kind.values:
        say(_line(q, "kind"), f"'kind' must be one of {', '.join(Kind.values)}, got {kind!r}")
        return None
    unknown = set(q) - set(COMMON_FIELDS) - set(KIND_FIELDS[kind])
    if unknown:
        say(
            _line(q, sorted(unknown)[0]),
            f"unknown field(s) for {kind}: {', '.join(sorted(unknown))}",
        )
    missing = [name for name in REQUIRED_KIND_FIELDS[kind] if name not in q]
    if missing:
        say(_line(q), f"missing field(s) for {kind}: {', '.join(missing)}")
        return None
    topics = set(topics)
    topic = q.get("topic")
    if topic not in topics:
        say(_line(q, "topic"), f"unknown topic {topic!r} (see topics.yaml)")
    level = q.get("level")
    if level not in Level.values:
        say(_line(q, "level"), f"'level' must be one of {', '.join(Level.values)}, got {level!r}")
    practice = q.get("practice", True)
    if not isinstance(practice, bool):
        say(_line(q, "practice"), "'practice' must be true or false")
    excludes = _validate_excludes(q, key, say)
    prompt = _text(q, "prompt", say)
    explanation = _text(q, "explanation", say)
    if kind in CHOICE_KINDS:
        specific = _validate_choices(q, kind, say)
        specific = specific and {"choices": specific}
    elif kind == Kind.NUMERIC:
        specific = _validate_numeric(q, prompt, say)
    elif kind == Kind.WRITTEN:
        specific = _validate_written(q, say)
    else:
        specific = _validate_coding(q, say)
    if (
        unknown
        or topic not in topics
        or level not in Level.values
        or not isinstance(practice, bool)
        or excludes is None
        or prompt is None
        or explanation is None
        or not specific
    ):
        return None
    content = {"id": key, "kind": kind, "topic": topic, "level": level, "prompt": prompt}
    content.update(specific)
    content["explanation"] = explanation
    return BankQuestion(
        key=key,
        kind=kind,
        topic=topic,
        level=level,
        in_practice=practice,
        content=content,
        source_file="",
        line=_line(q),
        excludes=excludes,
        excludes_line=_line(q, "excludes"),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _read_topics(path: Path, shown: str, issues: list[BankIssue]) -> list[dict]:
    report = _Reporter(shown)
    data = None
    if path.exists():
        data = _parse_file(path, shown, report)
    else:
        report(0, "missing topics file")
    topics: list[dict] = []
    if data is not None and (
        not isinstance(data, Mapping) or not isinstance(data.get("topics"), list)
    ):
        report(_line(data), "expected a mapping with a 'topics' list")
    elif data is not None:
        seen = set()
        for item in data["topics"]:
            if (
                not isinstance(item, Mapping)
                or set(item) - {"slug", "title", "description"}
                or not all(isinstance(item.get(k), str) and item.get(k) for k in ("slug", "title"))
            ):
                report(
                    _line(item) or _line(data, "topics"),
                    "each topic needs 'slug' and 'title' (and optionally 'description')",
                )
                continue
            if item["slug"] in seen:
                report(_line(item), f"duplicate topic slug {item['slug']!r}")
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
        report = _Reporter(shown)
        data = _parse_file(path, shown, report)
        if data is not None:
            if (
                not isinstance(data, Mapping)
                or set(data) != {"questions"}
                or not isinstance(data["questions"], list)
            ):
                report(_line(data), "expected a mapping with only a 'questions' list")
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
    """Write a validated bank to the database; idempotent, versioning changed content."""
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
        stale = Question.objects.filter(is_active=True).exclude(key__in=loaded)
        summary.retired = sorted(stale.values_list("key", flat=True))
        stale.update(is_active=False)
    return summary


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
        "in_practice": item.in_practice,
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


def question_to_file_entry(
    content: Mapping, in_practice: bool, excludes: Iterable[str] = ()
) -> dict:
    """A stored version's content, with the question's bank-only fields, as written in a file."""
    entry = {
        k: v
        for k, v in content.items()
        if k not in CODING_DERIVED_FIELDS or content["kind"] != Kind.CODING
    }
    header = {k: entry.pop(k) for k in ("id", "kind", "topic", "level")}
    if not in_practice:
        header["practice"] = False
    if excludes:
        header["excludes"] = list(excludes)
    return {**header, **entry}


def dump_bank(root: Path = BANK_DIR) -> list[Path]:
    """Write topics and every active question's latest version back to YAML under `root`."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    topics = [
        {"slug": t.slug, "title": t.title, "description": t.description}
        for t in Topic.objects.all()
    ]
    dump_readable({"topics": topics}, root / TOPICS_FILE)
    written = [root / TOPICS_FILE]
    by_file: dict[str, list[dict]] = {}
    active = (
        Question.objects.filter(is_active=True).select_related("latest_version").order_by("key")
    )
    for question in active:
        if question.latest_version is None:
            continue
        target = question.source_file or f"{question.kind}/{question.topic.slug}.yaml"
        by_file.setdefault(target, []).append(
            question_to_file_entry(
                question.latest_version.content, question.in_practice, question.excludes
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
    report = _Reporter(shown)
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
    question = validate_question(raw, Topic.objects.values_list("slug", flat=True), report)
    if question is not None:
        known = set(
            Question.objects.filter(key__in=question.excludes).values_list("key", flat=True)
        )
        for line, message in _unknown_excludes(question, known):
            report(line, message)
    if report.issues or question is None:
        raise BankError(report.issues or [BankIssue(shown, 0, "not a valid question")])
    return question
