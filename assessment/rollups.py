"""Keeping the dashboard's rollups (``models_rollups``): per branch from the source rows, summed up the tree.

Two ways, one definition (``_branch_figures``):
- ``refresh_branches(ids, years)`` — after a compliance refresh, a dues payment or a member
  change: the branches' own rows are recomputed, and the difference from what they held is added
  to every organisation above them (an ``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n``
  per row, in a fixed order so two refreshes never deadlock). The branches are locked for the
  transaction, so two refreshes of one branch cannot both add the same difference.
- ``rebuild(years)`` — the nightly job and ``manage.py rebuild_rollups``: every branch's rows
  from scratch, then one ``GROUP BY`` per level of the tree for the organisations above.

The figures follow ``assessment/indicators.py`` and ``selectors_dashboard`` (DOMAIN §5): only
active branches count; members are active 预备/正式党员; a compliance period counts in the month
it ends; a dues line (something due) in its own month, on time when paid in full within it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import astuple, dataclass, fields
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Concat, ExtractMonth, ExtractYear, Substr, TruncMonth
from django.utils import timezone

from branches.db import path_range
from branches.models import Organisation, OrgStatus
from branches.rules import BRANCH_KINDS
from meetings.models import ComplianceRecord
from members.models import PARTY_STAGES, DuesPayment, Member, MemberStatus

from . import indicators
from .models import Acceptance, AcceptanceStatus, Rating
from .models import Stage as RatingStage
from .models_rollups import STATE, YEAR, BranchYear, Rollup

CHUNK = 1000
STARS = (1, 2, 3, 4, 5)
_local = threading.local()
THEME = Q(requirement__kind__code=indicators.THEME_DAY, attendance_rate__isnull=False)

Key = tuple[int, int, int, str, str]  # node, year, month, sector, kind


@dataclass
class Figures:
    branches: int = 0
    members: int = 0
    warned: int = 0
    terms_overdue: int = 0
    open_items: int = 0
    named_1: int = 0
    named_2: int = 0
    named_3: int = 0
    named_4: int = 0
    named_5: int = 0
    in_workflow: int = 0
    accepted: int = 0
    periods: int = 0
    met: int = 0
    short: int = 0
    theme_sum: Decimal = Decimal(0)
    theme_n: int = 0
    dues_lines: int = 0
    dues_on_time: int = 0

    def minus(self, other: Figures) -> Figures:
        return Figures(*(a - b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def add(self, other: Figures) -> None:
        for f in FIELDS:
            setattr(self, f, getattr(self, f) + getattr(other, f))

    def __bool__(self) -> bool:
        return any(astuple(self))


FIELDS = [f.name for f in fields(Figures)]


# ---- a branch's own figures ------------------------------------------------------------------------


def _branch_figures(ids: Iterable[int], years: Iterable[int], today: dt.date) -> dict[Key, Figures]:
    """The rows of these organisations that are active branches: the state row and the years' months.

    A fixed number of grouped queries for the whole set, whatever its size.
    """
    years = sorted(set(years))
    branches = {
        pk: (sector, kind)
        for pk, sector, kind in Organisation.objects.filter(
            pk__in=list(ids), kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE
        ).values_list("pk", "sector", "kind")
    }
    found: dict[Key, Figures] = defaultdict(Figures)
    if not branches:
        return found

    def row(pk: int, year: int, month: int) -> Figures:
        return found[(pk, year, month, *branches[pk])]

    for pk in branches:
        row(pk, STATE, STATE).branches = 1
    for pk, n in (
        Member.objects.filter(
            organisation_id__in=branches, status=MemberStatus.ACTIVE, stage__in=PARTY_STAGES
        )
        .order_by()
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .values_list("organisation_id", "n")
    ):
        row(pk, STATE, STATE).members = n
    for pk, warnings in indicators.with_structure(Organisation.objects.filter(pk__in=branches)).values_list(
        "pk", "warnings"
    ):
        row(pk, STATE, STATE).warned = int(warnings > 0)
    for pk, n in _count_by(
        indicators.overdue_terms(today).filter(organisation_id__in=branches), "organisation_id"
    ):
        row(pk, STATE, STATE).terms_overdue = n
    for pk, n in _count_by(
        indicators.open_items().filter(case__organisation_id__in=branches), "case__organisation_id"
    ):
        row(pk, STATE, STATE).open_items = n
    if not years:
        return found
    for pk, year, stage, stars in Rating.objects.filter(
        organisation_id__in=branches, year__in=years
    ).values_list("organisation_id", "year", "stage", "final_stars"):
        figures = row(pk, year, YEAR)
        if stage != RatingStage.NAMED:
            figures.in_workflow += 1
        elif stars in STARS:
            setattr(figures, f"named_{stars}", getattr(figures, f"named_{stars}") + 1)
    for pk, year, n in (
        Acceptance.objects.filter(
            organisation_id__in=branches, year__in=years, status=AcceptanceStatus.ACCEPTED
        )
        .order_by()
        .values("organisation_id", "year")
        .annotate(n=Count("pk"))
        .values_list("organisation_id", "year", "n")
    ):
        row(pk, year, YEAR).accepted = n
    for r in (
        ComplianceRecord.objects.filter(organisation_id__in=branches, year__in=years)
        .annotate(month=ExtractMonth("period_end"))
        .order_by()
        .values("organisation_id", "year", "month")
        .annotate(
            periods=Count("pk"),
            met=indicators.MET,
            short=indicators.SHORT,
            theme_sum=Sum("attendance_rate", filter=THEME),
            theme_n=Count("pk", filter=THEME),
        )
    ):
        figures = row(r["organisation_id"], r["year"], r["month"])
        figures.periods, figures.met, figures.short = r["periods"], r["met"], r["short"]
        figures.theme_sum, figures.theme_n = r["theme_sum"] or Decimal(0), r["theme_n"]
        whole = row(r["organisation_id"], r["year"], YEAR)  # the year's totals: what the children chart reads
        whole.periods += r["periods"]
        whole.met += r["met"]
        whole.short += r["short"]
    for r in (
        DuesPayment.objects.filter(
            member__organisation_id__in=branches, month__year__in=years, amount_due__gt=0
        )
        .annotate(paid_month=TruncMonth("paid_on"), y=ExtractYear("month"), m=ExtractMonth("month"))
        .order_by()
        .values("member__organisation_id", "y", "m")
        .annotate(n=Count("pk"), on_time=Count("pk", filter=indicators.ON_TIME))
    ):
        figures = row(r["member__organisation_id"], r["y"], r["m"])
        figures.dues_lines, figures.dues_on_time = r["n"], r["on_time"]
    return found


def _count_by(queryset, field: str):
    return queryset.order_by().values(field).annotate(n=Count("pk")).values_list(field, "n")


def _branch_years(figures: dict[Key, Figures], years: Iterable[int]) -> list[BranchYear]:
    """Each branch's year totals (for the ranking) from its month rows."""
    totals: dict[tuple[int, int], list] = {}
    for (pk, year, month, sector, kind), f in figures.items():
        if year == STATE or month == YEAR:
            continue
        total = totals.setdefault((pk, year), [sector, kind, 0, 0])
        total[2] += f.met
        total[3] += f.short
    if not totals:
        return []
    branch_ids = {pk for pk, _year in totals}
    paths = dict(Organisation.objects.filter(pk__in=branch_ids).values_list("pk", "path"))
    return [
        BranchYear(
            branch_id=pk,
            org_path=paths[pk],
            sector=sector,
            kind=kind,
            year=year,
            met=met,
            short=short,
            ratio=met / (met + short) if met + short else None,
        )
        for (pk, year), (sector, kind, met, short) in sorted(totals.items())
        if year in years
    ]


