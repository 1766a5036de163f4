"""What the grader announces to the rest of the site; it never imports who listens.

`submission_finalized(sender=Submission, submission, score, verdict)`: a graded (not a
sample-run) submission got its one final result, sent inside the transaction that wrote
it. `score` is None for an internal error.
"""

from django.dispatch import Signal

submission_finalized = Signal()
