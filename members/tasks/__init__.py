"""Celery tasks of the members app (autodiscovery imports this package)."""

from .imports import *  # noqa: F403
from .pipeline import *  # noqa: F403
