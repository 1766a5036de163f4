"""Create a benchmark assessment and N invitations; write their tokens, one a line, and
the questions' numbers in the attempt by kind (JSON) for the simulated candidates.

python -m assess.bench.prepare --candidates 200 --out /tmp/tokens.txt --kinds /tmp/kinds.json
"""

import argparse
import json
import os
import random
import textwrap


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--out", required=True)
    parser.add_argument("--kinds", required=True, help="where to write {kind: number}")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assess.settings")
    import django

    django.setup()
    from assess.attempts.services import assessment_questions
    from assess.hiring.invitations import invitation_create
    from assess.models import Assessment, Organization, Section
    from quizzes.bankfiles import question_from_yaml, save_question
    from quizzes.models import Topic
    from tests.assess.factories import QUESTIONS, TOPICS

    for position, (slug, title) in enumerate(TOPICS):
        Topic.objects.update_or_create(slug=slug, defaults={"title": title, "position": position})
    topics = {t.slug: t for t in Topic.objects.all()}
    questions = []
    for text in QUESTIONS.values():
        item = question_from_yaml(textwrap.dedent(text))
        questions.append(save_question(item, topics[item.topic])[0])
    org, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    assessment = Assessment.objects.create(
        organization=org,
        title="Load benchmark",
        time_limit_minutes=60,
        shuffle_questions=False,
        shuffle_choices=True,
    )
    section = Section.objects.create(assessment=assessment, title="All kinds")
    section.questions.set(questions)
    # Unshuffled, so every candidate gets this order; page numbers count from 1.
    order = assessment_questions(assessment, random.Random(0))
    with open(args.kinds, "w") as out:
        json.dump({v.question.kind: n for n, (_, v) in enumerate(order, start=1)}, out)
    with open(args.out, "w") as out:
        for n in range(args.candidates):
            _, token = invitation_create(
                assessment, candidate_name=f"Candidate {n}", candidate_email=f"c{n}@bench.example"
            )
            out.write(token + "\n")


if __name__ == "__main__":
    main()
