"""Versions of the bank's item parameters, fitted from candidates' scored answers.

They live in `assess` because they are fitted from attempts, which `assess` owns (quizzes
may not read attempts: dependencies point assess -> quizzes); the fit itself is the plain
NumPy code of `quizzes.irt`.
"""

from django.db import models


class ItemCalibration(models.Model):
    """One fit of every active question's parameters; the newest one is in use, older ones
    stay so an estimate can be traced to the parameters it used."""

    created_at = models.DateTimeField(auto_now_add=True)
    candidates = models.PositiveIntegerField(help_text="Submitted attempts with a scored answer.")
    responses = models.PositiveIntegerField(help_text="Scored answers used.")
    converged = models.BooleanField()
    iterations = models.PositiveIntegerField()
    # Abilities at which a candidate expects 60 % on the bank's junior / mid / senior
    # questions. A fit from before the floor level has no junior cut: item_parameters
    # derives it from the fit's stored parameters.
    junior_cut = models.FloatField(null=True, blank=True)
    mid_cut = models.FloatField()
    senior_cut = models.FloatField()
    priors = models.JSONField(help_text="The item priors the fit used.")

    class Meta:
        ordering = ["-pk"]
        get_latest_by = "pk"

    def __str__(self) -> str:
        return f"calibration v{self.pk} ({self.candidates} candidates)"


class ItemParameter(models.Model):
    calibration = models.ForeignKey(ItemCalibration, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey("quizzes.Question", on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=10, help_text="The question's bank level at the fit.")
    discrimination = models.FloatField()
    difficulty = models.FloatField()
    discrimination_se = models.FloatField()
    difficulty_se = models.FloatField()
    responses = models.PositiveIntegerField()

    class Meta:
        ordering = ["calibration", "difficulty"]
        constraints = [
            models.UniqueConstraint(
                fields=["calibration", "question"], name="one_parameter_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question} a={self.discrimination:.2f} b={self.difficulty:.2f}"
