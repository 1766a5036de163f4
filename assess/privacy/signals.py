"""What the erasure tells the layers above it (the API's webhooks), which subscribe in their
app's `ready()`."""

from django.dispatch import Signal

# Sent inside the erasing transaction, once a candidate's rows are gone; keyword arguments
# `organization_id`, `invitation_id`, `attempt_id` (None when never started), `erased_at`
# and `replaying` (True when a restore re-applies the erasure log: nothing is announced).
candidate_erased = Signal()
