"""Bulk writes for the seed: PostgreSQL ``COPY`` from in-memory text, ``bulk_create`` elsewhere.

Ten thousand branches make about ten million rows (attendance, dues, compliance);
``INSERT`` statements through the ORM write some 20,000 rows a second here, COPY
several hundred thousand. SQLite (the tests' default database) has no COPY, so the
same rows go through ``bulk_create`` in batches: one code path above this module.

Primary keys that other rows point at are taken before the rows are written
(``IdBlock``): on PostgreSQL from the table's own sequence, so the ids are the ones
an ordinary insert would have used and the sequence stays ahead of them.
"""

from __future__ import annotations

import io
import json

from django.db import connection

COPY_ROWS = 50_000  # rows a COPY statement carries: about 5–20 MB of text
BULK_BATCH = 2_000  # rows a bulk_create batch carries on SQLite

_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def copy_text(value) -> str:
    """One value in COPY's text format: ``\\N`` for NULL, backslash escapes, ``t``/``f``."""
    if value is None:
        return r"\N"
    kind = type(value)
    if kind is str:
        return value.translate(_ESCAPE)
    if kind is bool:
        return "t" if value else "f"
    if kind is dict or kind is list:
        return json.dumps(value, ensure_ascii=False).translate(_ESCAPE)
    return str(value)  # int, Decimal, date, aware datetime: PostgreSQL reads their str()


class IdBlock:
    """Primary keys handed out before their rows are written, so children can point at parents."""

    def __init__(self):
        self._next: dict[str, int] = {}

    def take(self, model, count: int) -> list[int]:
        if count <= 0:
            return []
        table = model._meta.db_table
        if is_postgres():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                return [row[0] for row in cursor.fetchall()]
        # SQLite: one writer inside the seed's transaction, so the largest id plus one is free;
        # remembered here because the rows are only written when their batch is full.
        if table not in self._next:
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608 - our table
                self._next[table] = cursor.fetchone()[0] + 1
        first = self._next[table]
        self._next[table] = first + count
        return list(range(first, first + count))


class Writer:
    """Rows of one table: ``add(tuple)`` in the order of ``columns``; the other columns get their defaults.

    A column left out takes the field's default (``auto_now`` fields the seed's clock), the
    same value for every row, so it is formatted once. Use as a context manager; ``count``
    is the number of rows written.
    """

    def __init__(self, model, columns: list[str], *, now, counts: dict[str, int] | None = None):
        self.model = model
        self.columns = list(columns)
        self.count = 0
        self._counts = counts
        self._rows: list = []
        self._postgres = is_postgres()
        extra = self._defaults(now)
        table = model._meta.db_table
        names = ", ".join(f'"{name}"' for name in self.columns + list(extra))
        self._sql = f'COPY "{table}" ({names}) FROM STDIN'
        self._tail = "".join("\t" + copy_text(value) for value in extra.values()) + "\n"

    def _defaults(self, now) -> dict[str, object]:
        given = set(self.columns)
        extra = {}
        for field in self.model._meta.concrete_fields:
            if field.attname in given or field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                extra[field.column] = now
            else:
                # The model's default; "" for a text field without one, as Model.save() would store.
                extra[field.column] = field.get_default()
                if extra[field.column] is None and not field.null:
                    raise ValueError(f"{self.model.__name__}.{field.name} has no default and was not given")
        return extra

    def add(self, row: tuple) -> None:
        self._rows.append(row)
        if len(self._rows) >= (COPY_ROWS if self._postgres else BULK_BATCH):
            self.flush()

    def flush(self) -> None:
        if not self._rows:
            return
        if self._postgres:
            tail = self._tail
            text = "".join("\t".join(map(copy_text, row)) + tail for row in self._rows)
            with connection.cursor() as cursor:
                cursor.copy_expert(self._sql, io.StringIO(text))
        else:
            columns = self.columns
            self.model.objects.bulk_create(
                [self.model(**dict(zip(columns, row, strict=True))) for row in self._rows],
                batch_size=BULK_BATCH,
            )
        self.count += len(self._rows)
        self._rows = []

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.flush()
            if self._counts is not None:
                key = self.model._meta.label_lower
                self._counts[key] = self._counts.get(key, 0) + self.count
