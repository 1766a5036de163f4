"""Scores of an attempt: per question, section, topic and level; the level estimate; pass
or fail once everything is graded. The rules are written out in docs/scoring.md.

An answer's score is in [0, 1]; the question's points (set per pick in the builder, one
value per section for drawn questions, frozen when the attempt starts) weigh it. Choice
and numeric answers are scored on submission with `quizzes.questions.score_response`;
coding answers take the grader's score; written answers wait for a reviewer.

This module computes and writes nothing; `assess/attempts/workflow.py` stores the scores and
the results it computes.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from quizzes import irt
from quizzes.models import Level, Question

from .attempts.models import Answer, Attempt, CandidateLevel
from .calibration.services import item_parameters
from .hiring.models import AttemptPoints

# A level counts as mastered at this percent (docs/scoring.md).
LEVEL_BAR = 60.0
LEVEL_LADDER = (Level.JUNIOR, Level.MID, Level.SENIOR)


@dataclass
class Tally:
    """Points over a group of questions: `earned` of `possible`; `questions` counts them,
    `pending` those not scored yet (worth `pending_points`)."""

    label: str
    earned: float = 0.0
    possible: int = 0
    pending: int = 0
    questions: int = 0
    pending_points: int = 0

    def add(self, score: float | None, points: int = 1) -> None:
        self.questions += 1
        self.possible += points
        if score is None:
            self.pending += 1
            self.pending_points += points
        else:
            self.earned += score * points

    @property
    def percent(self) -> float | None:
        """Percent of the points scored so far (pending questions left out)."""
        scored = self.possible - self.pending_points
        return round(100.0 * self.earned / scored, 1) if scored else None

    @property
    def complete(self) -> bool:
        return self.pending == 0


@dataclass(frozen=True)
class AbilityLevel:
    """The calibrated level estimate: the ability (IRT scale) with its standard error, the
    probability of each candidate level under it, and the most probable level
    (docs/scoring.md). The probabilities carry the items' own uncertainty (an item not yet
    calibrated is only known to be near its level), so they are honest about what the
    answers and the bank can tell."""

    theta: float
    se: float
    probabilities: dict[str, float]  # by CandidateLevel value, not_yet_junior -> senior
    items: int
    calibration_id: int | None  # the item parameters' version; None: the level priors
    calibrated: bool = False  # every scored question's difficulty measured, not assumed

    @property
    def level(self) -> str:
        return max(irt.ABILITY_LEVELS, key=lambda lv: self.probabilities[lv])

    @property
    def confidence(self) -> float:
        return self.probabilities[self.level]

    def __str__(self) -> str:
        return f"{CandidateLevel(self.level).label}, {percent_words(self.confidence)} likely"


def percent_words(probability: float) -> str:
    """A probability as a reader should see it: a whole percent, never 0 % or 100 % (no
    model of a few dozen answers is that sure)."""
    if probability > 0.99:
        return "over 99%"
    if probability < 0.01:
        return "under 1%"
    return f"{round(100 * probability)}%"


def ability_level(scored: list[tuple[Question, float]]) -> AbilityLevel | None:
    """The calibrated estimate from scored answers, (question, score in [0, 1]) pairs;
    None without any."""
    if not scored:
        return None
    questions = [q for q, _ in scored]
    params = item_parameters(questions)
    estimate = irt.estimate_ability(
        [min(max(score, 0.0), 1.0) for _, score in scored],
        [params.discrimination[q.pk] for q in questions],
        [params.difficulty[q.pk] for q in questions],
        b_sd=[params.difficulty_sd[q.pk] for q in questions],
    )
    return AbilityLevel(
        theta=estimate.theta,
        se=estimate.se,
        probabilities=estimate.level_probabilities(params.cuts),
        items=estimate.n_items,
        calibration_id=params.calibration_id,
        calibrated=params.calibration_id is not None and params.calibrated_for(questions),
    )


class LevelSource:
    CALIBRATED = "calibrated"
    PERCENT_RULE = "percent_rule"


@dataclass(frozen=True)
class LevelHeadline:
    """The one level a report leads with (docs/scoring.md, "The headline level"): the
    calibrated estimate's when every scored question is calibrated, else the percent
    rule's; `certainty` is that level's probability given the answers, resting on
    `scored_answers`; `other` is the other method's level, for the details."""

    level: str  # a CandidateLevel value
    source: str  # LevelSource
    certainty: float | None  # None: no answer scored, nothing to be sure of
    scored_answers: int
    other: str  # the other method's level; "" while it has none
    final: bool  # False: answers still wait for a grade, the level may move

    @property
    def label(self) -> str:
        return CandidateLevel(self.level).label

    @property
    def other_label(self) -> str:
        return CandidateLevel(self.other).label if self.other else ""


