"""The seed's steps in order, each timed, with a progress line; one transaction for the data.

Full mode: tree → members → terms → meetings (with attendance) → talks and appraisals →
dues → ratings → compliance (``meetings.compliance.refresh`` of the tree's organisations,
year by year) → accounts; after the commit, ``assessment.rollups.rebuild``.
Direct mode (``--direct``): tree → members → terms → compliance rows → ratings → accounts
→ rollups: no meetings, attendance or dues.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction

from assessment import rollups
from branches.models import Organisation
from meetings import compliance
from meetings.defaults import ensure_defaults as ensure_meeting_defaults

from . import assessment, direct, dues, life, meetings, people, terms, tree, users
from .context import SeedContext, SeedOptions, SeedRefused
from .copy import is_postgres
from .summary import Summary

# Tables worth fresh planner statistics before the compliance refresh reads them.
ANALYZE_TABLES = [
    "branches_organisation", "branches_term", "members_member", "members_appointment", "meetings_meeting",
    "meetings_attendance", "meetings_talk", "meetings_appraisal", "members_duespayment",
    "meetings_compliancerecord", "assessment_rating",
]  # fmt: skip


@dataclass
class Steps:
    """Runs the steps: the time of each, a line per step through ``say``."""

    say: Callable[[str], None]
    seconds: dict[str, float] = field(default_factory=dict)

    def run(self, name: str, label: str, call: Callable[[], object]):
        self.say(f"{label}……")
        started = time.perf_counter()
        result = call()
        self.seconds[name] = round(time.perf_counter() - started, 2)
        self.say(f"{label}：完成，用时 {self.seconds[name]:.1f} 秒")
        return result


def refuse_existing(options: SeedOptions) -> None:
    existing = Organisation.objects.filter(code=options.root_code).first()
    if existing is not None:
        raise SeedRefused(
            f"已存在代码为 {options.root_code} 的根组织“{existing.name}”（编号 {existing.pk}）："
            "同一支部数只能生成一次，请换一个支部数或使用新的数据库。"
        )


def _analyze() -> None:
    if is_postgres():
        with connection.cursor() as cursor:
            for table in ANALYZE_TABLES:
                cursor.execute(f'ANALYZE "{table}"')


def _compliance(ctx: SeedContext, built: tree.Tree) -> int:
    """The stored compliance of the tree's organisations, computed from the meetings, year by year.

    The rollups are rebuilt once at the end, so they are not kept up to date branch by branch here.
    """
    ids = [node.id for node in built.all_nodes() if node.level != "group"]
    with rollups.deferred():
        return sum(compliance.refresh(ids, year, today=ctx.today) for year in ctx.years)


def run(options: SeedOptions, *, say: Callable[[str], None] = print, today=None) -> Summary:
    options.check()
    refuse_existing(options)
    ctx = SeedContext.start(options, today)
    steps = Steps(say)
    mode = "直接写入" if options.direct else "完整"
    say(
        f"生成{mode}数据：{options.branches} 个支部 × 每支部约 {options.members_per_branch} 人 × "
        f"{options.years} 年（{ctx.years[0]}—{ctx.years[-1]}），"
        f"种子 {options.seed}，数据库 {connection.vendor}"
    )
    total = time.perf_counter()
    with transaction.atomic():
        if is_postgres():
            # Foreign keys checked at the end of each COPY, not queued for millions of rows until COMMIT.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        refuse_existing(options)  # again, inside the transaction
        ensure_meeting_defaults()
        built = steps.run("tree", "组织树", lambda: tree.build(ctx))
        steps.run("members", "党员", lambda: people.build(ctx, built))
        steps.run("terms", "届次和支部委员", lambda: terms.build(ctx, built))
        if options.direct:
            steps.run("compliance", "达标情况（直接写入）", lambda: direct.build(ctx, built))
            steps.run("ratings", "星级评定和达标验收", lambda: assessment.build(ctx, built))
            compliance_rows = ctx.count(direct.ComplianceRecord)
        else:
            days = steps.run("meetings", "会议和出勤", lambda: meetings.build(ctx, built))
            steps.run("life", "谈心谈话和民主评议", lambda: life.build(ctx, built, days))
            steps.run("dues", "党费", lambda: dues.build(ctx, built))
            steps.run("ratings", "星级评定和达标验收", lambda: assessment.build(ctx, built))
            steps.run("analyze", "更新统计信息", _analyze)
            compliance_rows = steps.run("compliance", "达标情况（重算）", lambda: _compliance(ctx, built))
        accounts = steps.run("users", "测试账号", lambda: users.build(ctx, built))
        steps.run("analyze_final", "更新统计信息", _analyze)
    steps.run("rollups", "看板汇总", lambda: rollups.rebuild(years=ctx.years))
    summary = Summary.of(ctx, built, steps.seconds, compliance_rows, accounts, time.perf_counter() - total)
    say(summary.line())
    return summary
