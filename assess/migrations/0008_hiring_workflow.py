"""Picks keep their place in a section (the many-to-many table gains a position), an
organization says whether a GPU worker grades its GPU-only problems, and an invitation
carries extra minutes (accommodations) and the hiring team's decision."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assess", "0007_organization_candidate_feedback"),
        ("quizzes", "0001_initial"),
    ]

    operations = [
        # The existing table becomes the explicit through model: state only, no new table.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SectionQuestion",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "section",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="picks",
                                to="assess.section",
                            ),
                        ),
                        (
                            "question",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="quizzes.question",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assess_section_questions",
                        "ordering": ["position", "id"],
                    },
                ),
                migrations.AlterField(
                    model_name="section",
                    name="questions",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="+",
                        through="assess.SectionQuestion",
                        to="quizzes.question",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="sectionquestion",
            name="position",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddConstraint(
            model_name="sectionquestion",
            constraint=models.UniqueConstraint(
                fields=("section", "question"), name="one_pick_per_section"
            ),
        ),
        migrations.AddField(
            model_name="assessment",
            name="invitation_message",
            field=models.TextField(
                blank=True,
                help_text="Your words in the invitation email, above the link (plain text).",
                max_length=2000,
            ),
        ),
        migrations.AddField(
            model_name="invitation",
            name="extra_minutes",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="invitation",
            name="decision",
            field=models.CharField(
                blank=True,
                choices=[("advanced", "Advanced"), ("rejected", "Rejected")],
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="invitation",
            name="decided_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="organization",
            name="gpu_grading",
            field=models.BooleanField(
                default=False,
                help_text="A GPU worker grades this organization's GPU-only coding problems.",
                verbose_name="GPU grading",
            ),
        ),
    ]
