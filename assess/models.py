"""The `assess` app's models, defined in their feature packages (the app label stays
`assess`, so the migrations do not change); Django and `assess.api` import them from here."""

from assess.attempts.models import (
    Answer,
    Attempt,
    AttemptStatus,
    IntegrityEvent,
    IntegrityKind,
    SubmitReason,
)
from assess.calibration.models import ItemCalibration, ItemParameter
from assess.hiring.models import (
    Assessment,
    AttemptPoints,
    Invitation,
    Section,
    SectionQuestion,
)
from assess.orgs.models import Membership, Organization, Role
from assess.review.models import Regrade, ReportShare, RubricReview

__all__ = [
    "Answer",
    "Assessment",
    "Attempt",
    "AttemptPoints",
    "AttemptStatus",
    "IntegrityEvent",
    "IntegrityKind",
    "ItemCalibration",
    "ItemParameter",
    "Invitation",
    "Membership",
    "Organization",
    "Regrade",
    "ReportShare",
    "Role",
    "RubricReview",
    "Section",
    "SectionQuestion",
    "SubmitReason",
]