@dataclass
class AttemptResults:
    total: Tally
    sections: list[Tally] = field(default_factory=list)
    topics: list[Tally] = field(default_factory=list)
    levels: list[Tally] = field(default_factory=list)
    level_estimate: str = ""
    passed: bool | None = None
    # Over the answers scored so far; final once `complete`.
    ability: AbilityLevel | None = None

    @property
    def complete(self) -> bool:
        return self.total.complete

    @property
    def headline(self) -> LevelHeadline | None:
        """The report's one level; None until there is one to give (the percent rule waits
        for every answer, the calibrated estimate for one scored answer)."""
        ability = self.ability
        if ability is not None and ability.calibrated:
            return LevelHeadline(
                level=ability.level,
                source=LevelSource.CALIBRATED,
                certainty=ability.confidence,
                scored_answers=ability.items,
                other=self.level_estimate,
                final=self.complete,
            )
        if not self.complete:
            return None
        return LevelHeadline(
            level=self.level_estimate,
            source=LevelSource.PERCENT_RULE,
            certainty=None if ability is None else ability.probabilities[self.level_estimate],
            scored_answers=0 if ability is None else ability.items,
            other="" if ability is None else ability.level,
            final=True,
        )


def level_estimate(levels: dict[str, Tally]) -> str:
    """The percent rule: the highest level present whose questions, and those of every
    lower level present, score at least LEVEL_BAR percent. Below that: not yet junior when
    the test has junior questions, junior when it has none (it cannot tell what lies below
    its easiest level; docs/scoring.md)."""
    has_junior = (levels.get(Level.JUNIOR) or Tally("")).possible > 0
    estimate = CandidateLevel.NOT_YET_JUNIOR if has_junior else CandidateLevel.JUNIOR
    for level in LEVEL_LADDER:
        tally = levels.get(level)
        if tally is None or tally.possible == 0:
            continue
        if tally.percent is None or tally.percent < LEVEL_BAR:
            break
        estimate = level
    return str(estimate)


@dataclass(frozen=True)
class FrozenPoints:
    """An attempt's frozen points (empty for one started before points existed)."""

    picks: dict[str, int] = field(default_factory=dict)
    draws: dict[str, int] = field(default_factory=dict)

    def of(self, answer: Answer) -> int:
        """What the answer's question is worth: its pick's points in that section, else
        the section's drawn-question points, else 1."""
        section = answer.section_position
        return self.picks.get(
            f"{section}:{answer.question_version.question_id}", self.draws.get(str(section), 1)
        )


def frozen_points(attempt: Attempt) -> FrozenPoints:
    row = AttemptPoints.objects.filter(attempt=attempt).first()
    return FrozenPoints(row.picks, row.draws) if row else FrozenPoints()


def attempt_results(attempt: Attempt) -> AttemptResults:
    answers = attempt.answers.select_related("question_version__question__topic").order_by(
        "position"
    )
    total = Tally("Total")
    sections: OrderedDict[tuple, Tally] = OrderedDict()
    topics: OrderedDict[str, Tally] = OrderedDict()
    levels: dict[str, Tally] = {}
    scored: list[tuple[Question, float]] = []
    frozen = frozen_points(attempt)
    for answer in answers:
        question = answer.question_version.question
        points = frozen.of(answer)
        total.add(answer.score, points)
        # The ability estimate reads each answer as one observation, whatever its points.
        if answer.score is not None:
            scored.append((question, answer.score))
        sections.setdefault(
            (answer.section_position, answer.section_title), Tally(answer.section_title)
        ).add(answer.score, points)
        topics.setdefault(question.topic.slug, Tally(question.topic.title)).add(
            answer.score, points
        )
        levels.setdefault(question.level, Tally(Level(question.level).label)).add(
            answer.score, points
        )
    results = AttemptResults(
        total=total,
        sections=list(sections.values()),
        topics=sorted(topics.values(), key=lambda t: t.label),
        levels=[levels[level] for level in LEVEL_LADDER if level in levels],
        ability=ability_level(scored),
    )
    if total.complete:
        results.level_estimate = level_estimate(levels)
        results.passed = (total.percent or 0.0) >= attempt.assessment.pass_mark
    return results
