from django.db import migrations, models


class Migration(migrations.Migration):
    # Every question stored before the pools were split was a hiring question (all were
    # also shown in practice, which is the leak this closes): they all become hiring.

    dependencies = [
        ("quizzes", "0005_exposure_parameters"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="question",
            name="in_practice",
        ),
        migrations.AddField(
            model_name="question",
            name="pool",
            field=models.CharField(
                choices=[("hiring", "Hiring (private)"), ("practice", "Practice (public)")],
                default="hiring",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="seen_in_organizations",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
