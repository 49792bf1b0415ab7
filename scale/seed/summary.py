"""The seed's closing line: ``SEED_SCALE {json}`` with the rows written, the seconds per step,
and the keys the benchmark needs (root, first county, bench branch, accounts)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from django.db import connection

from assessment.models import Acceptance, Rating
from branches.models import Organisation, Term
from meetings.models import Appraisal, Attendance, Meeting, MeetingEvent, Talk
from members.models import Appointment, DuesBase, DuesPayment, Member

from .context import SeedContext
from .copy import is_postgres
from .tree import Tree

PREFIX = "SEED_SCALE "


@dataclass
class Summary:
    branches: int
    members_per_branch: int
    years: list[int]
    seed: int
    direct: bool
    database: str
    root_pk: int
    county_pk: int
    bench_branch_pk: int
    accounts: dict[str, int]
    counts: dict[str, int]
    seconds: dict[str, float]
    total_seconds: float
    database_size: str

    @classmethod
    def of(
        cls, ctx: SeedContext, tree: Tree, seconds, compliance_rows: int, accounts, total: float
    ) -> Summary:
        options = ctx.options
        counts = {
            "organisations": ctx.count(Organisation),
            "branches": len(tree.branches),
            "groups": len(tree.groups),
            "members": ctx.count(Member),
            "party_members": sum(1 for b in tree.branches for p in b.members if p.is_party and p.is_active),
            "terms": ctx.count(Term),
            "appointments": ctx.count(Appointment),
            "meetings": ctx.count(Meeting),
            "meeting_events": ctx.count(MeetingEvent),
            "attendance": ctx.count(Attendance),
            "talks": ctx.count(Talk),
            "appraisals": ctx.count(Appraisal),
            "dues_bases": ctx.count(DuesBase),
            "dues": ctx.count(DuesPayment),
            "compliance": compliance_rows,
            "ratings": ctx.count(Rating),
            "acceptances": ctx.count(Acceptance),
        }
        return cls(
            branches=options.branches,
            members_per_branch=options.members_per_branch,
            years=ctx.years,
            seed=options.seed,
            direct=options.direct,
            database=str(connection.settings_dict.get("NAME") or ""),
            root_pk=tree.root.id,
            county_pk=tree.counties[0].id,
            bench_branch_pk=tree.bench.id,
            accounts=accounts,
            counts=counts,
            seconds=dict(seconds),
            total_seconds=round(total, 1),
            database_size=database_size(),
        )

    def line(self) -> str:
        return PREFIX + json.dumps(asdict(self), ensure_ascii=False, sort_keys=False)

    @staticmethod
    def parse(text: str) -> dict:
        """The payload of the SEED_SCALE line in a command's output (for the benchmark and the tests)."""
        for line in text.splitlines():
            if line.startswith(PREFIX):
                return json.loads(line[len(PREFIX) :])
        raise ValueError("no SEED_SCALE line in the output")


def database_size() -> str:
    if not is_postgres():
        return ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return cursor.fetchone()[0]
