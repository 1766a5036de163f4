# Celery's autodiscovery reads each app's `tasks` module; the tasks live beside their code.
from .pushes import purge_exchanges, push_to_ats, requeue_stuck_pushes  # noqa: F401
