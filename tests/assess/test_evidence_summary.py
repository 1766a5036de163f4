"""The integrity summary over events shaped as the recorder sends them (an opening with the
starter code, Ace's one-character inserts, a paste followed by its insert, focus changes,
runs): evidence in plain words, never a verdict."""

from __future__ import annotations

from assess.bench.integrity_sessions import ANSWER, SIGNATURE, STARTER
from assess.evidence.replay import OUTSIDE, PAGE, TYPED, replay, share_of
from assess.evidence.summary import NO, NOT_ENOUGH, YES, Summary, answer_summary, attempt_summary


def typed(text: str, start_t: int, gaps) -> list[list]:
    """One-character inserts at the end of `text` typed so far, as Ace reports them."""
    events, t = [], start_t
    for i, ch in enumerate(text):
        t += gaps(i)
        events.append(["e", t, i, 0, ch])
    return events


def opened_and_cleared() -> list[list]:
    return [["o", 0, STARTER], ["e", 20_000, 0, len(STARTER), ""]]


def summary_of(events, **policy) -> Summary:
    return answer_summary(replay([(0, events)]), **policy)


def human(i: int) -> int:
    return (90, 240, 130, 410, 170, 95, 600, 150)[i % 8]


def test_a_whole_answer_pasted_from_outside_is_suggested_with_lines_and_time():
    events = [
        *opened_and_cleared(),
        ["b", 25_000],
        ["f", 38_000],
        ["p", 40_000, len(ANSWER), "outside", ANSWER],
        ["e", 40_002, 0, 0, ANSWER],
        ["r", 45_000, 12],
    ]
    s = summary_of(events)
    assert s.suggested == YES
    lines = sum(1 for line in ANSWER.splitlines() if line.strip())
    assert s.reasons[0] == (
        f"{lines} of {lines} lines arrived in 1 paste from outside the page, the first 40 s "
        "after the question opened."
    )
    assert "The page lost the focus 1 time." in s.reasons


def test_honest_typing_with_a_signature_copied_from_the_statement_is_not_suggested():
    body = ANSWER.split(SIGNATURE + "\n", 1)[1]
    head = SIGNATURE + "\n"
    events = [
        *opened_and_cleared(),
        ["p", 21_000, len(head), "page", head],
        ["e", 21_001, 0, 0, head],
    ]
    for event in typed(body, 22_000, human):
        events.append([event[0], event[1], event[2] + len(head), 0, event[4]])
    r = replay([(0, events)])
    assert r.text == head + body
    assert share_of(r.origins, r.text, PAGE)[0] == len(SIGNATURE.replace(" ", ""))
    s = answer_summary(r)
    assert s.suggested == NO
    assert s.reasons[0].startswith(f"Typed {len(body)} characters with 1 correction, at an uneven")


def test_keys_at_machine_regular_intervals_are_suggested():
    s = summary_of([*opened_and_cleared(), *typed(ANSWER, 21_000, lambda i: 60 + i % 3)])
    assert s.suggested == YES
    assert s.reasons[0].startswith("Keys came at machine-regular intervals: 61 ms apart")


def test_a_paste_deleted_again_does_not_count_as_the_answer():
    junk = "x = 1  # from a chat\n" * 10
    events = [
        *opened_and_cleared(),
        ["p", 21_000, len(junk), "outside", junk],
        ["e", 21_001, 0, 0, junk],
        ["e", 30_000, 0, len(junk), ""],
        *typed(ANSWER, 31_000, human),
    ]
    r = replay([(0, events)])
    assert r.text == ANSWER and share_of(r.origins, r.text, OUTSIDE)[0] == 0
    s = answer_summary(r)
    assert s.suggested == NO
    assert (
        "1 paste from outside the page (210 characters), a small part of the final code."
        in s.reasons
    )


def test_where_the_test_forbids_outside_pastes_a_sizable_one_is_suggested():
    snippet = "mean = x64.mean(axis=axes, keepdims=True)\n"
    events = [
        *opened_and_cleared(),
        *typed(ANSWER, 21_000, human),
        ["p", 200_000, len(snippet), "outside", snippet],
        ["e", 200_001, len(ANSWER), 0, snippet],
    ]
    assert summary_of(events).suggested == NO
    s = summary_of(events, outside_paste_allowed=False)
    assert s.suggested == YES
    assert s.reasons[0] == (
        f"Pasted from outside the page 1 time ({len(snippet)} characters), which this test does "
        "not allow."
    )


def test_too_little_recorded_is_not_enough_data():
    assert summary_of([]).suggested == NOT_ENOUGH
    assert summary_of([["o", 0, STARTER]]).reasons == ["No playback was recorded for this answer."]
    short = summary_of(
        [["o", 0, STARTER], *[["e", 100 + i, len(STARTER) + i, 0, "a"] for i in range(5)]]
    )
    assert short == Summary(NOT_ENOUGH, ["Only 5 characters were written."])


def test_a_reopened_question_continues_from_its_opening_text_on_one_timeline():
    first = [["o", 0, ""], *typed("def f():\n", 100, human)]
    second = [["o", 0, "def f():\n"], ["e", 500, 9, 0, "    return 1\n"]]
    r = replay([(0, first), (600_000, second)])
    assert r.text == "def f():\n    return 1\n"
    assert r.origins[-1] == TYPED and r.end_t == 600_500


def test_an_edit_that_does_not_fit_the_text_is_clipped_not_trusted():
    r = replay([(0, [["o", 0, "abc"], ["e", 5, 99, 50, "z"]])])
    assert r.text == "abcz"


def test_the_attempt_is_suggested_when_one_answer_is_and_names_the_question():
    flagged = Summary(YES, ["Keys came at machine-regular intervals."])
    quiet = Summary(NO, ["Typed 400 characters with 12 corrections."])
    s = attempt_summary([(2, quiet), (5, flagged)])
    assert s == Summary(YES, ["Question 5: Keys came at machine-regular intervals."])
    assert attempt_summary([(1, quiet)]).suggested == NO
    assert attempt_summary([]).suggested == NOT_ENOUGH
    assert attempt_summary([(1, Summary(NOT_ENOUGH, []))]).suggested == NOT_ENOUGH
