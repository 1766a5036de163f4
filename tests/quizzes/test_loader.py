"""The bank loader: errors as file:line, nothing loaded on error, idempotence, versions."""

import pytest
from django.core.management import CommandError, call_command

from quizzes.bankfiles import BankError, dump_bank, load_bank, read_bank
from quizzes.models import Question, QuestionVersion, Topic

from .conftest import SINGLE

pytestmark = pytest.mark.django_db


def _messages(root) -> list[str]:
    with pytest.raises(BankError) as info:
        read_bank(root)
    return [str(issue) for issue in info.value.issues]


def test_a_valid_bank_loads_topics_and_questions(bank_dir):
    bank_dir("mcq/op.yaml", SINGLE)
    summary = load_bank(read_bank(bank_dir.root))
    assert summary.created == ["op-eps"]
    question = Question.objects.get(key="op-eps")
    assert question.topic.slug == "normalization-operation"
    assert question.latest_version.number == 1
    assert question.latest_version.content["choices"][0]["correct"] is True
    assert Topic.objects.count() == 2


def test_loading_twice_changes_nothing(bank_dir):
    bank_dir("mcq/op.yaml", SINGLE)
    load_bank(read_bank(bank_dir.root))
    summary = load_bank(read_bank(bank_dir.root))
    assert (summary.created, summary.new_versions, summary.unchanged) == ([], [], 1)
    assert QuestionVersion.objects.count() == 1


def test_an_edit_creates_a_new_version_and_keeps_the_old_text(bank_dir):
    bank_dir("mcq/op.yaml", SINGLE)
    load_bank(read_bank(bank_dir.root))
    first = Question.objects.get(key="op-eps").latest_version
    bank_dir("mcq/op.yaml", SINGLE.replace("Why is epsilon added", "Why do we add epsilon"))
    summary = load_bank(read_bank(bank_dir.root))
    assert summary.new_versions == ["op-eps"]
    question = Question.objects.get(key="op-eps")
    assert question.latest_version.number == 2
    assert "Why do we add epsilon" in question.latest_version.content["prompt"]
    first.refresh_from_db()
    assert "Why is epsilon added" in first.content["prompt"]


def test_a_question_removed_from_the_files_is_retired_not_deleted(bank_dir):
    path = bank_dir("mcq/op.yaml", SINGLE)
    load_bank(read_bank(bank_dir.root))
    path.write_text("questions: []\n")
    summary = load_bank(read_bank(bank_dir.root))
    assert summary.retired == ["op-eps"]
    question = Question.objects.get(key="op-eps")
    assert question.is_active is False
    assert question.versions.count() == 1


def test_invalid_yaml_is_reported_with_file_and_line(bank_dir):
    bank_dir("mcq/bad.yaml", "questions:\n  - id: a\n    prompt: [unclosed\n")
    (message,) = _messages(bank_dir.root)
    assert message.split(":")[0].endswith("mcq/bad.yaml")
    assert ":4: invalid YAML" in message or ":3: invalid YAML" in message


def test_every_problem_in_every_file_is_listed_with_its_line(bank_dir):
    bank_dir(
        "mcq/a.yaml",
        SINGLE.replace("level: junior", "level: expert").replace(
            "correct: false\n", "correct: true\n", 1
        ),
    )
    bank_dir(
        "mcq/b.yaml",
        SINGLE.replace("op-eps", "op-eps-2").replace(
            "topic: normalization-operation", "topic: nope"
        ),
    )
    messages = _messages(bank_dir.root)
    assert any("a.yaml:5:" in m and "'level' must be one of" in m for m in messages)
    assert any("a.yaml:" in m and "exactly one correct choice, found 2" in m for m in messages)
    assert any("b.yaml:4:" in m and "unknown topic 'nope'" in m for m in messages)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("    explanation: |\n      A constant channel has zero variance.\n", ""),
            "missing 'explanation'",
        ),
        (("kind: single_choice", "kind: essay"), "'kind' must be one of"),
        (("id: op-eps", "id: Op Eps"), "'id' must be 3-80 characters"),
        (
            ("    level: junior\n", "    level: junior\n    hint: look it up\n"),
            "unknown field(s) for single_choice: hint",
        ),
        (("correct: true", "correct: yes please"), "needs 'correct: true' or 'correct: false'"),
        (
            ("prompt: |\n      Why is epsilon added to the variance?", "prompt: ''"),
            "'prompt' must be non-empty text",
        ),
    ],
)
def test_malformed_questions_get_a_clear_message(bank_dir, change, expected):
    bank_dir("mcq/op.yaml", SINGLE.replace(*change))
    messages = _messages(bank_dir.root)
    assert any(expected in m for m in messages), messages


def test_duplicate_ids_across_files_are_refused(bank_dir):
    bank_dir("mcq/a.yaml", SINGLE)
    bank_dir("mcq/b.yaml", SINGLE)
    messages = _messages(bank_dir.root)
    assert any("b.yaml:2: duplicate id 'op-eps' (first at" in m for m in messages)


def test_multiple_choice_needs_a_wrong_choice(bank_dir):
    text = SINGLE.replace("single_choice", "multiple_choice").replace(
        "correct: false", "correct: true"
    )
    bank_dir("mcq/op.yaml", text)
    assert any("at least one correct and one wrong" in m for m in _messages(bank_dir.root))


def test_a_file_that_is_not_utf8_is_reported(bank_dir):
    path = bank_dir.root / "mcq" / "latin1.yaml"
    path.parent.mkdir()
    path.write_bytes("questions: []\n# caf\xe9\n".encode("latin-1"))
    assert any("latin1.yaml:0: not UTF-8" in m for m in _messages(bank_dir.root))


