"""The level section of a report in words a recruiter reads: one headline level with how
sure it is and what it rests on; the other method's level, the level probabilities and the
ability scale in the details, each with a sentence that says what it means
(docs/scoring.md, "The headline level")."""

from __future__ import annotations

from dataclasses import dataclass

from assess.attempts.models import CandidateLevel
from assess.scoring import LEVEL_BAR, AbilityLevel, AttemptResults, LevelSource, percent_words
from quizzes import irt

# Below this many scored answers the N(0, 1) prior, not the candidate, makes most of the
# probability: the certainty is given, but said to rest on too little.
FEW_ANSWERS = 5
# Another level at least this probable is named beside the headline.
ALSO_POSSIBLE = 0.15

SOURCE_WORDS = {
    LevelSource.CALIBRATED: (
        "Set by the calibrated estimate: every question taken has been answered by enough "
        "candidates to measure how hard it is."
    ),
    LevelSource.PERCENT_RULE: (
        f"Set by the percent rule ({LEVEL_BAR:.0f}% of a level's questions right, and of "
        "every easier level's): the questions taken are not yet calibrated on enough "
        "candidates to measure how hard each is."
    ),
}
SOURCE_NAMES = {
    LevelSource.CALIBRATED: "calibrated estimate",
    LevelSource.PERCENT_RULE: "percent rule",
}
PERCENT_RULE_MEANS = (
    f"a level is reached with at least {LEVEL_BAR:.0f}% of its questions right and of every "
    "easier level's; below junior it is not yet junior."
)
ESTIMATE_MEANS = (
    "the chance of each level given the answers and how hard each question is, where a "
    "level means expecting at least 60% on the bank's questions of that level."
)
ABILITY_MEANS = (
    "where the answers place the candidate on the bank's difficulty scale: 0 is the average "
    "candidate, 1 one standard deviation above; ± is the standard error, the margin within "
    "which the true place lies about two times in three."
)
PRIORS_MEANS = (
    "the questions' difficulties are still assumed from their nominal level (junior, mid, "
    "senior), not measured on candidates, so the estimate allows for that uncertainty."
)


@dataclass(frozen=True)
class LevelReport:
    """What the report's level section shows: the headline (None until there is one) and
    the details."""

    level: str  # the headline's label, "" when none yet
    certainty: str  # "97% likely, from 30 scored answers"
    also_possible: str  # "could also be junior (21%)", or ""
    source: str  # which method set the headline, and why, in one sentence
    provisional: bool  # answers still wait for a grade
    percent_rule: str  # the percent rule's level label, "" until complete
    ability: AbilityLevel | None
    probabilities: list[tuple[str, str]]  # (level label, "12%") not yet junior -> senior
    disagree: bool  # the percent rule and the calibrated estimate name different levels

    percent_rule_means = PERCENT_RULE_MEANS
    estimate_means = ESTIMATE_MEANS
    ability_means = ABILITY_MEANS
    priors_means = PRIORS_MEANS


def certainty_words(certainty: float | None, answers: int) -> str:
    """How sure a level is, with what it rests on: "97% likely, from 30 scored answers"."""
    if certainty is None:
        return "no answer is scored yet, so nothing to be sure of"
    rests = f"{answers} scored answer{'s' if answers != 1 else ''}"
    if answers < FEW_ANSWERS:
        return f"{percent_words(certainty)} likely, but from only {rests}: too few to be sure"
    return f"{percent_words(certainty)} likely, from {rests}"


def level_report(results: AttemptResults) -> LevelReport:
    headline = results.headline
    ability = results.ability
    probabilities = []
    also = ""
    if ability is not None:
        probabilities = [
            (CandidateLevel(lv).label, percent_words(ability.probabilities[lv]))
            for lv in irt.ABILITY_LEVELS
        ]
        if headline is not None:
            others = [
                f"{CandidateLevel(lv).label} ({percent_words(ability.probabilities[lv])})"
                for lv in irt.ABILITY_LEVELS
                if lv != headline.level and ability.probabilities[lv] >= ALSO_POSSIBLE
            ]
            also = f"could also be {' or '.join(others)}" if others else ""
    rule = CandidateLevel(results.level_estimate).label if results.level_estimate else ""
    return LevelReport(
        level=headline.label if headline else "",
        certainty=certainty_words(headline.certainty, headline.scored_answers) if headline else "",
        also_possible=also,
        source=SOURCE_WORDS[headline.source] if headline else "",
        provisional=not results.complete,
        percent_rule=rule,
        ability=ability,
        probabilities=probabilities,
        disagree=bool(ability and results.level_estimate)
        and ability.level != results.level_estimate,
    )
