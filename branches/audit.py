"""The audit trail (修改记录): who changed which record, when, from what to what.

django-simple-history keeps one history table per audited model and writes a row on every
``save()`` and ``delete()`` (the request's user comes from its middleware). The services also
write in bulk — ``bulk_create``, ``bulk_update`` and compare-and-set ``QuerySet.update`` — which
send no signals; they call :func:`created` / :func:`updated` / :func:`changed` here right after,
in the same transaction, so those writes leave the same rows. Deletes go through ``delete()``,
whose signals simple-history hears.

Work done outside a request (a Celery task importing a roster, a management command) names its
user with :func:`acting_as`; without one the rows say "system" (no user).
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

from django.utils import timezone
from simple_history.models import HistoricalRecords

_actor: ContextVar = ContextVar("audit_actor", default=None)

# Columns that are bookkeeping, not content: left out of every history table.
NOT_AUDITED = ("updated_at",)


def _history_user(instance=None, request=None, **kwargs):
    actor = _actor.get()
    if actor is not None:
        return actor
    if request is not None and request.user.is_authenticated:
        return request.user
    return None


def history(*, exclude: tuple[str, ...] = ()) -> HistoricalRecords:
    """The ``history`` field an audited model declares."""
    return HistoricalRecords(
        get_user=_history_user,
        excluded_fields=[*NOT_AUDITED, *exclude],
        user_db_constraint=False,  # a deleted user's records stay, naming nobody
    )


@contextlib.contextmanager
def acting_as(user):
    """Writes inside the block are recorded as ``user``'s (a task running for someone)."""
    token = _actor.set(user if user is not None and getattr(user, "pk", None) else None)
    try:
        yield
    finally:
        _actor.reset(token)


def _user():
    actor = _actor.get()
    if actor is not None:
        return actor
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _record(objs, kind: str) -> int:
    objs = list(objs)
    if not objs:
        return 0
    model = type(objs[0])
    historical = model.history.model
    fields = [field.attname for field in historical.tracked_fields]
    user, now = _user(), timezone.now()
    rows = [
        historical(
            history_date=now,
            history_user=user,
            history_type=kind,
            history_change_reason="",
            **{name: getattr(obj, name) for name in fields},
        )
        for obj in objs
    ]
    historical.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def created(objs) -> int:
    """History rows for objects just written with ``bulk_create`` (their primary keys set)."""
    return _record(objs, "+")


def updated(objs) -> int:
    """History rows for objects just written with ``bulk_update``, from the instances as written."""
    return _record(objs, "~")


def changed(model, pks) -> int:
    """History rows for rows just changed with ``bulk_update`` or ``QuerySet.update``: read back as stored."""
    pks = list(pks)
    if not pks:
        return 0
    return _record(model._default_manager.filter(pk__in=pks).order_by("pk"), "~")
