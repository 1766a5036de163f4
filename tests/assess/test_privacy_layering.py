"""A rule of the house, enforced: whatever row points at a candidate's invitation, attempt,
answer or code goes with them when they are erased (on_delete=CASCADE), so a model added
later cannot keep personal data behind an erasure, or make it fail."""

from django.apps import apps
from django.db import models

from assess.models import Answer, Attempt, Invitation
from grader.models import Submission

CANDIDATE_ROWS = (Invitation, Attempt, Answer, Submission)
# Erasure deletes the attempt before the invitation (assess.privacy.services).
ALLOWED = {(Attempt, "invitation")}


def test_every_row_pointing_at_a_candidate_cascades():
    offenders = [
        f"{model.__name__}.{field.name} ({field.remote_field.on_delete.__name__})"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.ForeignKey | models.OneToOneField)
        and field.related_model in CANDIDATE_ROWS
        and field.remote_field.on_delete is not models.CASCADE
        and (model, field.name) not in ALLOWED
    ]
    assert offenders == []
