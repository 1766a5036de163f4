"""The two pools of the shipped bank: no hiring question is reachable from the public
practice mode, no practice question from a hiring test, and a question never changes pool."""

from collections import Counter

import pytest
from django.core.management import call_command

from assess.attempts.services import attempt_start
from assess.hiring.selectors import bank_browse
from assess.hiring.services import RecruitingError, section_pick
from assess.models import Section
from quizzes.bankfiles import BANK_DIR, BankError, load_bank, read_bank
from quizzes.banklint import lint_bank
from quizzes.models import Level, Pool, Question, Topic
from quizzes.practice import PRACTICE_KINDS, practice_items, practice_start
from tests.assess import factories

from .conftest import SINGLE


@pytest.fixture(scope="module")
def shipped():
    return read_bank(BANK_DIR)


def test_practice_offers_two_items_or_more_for_every_topic_and_level(shipped):
    practice = Counter((q.topic, q.level) for q in shipped.questions if q.pool == Pool.PRACTICE)
    thin = {
        (t["slug"], level): practice[(t["slug"], level)]
        for t in shipped.topics
        for level in Level.values
        if practice[(t["slug"], level)] < 2
    }
    assert thin == {}


def test_no_practice_item_poses_a_hiring_item_s_stem_or_coding_problem(shipped):
    report = lint_bank(shipped.questions)
    assert [f for f in report.findings if f.check == "across pools"] == []
    hiring_problems = {
        q.content["problem"]
        for q in shipped.questions
        if q.pool == Pool.HIRING and q.kind == "coding"
    }
    practice_problems = {
        q.content["problem"]
        for q in shipped.questions
        if q.pool == Pool.PRACTICE and q.kind == "coding"
    }
    assert practice_problems and not practice_problems & hiring_problems


@pytest.mark.django_db
def test_no_hiring_question_is_drawn_into_any_practice_quiz_of_the_shipped_bank(
    announced_worker,
):
    call_command("loadbank", verbosity=0)
    # A worker that grades every runtime, so that practice offers all of its questions.
    announced_worker("celery@everything", runtimes=("numpy", "torch"))
    practice_keys = set(Question.objects.practice().values_list("key", flat=True))
    hiring_keys = set(Question.objects.hiring().values_list("key", flat=True))
    assert len(hiring_keys) > 200 and len(practice_keys) > 70
    drawn: set[str] = set()
    for topic in [None, *Topic.objects.all()]:
        for level in ["", *Level.values]:
            for _ in range(2):
                run = practice_start(topic, level, 15)
                drawn |= {it.version.question.key for it in practice_items(run)}
    assert drawn & hiring_keys == set()
    # Every practice question of a practice kind turned up: the draws really covered the pool.
    offered = Question.objects.practice().filter(kind__in=PRACTICE_KINDS)
    assert drawn == set(offered.values_list("key", flat=True))


@pytest.mark.django_db
def test_the_builder_offers_hiring_questions_only_and_refuses_a_practice_pick():
    call_command("loadbank", verbosity=0)
    assert not bank_browse().filter(pool=Pool.PRACTICE).exists()
    assert bank_browse().count() == Question.objects.hiring().count()
    assessment = factories.make_assessment(factories.make_org(), [])
    section = assessment.sections.get()
    practice_question = Question.objects.practice().first()
    with pytest.raises(RecruitingError, match="public practice question"):
        section_pick(section, practice_question)
    # A random draw over the whole bank takes hiring questions only.
    Section.objects.filter(pk=section.pk).update(draw_count=40)
    invitation, _ = factories.make_invitation(assessment)
    attempt = attempt_start(invitation)
    pools = {a.question_version.question.pool for a in attempt.answers.all()}
    assert pools == {Pool.HIRING}


@pytest.mark.django_db
def test_a_question_keeps_its_pool_when_the_files_change(bank_dir):
    bank_dir("mcq/op.yaml", SINGLE)  # written as a practice question
    load_bank(read_bank(bank_dir.root))
    bank_dir("mcq/op.yaml", SINGLE.replace("    pool: practice\n", ""))  # now hiring
    with pytest.raises(BankError, match="is in the practice pool and cannot move to hiring"):
        load_bank(read_bank(bank_dir.root))
    assert Question.objects.get(key="op-eps").pool == Pool.PRACTICE


def test_a_question_without_a_pool_is_a_hiring_question_and_a_bad_pool_is_refused(bank_dir):
    bank_dir("mcq/op.yaml", SINGLE.replace("    pool: practice\n", ""))
    (question,) = read_bank(bank_dir.root).questions
    assert question.pool == Pool.HIRING
    bank_dir("mcq/op.yaml", SINGLE.replace("pool: practice", "pool: public"))
    with pytest.raises(BankError, match="'pool' must be one of hiring, practice, got 'public'"):
        read_bank(bank_dir.root)