def _years_of(ids: list[int] | None) -> list[int]:
    """Every year with compliance rows or dues lines (of these branches, or anywhere)."""
    compliance = ComplianceRecord.objects.all()
    dues = DuesPayment.objects.all()
    if ids is not None:
        compliance = compliance.filter(organisation_id__in=ids)
        dues = dues.filter(member__organisation_id__in=ids)
    found = set(compliance.order_by().values_list("year", flat=True).distinct())
    found.update(d.year for d in dues.order_by().dates("month", "year"))
    return sorted(found)


# ---- incremental -----------------------------------------------------------------------------------


@transaction.atomic
def refresh_branches(
    ids: Iterable[int], years: Iterable[int] | None = (), *, today: dt.date | None = None
) -> int:
    """Recompute these organisations' own rows (state and ``years``; None: every year they have)
    and add the differences to every organisation above them. Returns the rollup rows changed.

    Other organisations among ``ids`` are ignored; a dissolved branch ends with no rows of its own,
    which takes its figures out of its committees' sums.
    """
    ids = sorted(set(ids))
    if not ids:
        return 0
    _lock_table("ROW EXCLUSIVE")
    # Only branches have rows of their own; a committee's rows are sums and change through its branches.
    paths = dict(
        Organisation.objects.select_for_update()
        .filter(pk__in=ids, kind__in=BRANCH_KINDS)
        .order_by("pk")
        .values_list("pk", "path")
    )
    ids = list(paths)
    years = _years_of(ids) if years is None else sorted(set(years))
    new = _branch_figures(ids, years, today or timezone.localdate())
    old_rows = Rollup.objects.filter(Q(year__in=years) | Q(year=STATE), node_id__in=ids)
    old = {
        (r.node_id, r.year, r.month, r.sector, r.kind): Figures(*(getattr(r, f) for f in FIELDS))
        for r in old_rows
    }
    changes = {key: new.get(key, Figures()).minus(old.get(key, Figures())) for key in new.keys() | old.keys()}
    changes = {key: change for key, change in changes.items() if change}
    old_rows.delete()
    _insert(new)
    BranchYear.objects.filter(branch_id__in=ids, year__in=years).delete()
    BranchYear.objects.bulk_create(_branch_years(new, years), batch_size=CHUNK)
    return len(changes) + _add_to_ancestors(changes, paths)


