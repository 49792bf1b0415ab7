"""The Celery app: broker from REDIS_URL, tasks discovered in every app, beat schedule in settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("zhibutong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
