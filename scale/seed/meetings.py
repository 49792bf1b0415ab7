"""Organisational life: every branch's meetings of each seeded year, with attendance and history.

The schedule follows the requirement rows (``meetings.defaults``): 支委会 and 主题党日
monthly, 党员大会 and 党课 quarterly, 党小组会 monthly in each group, 组织生活会 and
民主评议 in the fourth quarter; each 基层党委 holds its 党员大会 once a year. Branches
keep it up unevenly (``tree.QUALITY_WEIGHTS``): a good branch misses about 3 % of its
meetings, a weak one a third, and its theme days fall under 80 % attendance more often,
so compliance is far from 100 %.

Each meeting's rows are those ``meetings.services.meetings.meeting_save`` would write:
attendance for everyone expected on the day (``meetings.roster``: the committee for a
支委会, the group's party members for a 党小组会, otherwise the party members on the
roster), ``present_count``/``expected_count`` from it, status submitted (a few recent
drafts, a very few returned), ``submitted_at``, 补录 when entered over 30 days late, and
a 录入 event. Only days before today count: today's meetings are not held yet.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from meetings import rules
from meetings.demo import (
    COMMITTEE_TOPICS,
    GENERAL_TOPICS,
    GROUP_TOPICS,
    LEAVE_REASONS,
    LECTURES,
    PLACES,
    SECTOR_LECTURES,
    THEME_FIXED,
    THEME_X,
)
from meetings.models import (
    Attendance,
    Meeting,
    MeetingEvent,
    MeetingEventKind,
    MeetingKind,
    MeetingStatus,
    Presence,
)
from meetings.services.meetings import late_entry_days

from .context import SeedContext
from .people import Person
from .terms import COMMITTEE_FROM
from .tree import Node, Tree

# (share of meetings missed, share of members present) by the branch's quality.
QUALITY = {"good": (0.03, 0.93), "fair": (0.12, 0.86), "poor": (0.35, 0.77)}
LATE_SHARE = {"good": 0.02, "fair": 0.05, "poor": 0.12}
LEAVE_OF_ABSENT = 0.7  # of those not present, most asked for leave
DRAFT_RECENT_DAYS = 14
DRAFT_SHARE = 0.2
RETURNED_SHARE = 0.003
RETURN_NOTE = "会议记录不完整，请补充讨论情况后重新提交。"

PLACE = "党员活动室"
MINUTES = (
    "{host}主持会议。应到{expected}人，实到{present}人，请假{leave}人，缺席{absent}人。\n"
    "会议围绕“{topic}”进行了学习讨论，与会党员结合实际交流发言，会议对下一步工作作了安排。"
)

MEETING_COLUMNS = [
    "id", "organisation_id", "branch_id", "kind_id", "topic", "starts_at", "ends_at", "place", "host",
    "recorder", "lecturer", "agenda", "minutes", "status", "is_late", "present_count", "expected_count",
    "submitted_at", "created_at", "updated_at",
]  # fmt: skip
EVENT_COLUMNS = ["meeting_id", "kind", "note", "at"]
ATTENDANCE_COLUMNS = ["meeting_id", "member_id", "presence", "reason"]


@dataclass(slots=True)
class Planned:
    kind: str
    organisation_id: int
    branch: Node
    day: dt.date
    hour: int
    topic: str
    expected: list[int]
    present_share: float
    host: str = ""
    recorder: str = ""
    lecturer: str = ""


def window(node: Node, year: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of ``year`` on which the organisation could meet (existing, before today)."""
    first = max(dt.date(year, 1, 1), node.founded_on + dt.timedelta(days=1))
    last = min(dt.date(year, 12, 31), today - dt.timedelta(days=1))
    if node.dissolved_on is not None:
        last = min(last, node.dissolved_on - dt.timedelta(days=1))
    return first, last


