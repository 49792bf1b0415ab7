"""Reads that may come from the read replica: ``reads_from_replica()``, a context manager and decorator.

Only code that can live with data a moment old opts in — the dashboards and the ledger
builds, the two heavy readers of a provincial deployment. Everything else reads the
primary, so a secretary always sees the meeting she has just saved. The router
(``config/db_router.py``) honours the flag only when a ``replica`` alias is configured
(``DATABASE_REPLICA_URL``); without one the flag changes nothing.

A context variable rather than a thread-local, so the flag follows the code that set it and
never leaks into the next request or task run by the same thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Model

REPLICA = "replica"

# The labels ("app_label.modelname") that must still be read from the primary, or None outside the
# context. A job reads its own state row back after writing it (a ledger's progress, its parts
# count); a lagging replica would hand it the old value.
_primary_only: ContextVar[frozenset[str] | None] = ContextVar("replica_reads", default=None)


@contextmanager
def reads_from_replica(keep_on_primary: Iterable[type[Model]] = ()) -> Iterator[None]:
    """Send the reads inside to the replica, except those of the ``keep_on_primary`` models."""
    token = _primary_only.set(frozenset(model._meta.label_lower for model in keep_on_primary))
    try:
        yield
    finally:
        _primary_only.reset(token)


def replica_reads_for(model: type[Model]) -> bool:
    """Has the running code asked for replica reads, and is ``model`` not one it keeps on the primary?"""
    primary_only = _primary_only.get()
    return primary_only is not None and model._meta.label_lower not in primary_only