@transaction.atomic
def moved(node: Organisation, old_path: str) -> int:
    """After a subtree moved (``node`` has its new path): the copies of the paths on the rows below it
    follow, and its sums leave every organisation above the old place for those above the new one.

    The organisations above the old place keep their paths (only the moved subtree's change),
    so they are found by the old path's prefixes.
    """
    _lock_table("ROW EXCLUSIVE")
    for model in _PATH_COPIES():
        model.objects.filter(path_range("org_path", old_path)).update(
            org_path=Concat(Value(node.path), Substr("org_path", len(old_path) + 1))
        )
    own = {
        (node.pk, r.year, r.month, r.sector, r.kind): Figures(*(getattr(r, f) for f in FIELDS))
        for r in Rollup.objects.filter(node=node)
    }
    taken = {key: Figures().minus(figures) for key, figures in own.items()}
    return _add_to_ancestors(taken, {node.pk: old_path}) + _add_to_ancestors(own, {node.pk: node.path})


def _PATH_COPIES():  # noqa: N802 - a constant that needs the apps loaded
    """Every model that copies its organisation's path (``org_path``) for subtree scans."""
    from .models import Acceptance, ModelSite, Publicity, Rating, RectificationCase

    return [ComplianceRecord, BranchYear, Rating, Publicity, RectificationCase, ModelSite, Acceptance]


def _lock_table(mode: str) -> None:
    """On PostgreSQL, a rebuild (EXCLUSIVE) and the increments (ROW EXCLUSIVE) exclude each other.

    An increment reads a branch's old rows and adds the difference above it; were a rebuild to
    commit in between, the difference would be added to sums that already hold it. Taken before
    anything is read, the lock makes an increment wait for a running rebuild and read what it
    wrote; increments do not exclude one another (they lock the branches they refresh).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Rollup._meta.db_table} IN {mode} MODE")


def _add_to_ancestors(changes: dict[Key, Figures], paths: dict[int, str]) -> int:
    """Add each change of a node's row to the same row of every organisation above the node."""
    if not changes:
        return 0
    wanted = {p[:i] for p in paths.values() for i in range(4, len(p), 4)}
    pk_of = dict(Organisation.objects.filter(path__in=wanted).values_list("path", "pk"))
    total: dict[Key, Figures] = defaultdict(Figures)
    for (pk, year, month, sector, kind), change in changes.items():
        path = paths[pk]
        for i in range(4, len(path), 4):
            above = pk_of.get(path[:i])
            if above is not None:
                total[(above, year, month, sector, kind)].add(change)
    return _increment(total)


def _insert(rows: dict[Key, Figures]) -> None:
    Rollup.objects.bulk_create(
        [
            Rollup(node_id=pk, year=year, month=month, sector=sector, kind=kind, **vars(figures))
            for (pk, year, month, sector, kind), figures in rows.items()
        ],
        batch_size=CHUNK,
    )


def _increment(rows: dict[Key, Figures]) -> int:
    """Add to existing rows, creating them when missing: one statement per batch, keys in order."""
    table = connection.ops.quote_name(Rollup._meta.db_table)
    columns = ["node_id", "year", "month", "sector", "kind", *FIELDS]
    sums = ", ".join(f"{f} = {table}.{f} + excluded.{f}" for f in FIELDS)
    keys = sorted(rows)
    with connection.cursor() as cursor:
        for start in range(0, len(keys), CHUNK):
            batch = keys[start : start + CHUNK]
            values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(batch))
            params = [v for key in batch for v in (*key, *astuple(rows[key]))]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} "  # noqa: S608
                f"ON CONFLICT (node_id, year, month, sector, kind) DO UPDATE SET {sums}",
                params,
            )
    return len(keys)