def test_a_huge_file_is_refused_without_parsing(bank_dir):
    bank_dir("mcq/huge.yaml", "questions: []\n" + "#" * 2_100_000)
    assert any("over the 2000000-byte limit" in m for m in _messages(bank_dir.root))


def test_yaml_tags_that_build_python_objects_are_refused(bank_dir):
    bank_dir("mcq/evil.yaml", "questions: !!python/object/apply:os.system ['echo pwned']\n")
    assert any("invalid YAML" in m for m in _messages(bank_dir.root))


def test_duplicate_keys_in_a_mapping_are_refused(bank_dir):
    bank_dir(
        "mcq/dup.yaml", SINGLE.replace("    level: junior\n", "    level: junior\n    level: mid\n")
    )
    assert any("duplicate key 'level'" in m for m in _messages(bank_dir.root))


def test_the_command_loads_nothing_when_any_file_is_bad(bank_dir, capsys):
    bank_dir("mcq/good.yaml", SINGLE)
    bank_dir(
        "mcq/bad.yaml", SINGLE.replace("op-eps", "op-two").replace("level: junior", "level: 7")
    )
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("loadbank", "--dir", str(bank_dir.root))
    assert "bad.yaml:5:" in capsys.readouterr().err
    assert Question.objects.count() == 0
    assert Topic.objects.count() == 0


def test_check_mode_validates_without_writing(bank_dir, capsys):
    bank_dir("mcq/op.yaml", SINGLE)
    call_command("loadbank", "--dir", str(bank_dir.root), "--check")
    assert "OK: 2 topics, 1 questions" in capsys.readouterr().out
    assert Question.objects.count() == 0


def test_dumpbank_writes_back_what_loadbank_reads(bank_dir, tmp_path):
    bank_dir("mcq/op.yaml", SINGLE)
    load_bank(read_bank(bank_dir.root))
    out = tmp_path / "dumped"
    dump_bank(out)
    original = read_bank(bank_dir.root)
    dumped = read_bank(out)
    assert [q.content for q in dumped.questions] == [q.content for q in original.questions]
    assert (out / "mcq" / "op.yaml").exists()
    assert "prompt: |" in (out / "mcq" / "op.yaml").read_text()


# --- Exclusion groups: `excludes` names the questions an item gives away or duplicates ---


def _with_excludes(key: str, excludes: str) -> str:
    return SINGLE.replace("op-eps", key).replace(
        "    level: junior\n", f"    level: junior\n    excludes: {excludes}\n"
    )


def test_declared_exclusions_are_stored_on_the_question(bank_dir):
    bank_dir("mcq/a.yaml", _with_excludes("op-one", "[op-two]"))
    bank_dir("mcq/b.yaml", SINGLE.replace("op-eps", "op-two"))
    load_bank(read_bank(bank_dir.root))
    assert Question.objects.get(key="op-one").excludes == ["op-two"]
    assert Question.objects.get(key="op-two").excludes == []


def test_an_exclusion_may_point_at_a_question_in_a_later_file(bank_dir):
    bank_dir("mcq/a.yaml", _with_excludes("op-one", "[op-zzz]"))
    bank_dir("mcq/z.yaml", SINGLE.replace("op-eps", "op-zzz"))
    assert [q.key for q in read_bank(bank_dir.root).questions] == ["op-one", "op-zzz"]


def test_an_exclusion_naming_an_unknown_id_is_reported_at_its_line(bank_dir):
    bank_dir("mcq/a.yaml", _with_excludes("op-one", "[op-gone]"))
    (message,) = _messages(bank_dir.root)
    assert message.endswith(
        "mcq/a.yaml:6: question 'op-one': 'excludes' names unknown id 'op-gone'"
    )


@pytest.mark.parametrize(
    ("excludes", "expected"),
    [
        ("[op-one]", "'excludes' names the question itself"),
        ("op-two", "'excludes' must be a list of question ids"),
        ("[Op Two]", "'excludes' must be a list of question ids"),
        ("[op-two, op-two]", "'excludes' lists 'op-two' twice"),
    ],
)
def test_malformed_exclusions_are_refused(bank_dir, excludes, expected):
    bank_dir("mcq/a.yaml", _with_excludes("op-one", excludes))
    bank_dir("mcq/b.yaml", SINGLE.replace("op-eps", "op-two"))
    messages = _messages(bank_dir.root)
    assert any(expected in m for m in messages), messages


def test_changing_only_the_exclusions_creates_no_new_version(bank_dir):
    bank_dir("mcq/a.yaml", SINGLE.replace("op-eps", "op-one"))
    bank_dir("mcq/b.yaml", SINGLE.replace("op-eps", "op-two"))
    load_bank(read_bank(bank_dir.root))
    bank_dir("mcq/a.yaml", _with_excludes("op-one", "[op-two]"))
    summary = load_bank(read_bank(bank_dir.root))
    assert summary.new_versions == []
    question = Question.objects.get(key="op-one")
    assert question.excludes == ["op-two"]
    assert question.versions.count() == 1


def test_dumpbank_writes_the_exclusions_back(bank_dir, tmp_path):
    bank_dir("mcq/a.yaml", _with_excludes("op-one", "[op-two]"))
    bank_dir("mcq/b.yaml", SINGLE.replace("op-eps", "op-two"))
    load_bank(read_bank(bank_dir.root))
    dump_bank(tmp_path / "dumped")
    dumped = {q.key: q.excludes for q in read_bank(tmp_path / "dumped").questions}
    assert dumped == {"op-one": ("op-two",), "op-two": ()}
