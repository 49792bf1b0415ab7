"""The dashboard's rollups: "per (organisation node, period, indicator)" (ARCHITECTURE).

A branch's own figures are computed from its compliance, dues and member rows
(``assessment/rollups.py``); every organisation above it holds their sums, split by the branch's
sector and kind so the dashboard's filters read rollups too. A dashboard then reads the rows of one
node (tiles, monthly trend) or of its direct children (the chart): O(children × months) rows,
whatever the size of the subtree.
"""

from django.db import models
from django.db.models import Q

from branches.models import Organisation

STATE = 0  # ``year`` and ``month`` of the row that holds a node's current state (branches, members)
YEAR = 0  # ``month`` of a year's row that holds the whole year's figures (ratings, acceptance)


class Rollup(models.Model):
    """Sums over the active branches at or below ``node`` of one sector and kind, for one month.

    The row with year = month = 0 is the state as of its last refresh (the nightly rebuild at the
    latest): branches, party members, branches with 设置不规范 warnings, overdue terms, open
    rectification items. The row of a year with month = 0 holds the year's compliance totals, ratings
    (named, by stars; still in the workflow) and accepted branches (达标验收). The rows of a year's
    months hold, by the month a compliance period ends (or a dues line falls in): compliance periods,
    met, short, the theme-day rates, dues lines and those paid on time. Counts are plain integers
    (no CHECK): they are kept by increments, and the rebuild command recomputes them from the source
    rows.
    """

    node = models.ForeignKey(
        Organisation, verbose_name="组织", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveSmallIntegerField("月份")
    sector = models.CharField("领域", max_length=30)
    kind = models.CharField("组织类别", max_length=20)
    branches = models.IntegerField("党支部数", default=0)
    members = models.IntegerField("党员数", default=0)
    warned = models.IntegerField("设置不规范的支部数", default=0)
    terms_overdue = models.IntegerField("超期未换届", default=0)
    open_items = models.IntegerField("未销号整改事项", default=0)
    named_1 = models.IntegerField("命名一星", default=0)
    named_2 = models.IntegerField("命名二星", default=0)
    named_3 = models.IntegerField("命名三星", default=0)
    named_4 = models.IntegerField("命名四星", default=0)
    named_5 = models.IntegerField("命名五星", default=0)
    in_workflow = models.IntegerField("评定中", default=0)
    accepted = models.IntegerField("达标验收通过", default=0)
    periods = models.IntegerField("达标周期数", default=0)
    met = models.IntegerField("已达标", default=0)
    short = models.IntegerField("未达标", default=0)
    theme_sum = models.DecimalField("主题党日出席率之和", max_digits=14, decimal_places=4, default=0)
    theme_n = models.IntegerField("主题党日出席率个数", default=0)
    dues_lines = models.IntegerField("应交党费月次", default=0)
    dues_on_time = models.IntegerField("按时交纳月次", default=0)

    class Meta:
        verbose_name = "看板汇总"
        verbose_name_plural = "看板汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["node", "year", "month", "sector", "kind"], name="rollup_one_row"
            ),
            models.CheckConstraint(condition=Q(month__lte=12), name="rollup_month_valid"),
        ]

    def __str__(self):
        return f"{self.node_id} {self.year}-{self.month:02d} {self.sector}/{self.kind}"


class BranchYear(models.Model):
    """One active branch's compliance for a year: what the 最薄弱党支部 ranking sorts.

    ``ratio`` is met / (met + short), null without a counted period; ``org_path`` copies the
    branch's path so a subtree is one range scan, as on the compliance rows.
    """

    branch = models.ForeignKey(
        Organisation, verbose_name="党支部", on_delete=models.CASCADE, related_name="+"
    )
    org_path = models.CharField("组织路径", max_length=255)
    sector = models.CharField("领域", max_length=30)
    kind = models.CharField("组织类别", max_length=20)
    year = models.PositiveSmallIntegerField("年度")
    met = models.IntegerField("已达标", default=0)
    short = models.IntegerField("未达标", default=0)
    ratio = models.FloatField("达标率", null=True)

    class Meta:
        verbose_name = "党支部年度达标"
        verbose_name_plural = "党支部年度达标"
        constraints = [models.UniqueConstraint(fields=["branch", "year"], name="branch_year_once")]
        indexes = [
            models.Index(fields=["year", "org_path"], name="branch_year_path"),
            # The weakest of a large subtree: walk the ranking in order and stop after twenty.
            models.Index(fields=["year", "ratio", "-short", "org_path"], name="branch_year_rank"),
        ]

    def __str__(self):
        return f"{self.branch_id} {self.year}: {self.met}/{self.met + self.short}"