class _Branch:
    """One branch's year: which meetings it held and who was expected at each."""

    def __init__(self, rng: random.Random, branch: Node, year: int, today: dt.date):
        self.rng, self.branch, self.year = rng, branch, year
        self.first, self.last = window(branch, year, today)
        self.miss, self.present = QUALITY[branch.quality]
        self.planned: list[Planned] = []
        self.names = {p.id: p.name for p in branch.members}
        # The secretary hosts and the next cadre (组织委员) keeps the record, when they are there.
        self.cadres = [member_id for member_id, _ in branch.terms[-1].cadres] if branch.terms else []
        self.secretary = self.names.get(self.cadres[0], "") if self.cadres else ""

    def _chair(self, expected: list[int]) -> tuple[str, str]:
        present = [pk for pk in self.cadres if pk in expected] + expected[:2]
        host = self.names[present[0]]
        return host, self.names[present[1]] if len(present) > 1 else host

    def _roster(self, day: dt.date, group_id: int | None = None) -> list[int]:
        members: list[Person] = self.branch.members
        if group_id is None:
            return [p.id for p in members if p.on_roster(day)]
        return [p.id for p in members if p.group_id == group_id and p.on_roster(day)]

    def _committee(self, day: dt.date) -> list[int]:
        term = next((t for t in self.branch.terms if t.in_office(day)), None)
        if term is None or len(term.cadres) < 3:
            return []
        return [member_id for member_id, _ in term.cadres]

    def add(self, kind: str, day: dt.date, hour: int, topic: str, *, org: Node | None = None, lecturer=""):
        if not self.first <= day <= self.last or self.rng.random() < self.miss:
            return None
        if kind == "committee":
            expected = self._committee(day)
        else:
            expected = self._roster(day, org.id if org is not None else None)
        if not expected:
            return None
        share = min(0.99, self.present + self.rng.uniform(-0.08, 0.05))
        host, recorder = self._chair(expected)
        planned = Planned(
            kind,
            (org or self.branch).id,
            self.branch,
            day,
            hour,
            topic,
            expected,
            share,
            host,
            recorder,
            lecturer,
        )
        self.planned.append(planned)
        return planned

    def schedule(self) -> tuple[list[Planned], dt.date | None]:
        """The year's meetings, and the day of its 民主评议 (None when it was not held)."""
        rng, year, branch = self.rng, self.year, self.branch
        full = sum(1 for p in branch.members if p.stage == "full" and p.is_active)
        has_committee = full >= COMMITTEE_FROM
        for month in range(1, 13):
            theme = THEME_X[month].format(anniversary=year - 1921)
            self.add("theme_day", dt.date(year, month, branch.party_day), 9, f"{month}月主题党日：{theme}")
            if has_committee:
                topic = COMMITTEE_TOPICS[(month + rng.randint(0, 3)) % len(COMMITTEE_TOPICS)]
                self.add("committee", dt.date(year, month, rng.randint(2, 8)), 15, topic)
            for n, group in enumerate(branch.groups):
                topic = GROUP_TOPICS[(month + n) % len(GROUP_TOPICS)]
                self.add("group", dt.date(year, month, rng.randint(9, 27)), 19, topic, org=group)
        for quarter in range(4):
            self.add(
                "general", dt.date(year, quarter * 3 + 3, rng.randint(8, 26)), 14, GENERAL_TOPICS[quarter]
            )
            lecture = rng.choice(LECTURES)
            if quarter == 2 and branch.sector in SECTOR_LECTURES:
                lecture = SECTOR_LECTURES[branch.sector]
            self.add("lecture", dt.date(year, quarter * 3 + 2, rng.randint(5, 25)), 15, lecture,
                     lecturer=self.secretary)  # fmt: skip
        life_day = dt.date(year, rng.choice([11, 12]), rng.randint(3, 22))
        self.add("life", life_day, 9, f"{year}年度组织生活会")
        held = self.add(
            "appraisal", life_day + dt.timedelta(days=rng.randint(0, 5)), 14, f"{year}年度民主评议党员"
        )
        return self.planned, (held.day if held else None)


def _committee_meeting(rng: random.Random, committee: Node, year: int, today: dt.date) -> Planned | None:
    """A 基层党委's yearly 党员大会: every party member of its branches on the day."""
    first, last = window(committee, year, today)
    day = dt.date(year, rng.choice([6, 7]), rng.randint(1, 28))
    if not first <= day <= last or rng.random() < 0.08:
        return None
    on_roster = [p for b in committee.children for p in b.members if p.on_roster(day)]
    if not on_roster:
        return None
    expected = [p.id for p in on_roster]
    host, recorder = on_roster[0].name, on_roster[-1].name
    topic = f"{committee.short_name}{year}年度党员大会：听取和审议党委工作报告"
    share = rng.uniform(0.85, 0.95)
    return Planned("general", committee.id, committee, day, 9, topic, expected, share, host, recorder)


