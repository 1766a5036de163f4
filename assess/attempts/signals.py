"""What the candidate's side tells the layers above it, which subscribe in their app's
`ready()` (the order of the packages is in docs/architecture.md)."""

from django.dispatch import Signal

# Sent once, after the transaction that stored an attempt's final result commits;
# keyword argument `attempt`. The API's webhooks listen (`assess.api.apps`).
attempt_graded = Signal()

# Sent once, after the transaction that created an attempt commits (the candidate pressed
# Start); keyword argument `attempt`. The applicant-tracking systems listen
# (`assess.integrations.apps`) to report progress.
attempt_started = Signal()
