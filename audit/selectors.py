"""The entries of a history page: each historical row beside the one before it, as changes.

Every historical row of the page's sources is read (one query a source, ordered), the rows of one
object compared in turn in Python, and the ids the changes name (members, users, organisations,
template items) read once each: the page's query count does not grow with its length.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from assessment.models import RatingTemplate, TemplateItem
from branches import access
from branches.models import Organisation
from meetings.models import MeetingKind
from members import privacy
from members.models import ExportLog, Member

from .subjects import Subject

ACTIONS = {"+": "新增", "~": "修改", "-": "删除"}
# Personal data (DOMAIN §8): masked on the page for everyone but admins.
MASKED = {"id_number": privacy.mask_id_number, "phone": privacy.mask_phone}
# Foreign keys shown by name: the related model → the namespace key the names are kept under, and
# the field that names a row.
NAMED = {
    Member: ("member", "name"),
    Organisation: ("organisation", "name"),
    TemplateItem: ("item", "title"),
    MeetingKind: ("kind", "name"),
    RatingTemplate: ("template", "name"),
}


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Entry:
    at: dt.datetime
    user: str
    action: str
    subject: str
    changes: list[Change] = field(default_factory=list)


def history_entries(user, subject: Subject, obj) -> list[Entry]:
    """Newest first: who did what to the object and its parts, with each field's before and after."""
    rows_by_source = [
        (source, list(source.model.history.filter(**{source.field: obj.pk}).order_by("history_id")))
        for source in subject.sources
    ]
    names = _names(rows_by_source)
    unmask = access.is_admin(user)
    entries = []
    for source, rows in rows_by_source:
        fields = [f for f in _shown_fields(source.model) if f.attname != source.field]  # the page's own id
        previous: dict[int, object] = {}
        for row in rows:
            before = previous.get(row.id)
            previous[row.id] = row
            entries.append(
                Entry(
                    at=timezone.localtime(row.history_date),
                    user=names.user.get(row.history_user_id, "系统") if row.history_user_id else "系统",
                    action=ACTIONS.get(row.history_type, row.history_type),
                    subject=source.label(row, names),
                    changes=_changes(fields, before, row, names, unmask),
                )
            )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def exports_of(organisation: Organisation):
    """The downloads of personal data of the organisation (its roster, its import error files)."""
    return ExportLog.objects.filter(organisation=organisation).select_related("user")


def _shown_fields(model) -> list[models.Field]:
    tracked = {f.attname for f in model.history.model.tracked_fields}
    return [f for f in model._meta.concrete_fields if f.attname in tracked and not f.primary_key]


def _changes(fields, before, row, names, unmask: bool) -> list[Change]:
    if row.history_type == "-":
        return []
    changes = []
    for f in fields:
        new = getattr(row, f.attname)
        if before is not None and getattr(before, f.attname) == new:
            continue
        if before is None and new in (None, "", False):
            continue  # a new record: only what it holds
        changes.append(
            Change(
                str(f.verbose_name),
                _shown(f, getattr(before, f.attname), names, unmask) if before is not None else "",
                _shown(f, new, names, unmask),
            )
        )
    return changes


def _shown(f: models.Field, value, names, unmask: bool) -> str:
    if value is None or value == "":
        return "—"
    if f.attname in MASKED and not unmask:
        return MASKED[f.attname](value)
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if f.is_relation:
        key = _key(f.related_model)
        return getattr(names, key).get(value, f"#{value}") if key else f"#{value}"
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    text = str(value)
    return text if len(text) <= 200 else text[:200] + "…"


def _names(rows_by_source) -> SimpleNamespace:
    """The names of every member, user, organisation and template item the rows point at."""
    wanted: dict[str, set] = defaultdict(set)
    for source, rows in rows_by_source:
        relations = [
            (f.attname, _key(f.related_model)) for f in source.model._meta.concrete_fields if f.is_relation
        ]
        for row in rows:
            if row.history_user_id:
                wanted["user"].add(row.history_user_id)
            for attname, key in relations:
                value = getattr(row, attname, None)
                if key and value is not None:
                    wanted[key].add(value)
    return SimpleNamespace(
        user=_user_names(wanted["user"]),
        **{key: _lookup(model, wanted[key], field) for model, (key, field) in NAMED.items()},
    )


def _key(model) -> str | None:
    if model in NAMED:
        return NAMED[model][0]
    return "user" if model is get_user_model() else None


def _user_names(ids) -> dict:
    if not ids:
        return {}
    rows = get_user_model()._default_manager.filter(pk__in=ids).values_list("pk", "first_name", "username")
    return {pk: f"{first}（{username}）" if first else username for pk, first, username in rows}


def _lookup(model, ids, field) -> dict:
    if not ids:
        return {}
    return dict(model._default_manager.filter(pk__in=ids).values_list("pk", field))
