"""The Celery application shared by the web process and the workers.

The broker comes from CELERY_BROKER_URL (Redis in production). When it is unset, the
embedded default uses kombu's filesystem transport under var/celery/, so `make run`
starts a real worker process with no server to install.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assess.settings")

app = Celery("assess")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