class _Out:
    """The three tables a meeting writes, and the marks drawn for it."""

    def __init__(self, ctx: SeedContext, rng: random.Random):
        self.ctx, self.rng = ctx, rng
        self.kinds = dict(MeetingKind.objects.values_list("code", "pk"))
        self.late_days = late_entry_days()
        self.meetings = ctx.writer(Meeting, MEETING_COLUMNS)
        self.events = ctx.writer(MeetingEvent, EVENT_COLUMNS)
        self.attendance = ctx.writer(Attendance, ATTENDANCE_COLUMNS)

    def write(self, planned: list[Planned]) -> None:
        """The meetings first (and flushed): their attendance and events point at them."""
        rows = []
        for plan, meeting_id in zip(planned, self.ctx.ids.take(Meeting, len(planned)), strict=True):
            rows += self._one(meeting_id, plan)
        self.meetings.flush()
        for out, row in rows:
            out.add(row)

    def _marks(self, meeting_id: int, plan: Planned) -> list[tuple]:
        rng = self.rng
        reasons = LEAVE_REASONS[plan.branch.sector]
        leave_below = plan.present_share + (1 - plan.present_share) * LEAVE_OF_ABSENT
        marks = []
        for member_id in plan.expected:
            roll = rng.random()
            if roll < plan.present_share:
                marks.append((meeting_id, member_id, Presence.PRESENT, ""))
            elif roll < leave_below:
                marks.append((meeting_id, member_id, Presence.LEAVE, rng.choice(reasons)))
            else:
                marks.append((meeting_id, member_id, Presence.ABSENT, ""))
        return marks

    def _one(self, meeting_id: int, plan: Planned) -> list[tuple]:
        """Adds the meeting's row; returns its attendance and event rows as (writer, row)."""
        rng, ctx = self.rng, self.ctx
        marks = self._marks(meeting_id, plan)
        present = sum(1 for m in marks if m[2] == Presence.PRESENT)
        leave = sum(1 for m in marks if m[2] == Presence.LEAVE)
        starts = dt.datetime(plan.day.year, plan.day.month, plan.day.day, plan.hour, 0, tzinfo=rules.LOCAL_TZ)
        quality = plan.branch.quality if plan.branch.is_branch else "good"
        late = rng.random() < LATE_SHARE[quality]
        entered = starts + dt.timedelta(
            days=rng.randint(35, 70) if late else rng.randint(0, 5), hours=rng.randint(2, 8)
        )
        entered = min(entered, ctx.now)
        status = MeetingStatus.SUBMITTED
        if (ctx.today - plan.day).days <= DRAFT_RECENT_DAYS and rng.random() < DRAFT_SHARE:
            status = MeetingStatus.DRAFT
        elif rng.random() < RETURNED_SHARE:
            status = MeetingStatus.RETURNED
        is_late = rules.is_late_entry(plan.day, rules.local_day(entered), self.late_days)
        host, recorder = plan.host, plan.recorder
        absent = len(plan.expected) - present - leave
        agenda = (
            f"1. {THEME_FIXED}\n2. {plan.topic}" if plan.kind == "theme_day"
            else f"1. {plan.topic}\n2. 讨论交流\n3. 部署下一步工作"
        )  # fmt: skip
        minutes = MINUTES.format(
            host=host,
            expected=len(plan.expected),
            present=present,
            leave=leave,
            absent=absent,
            topic=plan.topic,
        )
        self.meetings.add(
            (
                meeting_id, plan.organisation_id, plan.branch.id, self.kinds[plan.kind], plan.topic, starts,
                starts + dt.timedelta(minutes=90), PLACES.get(plan.branch.sector, PLACE), host, recorder,
                plan.lecturer, agenda, minutes, status, is_late and status != MeetingStatus.DRAFT, present,
                len(plan.expected), None if status == MeetingStatus.DRAFT else entered, entered, entered,
            )
        )  # fmt: skip
        note = "" if status == MeetingStatus.DRAFT else "提交"
        rows = [(self.attendance, mark) for mark in marks]
        rows.append((self.events, (meeting_id, MeetingEventKind.CREATED, note, entered)))
        if status == MeetingStatus.RETURNED:
            returned = min(ctx.now, entered + dt.timedelta(days=2))
            rows.append((self.events, (meeting_id, MeetingEventKind.RETURNED, RETURN_NOTE, returned)))
        return rows

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        # Meetings first: attendance and events point at them.
        for out in (self.meetings, self.events, self.attendance):
            out.__exit__(*exc)


def build(ctx: SeedContext, tree: Tree) -> dict[tuple[int, int], dt.date]:
    """Every branch's and 基层党委's meetings; returns the day of each branch's 民主评议 by (branch, year)."""
    rng = ctx.rng("meetings")
    appraisal_days: dict[tuple[int, int], dt.date] = {}
    with _Out(ctx, rng) as out:
        for committee in tree.committees:
            planned: list[Planned] = []
            for branch in committee.children:
                for year in ctx.years:
                    meetings, appraised = _Branch(rng, branch, year, ctx.today).schedule()
                    planned += meetings
                    if appraised is not None:
                        appraisal_days[branch.id, year] = appraised
            for year in ctx.years:
                meeting = _committee_meeting(rng, committee, year, ctx.today)
                if meeting is not None:
                    planned.append(meeting)
            out.write(planned)
    return appraisal_days