# ---- from scratch ----------------------------------------------------------------------------------


@transaction.atomic
def rebuild(years: Iterable[int] | None = None, *, today: dt.date | None = None) -> int:
    """Recompute the state rows and those of ``years`` (None: every year with data); returns rows written.

    The branches' rows are computed a thousand branches at a time; each level above them is one
    ``INSERT … SELECT … GROUP BY`` over the branches' rows joined to their ancestor by path prefix.
    """
    years = _years_of(None) if years is None else sorted(set(years))
    _lock_table("EXCLUSIVE")
    Rollup.objects.filter(Q(year__in=years) | Q(year=STATE)).delete()
    BranchYear.objects.filter(year__in=years).delete()
    ids = list(
        Organisation.objects.filter(kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    written = 0
    for start in range(0, len(ids), CHUNK):
        figures = _branch_figures(ids[start : start + CHUNK], years, today or timezone.localdate())
        _insert(figures)
        BranchYear.objects.bulk_create(_branch_years(figures, years), batch_size=CHUNK)
        written += len(figures)
    deepest = Organisation.objects.order_by("-depth").values_list("depth", flat=True).first() or 0
    for depth in range(1, deepest):
        written += _sum_level(depth, years)
    if connection.vendor == "postgresql":
        # Fresh statistics, so the planner walks the ranking index for a large subtree's weakest.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Rollup._meta.db_table}, {BranchYear._meta.db_table}")
    return written


def _sum_level(depth: int, years: list[int]) -> int:
    """The rows of the organisations at ``depth``: the sums of the branches' rows below them."""
    table = connection.ops.quote_name(Rollup._meta.db_table)
    orgs = connection.ops.quote_name(Organisation._meta.db_table)
    columns = ", ".join(FIELDS)
    sums = ", ".join(f"SUM(r.{f})" for f in FIELDS)
    width = 4 * depth
    kinds = sorted(BRANCH_KINDS)
    wanted_years = [STATE, *years]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (node_id, year, month, sector, kind, {columns}) "  # noqa: S608
            f"SELECT a.id, r.year, r.month, r.sector, r.kind, {sums} "
            f"FROM {table} r JOIN {orgs} b ON b.id = r.node_id "
            f"JOIN {orgs} a ON a.path = SUBSTR(b.path, 1, %s) "
            f"WHERE a.depth = %s AND b.depth > %s AND b.kind IN ({', '.join(['%s'] * len(kinds))}) "
            f"AND r.year IN ({', '.join(['%s'] * len(wanted_years))}) "
            "GROUP BY a.id, r.year, r.month, r.sector, r.kind",
            [width, depth, depth, *kinds, *wanted_years],
        )
        return cursor.rowcount


# ---- scheduling ------------------------------------------------------------------------------------


@contextmanager
def deferred():
    """Inside: no increments and no refresh tasks — for a bulk load that calls ``rebuild`` afterwards.

    ``seed_scale`` refreshes the compliance of 10,000 branches in one call; keeping the rollups up to
    date branch by branch meanwhile would be thrown away by the rebuild that follows.
    """
    previous = getattr(_local, "deferred", False)
    _local.deferred = True
    try:
        yield
    finally:
        _local.deferred = previous


def is_deferred() -> bool:
    return getattr(_local, "deferred", False)


def schedule(branch_ids: Iterable[int], years: Iterable[int] | None = ()) -> None:
    """After the caller's transaction commits, refresh these branches' rollups in a Celery task.

    ``years=()`` refreshes the state only (members, structure); None every year the branches have.
    Requests of one transaction are gathered: saving thirty members sends one task, not thirty.
    """
    ids = {pk for pk in branch_ids if pk}
    if not ids or is_deferred():
        return
    wanted = None if years is None else tuple(sorted(set(years)))
    pending = _pending()
    pending.setdefault(wanted, set()).update(ids)
    transaction.on_commit(_send)


def _pending() -> dict:
    if not hasattr(_local, "pending"):
        _local.pending = {}
    return _local.pending


def _send() -> None:
    """Send what was gathered (the first of a transaction's callbacks sends it all, the rest nothing).

    A transaction that rolled back leaves its requests here; they go with the next commit, which
    only refreshes some branches once more.
    """
    from .tasks import refresh_rollups

    pending, _local.pending = _pending(), {}
    for years, ids in pending.items():
        refresh_rollups.delay(sorted(ids), None if years is None else list(years))
