"""The level scale gets a floor below junior ("not yet junior"), and calibrations a junior
cut point.

Stored levels: the percent rule used to answer junior for a candidate below 60 % on the
junior questions; it now answers not_yet_junior. Only graded attempts stored as junior can
change, and only those whose test had junior questions, so the data step recomputes the
junior questions' percent for those (with the attempt's frozen points, as
assess.scoring does) and moves the ones under 60 %. The rule is copied here, as a
migration must not follow later changes to the code.
"""

from django.db import migrations, models

LEVEL_BAR = 60.0


def _junior_percent(attempt, Answer, AttemptPoints) -> float | None:
    points = AttemptPoints.objects.filter(attempt_id=attempt.pk).first()
    picks, draws = (points.picks, points.draws) if points else ({}, {})
    earned = possible = 0.0
    answers = Answer.objects.filter(
        attempt_id=attempt.pk, question_version__question__level="junior"
    ).values_list("section_position", "question_version__question_id", "score")
    for section, question, score in answers:
        worth = picks.get(f"{section}:{question}", draws.get(str(section), 1))
        possible += worth
        earned += (score or 0.0) * worth
    return 100.0 * earned / possible if possible else None


def floor_stored_levels(apps, schema_editor):
    Attempt = apps.get_model("assess", "Attempt")
    Answer = apps.get_model("assess", "Answer")
    AttemptPoints = apps.get_model("assess", "AttemptPoints")
    below = []
    for attempt in Attempt.objects.filter(level_estimate="junior", graded_at__isnull=False):
        percent = _junior_percent(attempt, Answer, AttemptPoints)
        if percent is not None and round(percent, 1) < LEVEL_BAR:
            below.append(attempt.pk)
    Attempt.objects.filter(pk__in=below).update(level_estimate="not_yet_junior")


def unfloor_stored_levels(apps, schema_editor):
    Attempt = apps.get_model("assess", "Attempt")
    Attempt.objects.filter(level_estimate="not_yet_junior").update(level_estimate="junior")


class Migration(migrations.Migration):
    dependencies = [
        ("assess", "0010_points_per_question"),
    ]

    operations = [
        migrations.AlterField(
            model_name="attempt",
            name="level_estimate",
            field=models.CharField(
                blank=True,
                choices=[
                    ("not_yet_junior", "not yet junior"),
                    ("junior", "junior"),
                    ("mid", "mid"),
                    ("senior", "senior"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="itemcalibration",
            name="junior_cut",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.RunPython(floor_stored_levels, unfloor_stored_levels),
    ]
