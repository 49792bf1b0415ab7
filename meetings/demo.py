"""Demo organisational life: last year's fourth quarter and this year up to yesterday, for every
demo branch, general branch and 基层党委.

Meetings of every kind with attendance taken from the roster on the meeting day
(meetings.roster), submitted on time or a few as 补录; talks and last year's
民主评议 results; admissions and confirmations voted at general meetings through
the votes service (which advances the members through the pipeline service);
then the stored compliance of this year (last year is left uncomputed: the demo
holds only its fourth quarter, and nine red months would say nothing true).

Written in bulk, not through meeting_save (about 1,400 meetings and 23,000
attendance rows take a minute one by one, and the test suite builds the demo
often); the rows are those meeting_save would write: present/expected counts
from the attendance, status submitted, submitted_at, a "录入" event at that time.
Deterministic (random generators seeded by the branch code) and idempotent: an
organisation that already has meetings is left alone.

Deliberately uneven: 东风村 and 发电分公司 are exemplary; a few branches miss a
party lecture in a quarter, hold a theme day under 80 %, skip committee meetings
for two months or a group meeting; three members have attended nothing for over
six months (自行脱党 review); two branches enter many records late.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from branches import demo as branch_demo
from branches.models import Organisation, OrgKind, OrgStatus
from branches.rules import BRANCH_KINDS, add_months
from members import demo_dues
from members.models import Appointment, Member, MemberStatus, Stage, Transfer
from members.rules import probation_end

from . import compliance, defaults, demo_elections, rules
from .models import (
    Appraisal,
    AppraisalResult,
    Attendance,
    Guest,
    Meeting,
    MeetingEvent,
    MeetingEventKind,
    MeetingKind,
    MeetingStatus,
    Presence,
    ResolutionKind,
    Talk,
    TalkOccasion,
)
from .roster import committee_members_on, party_members_on
from .selectors import members_without_organisational_life
from .services import meetings as meeting_services
from .services import votes as vote_services

COUNTY = branch_demo.COUNTY[0]

# Stories, by branch code. A code missing from the tree is simply skipped.
EXEMPLARY = {"XQ0101", "XQ0202"}
LECTURE_GAP = {"XQ0103", "XQ0304"}  # no 党课 in the last complete quarter
THEME_LOW = {"XQ0105": (2, 5), "XQ0103": (4,)}  # months back with theme-day attendance ~70 %
COMMITTEE_GAP = ("XQ0104", "XQ0203", "XQ0109")  # the first with a committee skips two months
GROUP_GAP = {"XQ030202"}  # its second party group skips last month
TALK_BEHIND = {"XQ0103": 0.4, "XQ0205": 0.3}  # share of members without a talk yet this year
LATE_HEAVY = {"XQ0108", "XQ0113"}  # many records entered more than 30 days late
LAPSED_PLAIN = {"XQ0103"}  # one plain member attends nothing for seven months
RETURNED = "XQ0108"  # this quarter's 党课 returned by the reviewer
DRAFTS = "XQ0101"  # next month's theme day saved as a draft
VOTE_BRANCHES = 3  # admissions in three branches, confirmations in three
MIN_VOTERS = 8  # …among branches with at least this many voters

LEAVE_REASONS = {
    "village": ["外出务工", "外出务工", "农忙", "病假", "家中有事", "照顾老人"],
    "community": ["病假", "家中有事", "外出探亲", "照顾病人", "值班"],
    "organ": ["出差", "出差", "参加培训", "值班", "病假"],
    "institution": ["值班", "值班", "出差", "参加培训", "病假"],
    "state_enterprise": ["出差", "值班", "外地项目", "参加培训", "病假"],
    "private_enterprise": ["出差", "外地项目", "值班", "病假"],
    "social_organisation": ["外出进货", "家中有事", "病假", "出差"],
    "university": ["出差", "参加培训", "外出实习", "病假", "考试"],
    "school": ["参加教研活动", "出差", "病假", "家中有事"],
}
RETIRED_REASONS = ["身体不适", "住院治疗", "随子女异地居住", "照顾老伴"]

PLACES = {
    "village": "村党群服务中心会议室",
    "community": "社区党群服务中心",
    "organ": "镇政府三楼会议室",
    "institution": "卫生院三楼会议室",
    "state_enterprise": "公司党员活动室",
    "private_enterprise": "公司会议室",
    "social_organisation": "协会会议室",
    "university": "学院党员活动室",
    "school": "学校会议室",
}

# "4+X": four fixed items and a local one for each month.
THEME_FIXED = "集中学习；交纳党费；重温入党誓词；开展志愿服务"
THEME_X = {
    1: "走访慰问困难党员群众，送去新春祝福",
    2: "春节后环境卫生整治志愿服务",
    3: "学雷锋志愿服务暨义务植树",
    4: "清明祭扫革命烈士纪念碑",
    5: "“我为群众办实事”志愿服务",
    6: "“安全生产月”宣传和隐患排查",
    7: "庆祝建党{anniversary}周年，重温入党誓词",
    8: "防汛巡查和“八一”走访慰问退役军人",
    9: "全民国防教育日参观县革命纪念馆",
    10: "重阳节走访慰问老党员",
    11: "冬季消防安全检查进社区",
    12: "“12·4”国家宪法日学法用法",
}
LECTURES = [
    "学习贯彻党的二十届三中全会精神，进一步全面深化改革",
    "深入贯彻中央八项规定精神，锲而不舍纠治“四风”",
    "“七一”专题党课：弘扬伟大建党精神，争做合格党员",
    "学习贯彻党的二十届四中全会精神，奋力开好“十五五”新局",
    "以案为鉴、以案促改：纪律教育专题党课",
    "学习《中国共产党章程》，增强党员意识",
    "坚定理想信念，践行初心使命",
    "学习《习近平谈治国理政》，用党的创新理论武装头脑",
]
SECTOR_LECTURES = {
    "village": "推进乡村全面振兴，党员走在前列",
    "community": "提升基层治理效能，做群众身边的贴心人",
    "state_enterprise": "筑牢安全生产防线，党员带头履职尽责",
    "university": "落实立德树人根本任务，办好人民满意的教育",
    "institution": "弘扬崇高职业精神，党员带头改善服务",
    "school": "办好人民满意的教育，争做“四有”好老师",
}
COMMITTEE_TOPICS = [
    "研究本月主题党日活动安排",
    "研究发展党员工作，确定入党积极分子培养联系人",
    "研究党费收缴、使用和管理情况",
    "分析党员思想状况，安排谈心谈话",
    "研究“三会一课”落实情况及下月工作计划",
    "研究困难党员和老党员走访慰问事项",
    "研究党员积分管理和评先评优工作",
    "研究支部年度工作计划和重点任务分工",
    "研究意识形态工作和党风廉政建设",
    "研究组织生活会准备工作，征求意见建议",
]
GROUP_TOPICS = [
    "学习《中国共产党章程》总纲",
    "学习《中国共产党纪律处分条例》",
    "交流学习习近平总书记重要讲话精神心得体会",
    "讨论本小组党员联系服务群众情况",
    "学习党史：遵义会议的历史意义",
    "开展批评和自我批评，查摆问题不足",
    "学习《中国共产党支部工作条例（试行）》",
    "交流“我为群众办实事”实践活动情况",
    "学习党的二十届四中全会公报",
    "讨论本小组年度学习计划",
]
GENERAL_TOPICS = [
    "传达学习上级党委会议精神，部署本季度党建工作",
    "通报党费收缴情况，审议支部年度工作计划",
    "开展“七一”评先评优，推荐优秀共产党员",
    "通报支部全年工作，研究组织生活会准备工作",
]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=rules.LOCAL_TZ)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    found, month = [], first.replace(day=1)
    while month <= last:
        found.append(month)
        month = add_months(month, 1)
    return found


def _day(month: dt.date, day: int) -> dt.date:
    return month.replace(day=min(day, 28))


@dataclass
class _Planned:
    meeting: Meeting
    marks: list[tuple[int, str, str]]
    guests: list[tuple[str, str]] = field(default_factory=list)
    votes: list[tuple[str, Member | None, str]] = field(default_factory=list)
    returned: str = ""


@dataclass
class _Stories:
    """Decided once for the whole tree: who votes on whom, who skips committee meetings."""

    vote_subjects: dict[str, list[tuple[str, Member]]] = field(default_factory=dict)
    absences: dict[int, list[tuple[dt.date, str, str]]] = field(default_factory=dict)
    other_votes: frozenset[str] = frozenset()
    committee_gap: str = ""


@dataclass
class _Totals:
    meetings: int = 0
    late: int = 0
    attendance: int = 0
    talks: int = 0
    appraisals: int = 0
    resolutions: int = 0
    admitted: int = 0
    confirmed: int = 0
    meeting_ids: list[int] = field(default_factory=list)


class _Seeder:
    """One organisation's meetings, from ``start`` up to yesterday."""

    def __init__(self, org: Organisation, *, today: dt.date, start: dt.date, kinds, totals: _Totals, stories):
        self.org, self.today, self.start, self.kinds = org, today, start, kinds
        self.totals, self.stories = totals, stories
        self.rng = random.Random(f"meetings-{org.code}")
        # Held before today; entered by the end of today at the latest.
        self.now = min(timezone.now(), rules.local_start(today + dt.timedelta(days=1)))
        self.user = get_user_model().objects.filter(username=f"sec_{org.code.lower()}").first()
        self.rosters: dict[int, list[tuple[int, int | None, str]]] = {}
        self.committees: dict[int, list[int]] = {}
        self.roster_days: list[dt.date] | None = None
        self.committee_days: list[dt.date] | None = None
        self.pending: list[_Planned] = []
        self.place = PLACES.get(org.sector, "党员活动室")
        self.exemplary = org.code in EXEMPLARY
        self.late_share = 0 if self.exemplary else 0.18 if org.code in LATE_HEAVY else 0.02
        self.reasons = RETIRED_REASONS if "离退休" in org.name else LEAVE_REASONS.get(org.sector, ["出差"])
        self.names = dict(
            Member.objects.filter(organisation__path__startswith=org.path).values_list("pk", "name")
        )
        posts = dict(
            Appointment.objects.filter(term__organisation=org, ended_on__isnull=True).values_list(
                "member_id", "position"
            )
        )
        order = ["secretary", "deputy", "organisation", "propaganda", "discipline", "other"]
        self.cadres = sorted(posts, key=lambda pk: order.index(posts[pk]) if posts[pk] in order else 9)
        self.once: dict[int, list[tuple[dt.date, str, str]]] = {}
        self.vote_quarter: dt.date | None = None
        self.party_day = 20

    # --- rosters (meetings.roster, cached by day) ---

    def _roster_changes(self) -> list[dt.date]:
        """The days the roster can change on (admissions, departures, transfers), sorted.

        Between two of them party_members_on gives the same members, so it is asked
        once for each stretch instead of once for each meeting.
        """
        path = self.org.path
        moved = Transfer.objects.filter(
            Q(from_organisation__path__startswith=path) | Q(to_organisation__path__startswith=path),
            decided_on__isnull=False,
        )
        days = set(moved.values_list("decided_on", flat=True))
        for admitted, left in Member.objects.filter(
            Q(organisation__path__startswith=path) | Q(pk__in=moved.values("member_id"))
        ).values_list("admitted_on", "left_on"):
            days.update(d for d in (admitted, left) if d is not None)
        return sorted(days)

    def _committee_changes(self) -> list[dt.date]:
        days = set()
        for appointed, ended in Appointment.objects.filter(term__organisation=self.org).values_list(
            "appointed_on", "ended_on"
        ):
            days.update(d for d in (appointed, ended) if d is not None)
        return sorted(days)

    def roster(self, day: dt.date) -> list[tuple[int, int | None, str]]:
        if self.roster_days is None:
            self.roster_days = self._roster_changes()
        stretch = bisect.bisect_right(self.roster_days, day)
        if stretch not in self.rosters:
            self.rosters[stretch] = list(
                party_members_on(self.org, day).order_by("pk").values_list("pk", "party_group_id", "stage")
            )
        return self.rosters[stretch]

    def committee(self, day: dt.date) -> list[int]:
        if self.committee_days is None:
            self.committee_days = self._committee_changes()
        stretch = bisect.bisect_right(self.committee_days, day)
        if stretch not in self.committees:
            self.committees[stretch] = list(
                committee_members_on(self.org, day).order_by("pk").values_list("pk", flat=True)
            )
        return self.committees[stretch]

    # --- who is not there ---

    def _forced_mark(self, member_id: int, day: dt.date) -> tuple[str, str] | None:
        waiting = self.once.get(member_id, [])
        for n, (since, presence, reason) in enumerate(waiting):
            if since <= day < add_months(since.replace(day=1), 1):
                del waiting[n]
                return presence, reason
        found = None
        for since, presence, reason in self.stories.absences.get(member_id, ()):
            if day >= since:
                found = (presence, reason)
        return found

    def marks(self, expected: list[int], day: dt.date, rate: float) -> list[tuple[int, str, str]]:
        marks = {}
        free = []
        for pk in expected:
            forced = self._forced_mark(pk, day)
            if forced:
                marks[pk] = (pk, *forced)
            else:
                free.append(pk)
        missing = round(len(expected) * (1 - rate)) - len(marks)
        for pk in self.rng.sample(free, max(0, min(missing, len(free)))):
            if self.rng.random() < 0.75:
                marks[pk] = (pk, Presence.LEAVE, self.rng.choice(self.reasons))
            else:
                marks[pk] = (pk, Presence.ABSENT, "")
        return [marks.get(pk, (pk, Presence.PRESENT, "")) for pk in expected]

    def rate(self, low: float = 0.84, high: float = 0.97) -> float:
        return self.rng.uniform(max(low, 0.92) if self.exemplary else low, high)

    # --- one meeting ---

    def add(
        self,
        code: str,
        starts_at: dt.datetime,
        topic: str,
        *,
        expected: list[int],
        rate: float,
        organisation: Organisation | None = None,
        agenda: str = "",
        lecturer: str = "",
        hours: float = 1.5,
        status: str = MeetingStatus.SUBMITTED,
    ) -> _Planned | None:
        day = rules.local_day(starts_at)
        if not expected or day < self.start or (status == MeetingStatus.SUBMITTED and day >= self.today):
            return None
        marks = self.marks(expected, day, rate)
        present = {pk for pk, presence, _ in marks if presence == Presence.PRESENT}
        on_leave = sum(1 for _, presence, _ in marks if presence == Presence.LEAVE)
        hosts = [pk for pk in self.cadres if pk in present] + [pk for pk in expected if pk in present]
        host = self.names.get(hosts[0], "") if hosts else ""
        recorder = self.names.get(hosts[1], "") if len(hosts) > 1 else host
        late = self.rng.random() < self.late_share
        entered = starts_at + dt.timedelta(days=self.rng.randint(35, 70) if late else self.rng.randint(0, 5))
        entered += dt.timedelta(hours=self.rng.randint(2, 8))
        entered = min(entered, self.now)
        late = rules.is_late_entry(day, rules.local_day(entered), meeting_services.late_entry_days())
        absent = len(marks) - len(present) - on_leave
        meeting = Meeting(
            organisation=organisation or self.org,
            branch=self.org,
            kind=self.kinds[code],
            topic=topic,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=hours),
            place=self.place,
            host=host,
            recorder=recorder,
            lecturer=lecturer,
            agenda=agenda or f"1. {topic}\n2. 讨论交流\n3. 部署下一步工作",
            minutes=(
                f"{host}主持会议。应到{len(marks)}人，实到{len(present)}人，请假{on_leave}人，缺席{absent}人。\n"
                f"会议围绕“{topic}”进行了学习讨论，与会党员结合实际交流发言，"
                "会议对下一步工作作了安排。"
            ),
            status=status,
            is_late=late and status == MeetingStatus.SUBMITTED,
            present_count=len(present),
            expected_count=len(marks),
            recorded_by=self.user,
            submitted_at=entered if status == MeetingStatus.SUBMITTED else None,
        )
        planned = _Planned(meeting, marks)
        self.pending.append(planned)
        return planned

    # --- the plan ---

    def seed(self) -> None:
        rng, org = self.rng, self.org
        party_day = self.party_day = rng.choice([5, 10, 15, 18, 20, 25])
        committee_day = rng.randint(2, 6)
        general_day = rng.randint(21, 27)
        village = org.sector in ("village", "community")
        evening = 19 if village else 15
        months = _months(self.start, self.today)
        this_quarter = rules.period_bounds(self.today, rules.QUARTER)[0]
        lecture_gap = add_months(this_quarter, -3) if org.code in LECTURE_GAP else None
        theme_low = {add_months(self.today.replace(day=1), -n) for n in THEME_LOW.get(org.code, ())}
        committee_gap = set()
        if org.code == self.stories.committee_gap:
            committee_gap = {add_months(self.today.replace(day=1), -n) for n in (3, 4)}
        groups = list(
            Organisation.objects.filter(
                parent=org, kind=OrgKind.PARTY_GROUP, status=OrgStatus.ACTIVE
            ).order_by("path")
        )
        group_gap = (
            (groups[-1].pk, add_months(self.today.replace(day=1), -1)) if org.code in GROUP_GAP else None
        )
        self._absences()
        # The vote comes first: who is a member on the days after it depends on its outcome.
        self._vote_meeting()
        self.flush()
        secretary = self.names.get(self.cadres[0], "") if self.cadres else ""
        life_month = 11 if rng.random() < 0.4 else 12
        for month in months:
            quarter_start = rules.period_bounds(month, rules.QUARTER)[0]
            quarter_index = (month.month - 1) // 3
            # 支部委员会会议: early each month, the committee on the day.
            day = _day(month, committee_day)
            if (
                month not in committee_gap
                and len(self.committee(day)) >= compliance.COMMITTEE_MIN_APPOINTMENTS
            ):
                self.add(
                    "committee",
                    _at(day, 9 if not village else 19, 30),
                    COMMITTEE_TOPICS[(month.month + rng.randint(0, 3)) % len(COMMITTEE_TOPICS)],
                    expected=self.committee(day),
                    rate=1.0 if rng.random() < 0.85 else 0.8,
                )
            # 主题党日 on the branch's fixed day: "4+X".
            day = _day(month, party_day)
            x = THEME_X[month.month].format(anniversary=month.year - 1921)
            low = month in theme_low
            self.add(
                "theme_day",
                _at(day, 9 if not village else 8, 30),
                f"“4+X”主题党日：{x}",
                expected=[pk for pk, _, _ in self.roster(day)],
                rate=rng.uniform(0.66, 0.74) if low else self.rate(0.85),
                agenda=f"规定动作：{THEME_FIXED}\n自选动作：{x}",
                hours=3,
            )
            # 党课: on the theme day of the quarter's second month, the secretary or a leader lecturing.
            if month.month % 3 == 2 and quarter_start != lecture_gap:
                lecturer = secretary if rng.random() < 0.7 or not secretary else "上级党组织联系领导"
                topic = LECTURES[(month.year * 4 + quarter_index + len(org.code)) % len(LECTURES)]
                if rng.random() < 0.3 and org.sector in SECTOR_LECTURES:
                    topic = SECTOR_LECTURES[org.sector]
                planned = self.add(
                    "lecture",
                    _at(day, 14, 30),
                    topic,
                    expected=[pk for pk, _, _ in self.roster(day)],
                    rate=self.rate(0.82),
                    lecturer=lecturer,
                )
                if planned and org.code == RETURNED and quarter_start == this_quarter:
                    planned.returned = "缺少签到表和授课提纲，请补充后重新提交。"
            # 党小组会: each group once a month.
            for n, group in enumerate(groups):
                if group_gap == (group.pk, month):
                    continue
                day = _day(month, 9 + 2 * n + rng.randint(0, 3))
                self.add(
                    "group",
                    _at(day, evening, 0),
                    GROUP_TOPICS[(month.month + n) % len(GROUP_TOPICS)],
                    expected=[pk for pk, g, _ in self.roster(day) if g == group.pk],
                    rate=self.rate(0.8),
                    organisation=group,
                    hours=1,
                )
            # 支部党员大会: the quarter's second month (unless this quarter's vote meeting stands for it).
            if month.month % 3 == 2 and quarter_start != self.vote_quarter:
                day = _day(month, general_day)
                planned = self.add(
                    "general",
                    _at(day, evening, 30),
                    GENERAL_TOPICS[quarter_index],
                    expected=[pk for pk, _, _ in self.roster(day)],
                    rate=self.rate(0.85),
                    hours=2,
                )
                if planned and quarter_index == 0 and org.code in self.stories.other_votes:
                    planned.votes.append(
                        (ResolutionKind.OTHER, None, f"审议通过《支部{month.year}年工作计划》")
                    )
            # 组织生活会 and 民主评议党员 in the fourth quarter.
            if month.month == life_month:
                day = _day(month, rng.randint(10, 26))
                expected = [pk for pk, _, _ in self.roster(day)]
                self.add(
                    "life",
                    _at(day, 9),
                    f"{month.year}年度组织生活会",
                    expected=expected,
                    rate=self.rate(0.88),
                    agenda="1. 通报征求意见情况\n2. 支部书记代表支委会作对照检查\n3. 党员逐一发言，开展批评和自我批评",
                    hours=3,
                )
                self.add(
                    "appraisal",
                    _at(day, 14, 30),
                    f"{month.year}年度民主评议党员",
                    expected=expected,
                    rate=self.rate(0.88),
                    agenda="1. 党员个人总结\n2. 民主测评\n3. 支部委员会综合评定",
                )
        self._draft()
        self.flush()
        self._talks()
        self._appraisals()

    def _absences(self) -> None:
        """The member account's own record: two absences and two leaves over the year."""
        account = Member.objects.filter(organisation=self.org, user__username="member_xq0101").first()
        if account is not None:
            rng = random.Random("member_xq0101")
            for months_back, presence, reason in (
                (9, Presence.LEAVE, "参加镇党委组织的培训"),
                (5, Presence.ABSENT, ""),
                (3, Presence.LEAVE, "出差"),
                (1, Presence.ABSENT, ""),
            ):
                month = add_months(self.today.replace(day=1), -months_back)
                # The first meeting on or after that day only.
                self.once.setdefault(account.pk, []).append(
                    (month.replace(day=rng.randint(1, 20)), presence, reason)
                )

    def _vote_meeting(self) -> None:
        """A general meeting five days ago that votes on an admission and/or a confirmation."""
        subjects = self.stories.vote_subjects.get(self.org.code)
        if not subjects:
            return
        day = self.today - dt.timedelta(days=5)
        self.vote_quarter = rules.period_bounds(day, rules.QUARTER)[0]
        titles = {ResolutionKind.ADMIT: "讨论接收预备党员", ResolutionKind.CONFIRM: "讨论预备党员转正"}
        topic = "、".join(dict.fromkeys(titles[kind] for kind, _ in subjects))
        planned = self.add(
            "general",
            _at(day, 15),
            topic,
            expected=[pk for pk, _, _ in self.roster(day)],
            rate=self.rate(0.88),
            agenda="\n".join(f"{n}. {titles[k]}：{m.name}" for n, (k, m) in enumerate(subjects, start=1)),
            hours=2,
        )
        if planned is None:
            return
        planned.meeting.is_late = False
        planned.meeting.submitted_at = min(planned.meeting.starts_at + dt.timedelta(hours=4), self.now)
        planned.guests = [("刘晓东", "上级党组织联系人")] + [
            (m.name, "发展对象") for k, m in subjects if k == ResolutionKind.ADMIT
        ]
        planned.votes = [(kind, member, "") for kind, member in subjects]

    def _draft(self) -> None:
        if self.org.code != DRAFTS:
            return
        month = add_months(self.today.replace(day=1), 1)
        x = THEME_X[month.month].format(anniversary=month.year - 1921)
        self.add(
            "theme_day",
            _at(month.replace(day=min(self.party_day, 28)), 9, 30),
            f"“4+X”主题党日：{x}",
            expected=[pk for pk, _, _ in self.roster(self.today)],
            rate=1.0,
            agenda=f"规定动作：{THEME_FIXED}\n自选动作：{x}",
            status=MeetingStatus.DRAFT,
        )

    # --- writing ---

    def flush(self) -> None:
        """Write the planned meetings in order; a meeting that votes is voted right after it is written."""
        batch: list[_Planned] = []
        for planned in sorted(self.pending, key=lambda p: p.meeting.starts_at):
            batch.append(planned)
            if planned.votes or planned.returned:
                self._write(batch)
                batch = []
                self._after(planned)
        self._write(batch)
        self.pending = []

    def _write(self, batch: list[_Planned]) -> None:
        if not batch:
            return
        meetings = Meeting.objects.bulk_create([p.meeting for p in batch])
        _insert(
            Attendance,
            ("meeting", "member", "presence", "reason"),
            [
                (meeting.pk, pk, presence, reason)
                for meeting, planned in zip(meetings, batch, strict=True)
                for pk, presence, reason in planned.marks
            ],
        )
        Guest.objects.bulk_create(
            [
                Guest(meeting=meeting, name=name, note=note)
                for meeting, planned in zip(meetings, batch, strict=True)
                for name, note in planned.guests
            ]
        )
        # The "录入" event, at the time the record was entered (submitted).
        _insert(
            MeetingEvent,
            ("meeting", "kind", "note", "by", "at"),
            [
                (
                    meeting.pk,
                    MeetingEventKind.CREATED,
                    "提交" if meeting.status == MeetingStatus.SUBMITTED else "",
                    self.user.pk if self.user else None,
                    meeting.submitted_at or self.now,
                )
                for meeting in meetings
            ],
        )
        self.totals.meetings += len(meetings)
        self.totals.late += sum(1 for m in meetings if m.is_late)
        self.totals.attendance += sum(len(p.marks) for p in batch)
        self.totals.meeting_ids += [m.pk for m in meetings]

    def _after(self, planned: _Planned) -> None:
        meeting = planned.meeting
        # Timestamps as if entered on the day it was submitted (the return below comes later).
        _backdate([meeting.pk])
        if planned.returned:
            reviewer = get_user_model().objects.filter(username="reviewer_town").first()
            meeting_services.meeting_return(meeting=meeting, reason=planned.returned, by=reviewer)
        excluded = False
        for kind, subject, title in planned.votes:
            if not excluded and kind != ResolutionKind.OTHER:
                excluded = True
                self._exclude_one(meeting)
            eligible, present, _ = vote_services.meeting_voters(meeting)
            need = len(eligible) // 2 + 1
            written = min(2, len(eligible) - len(present)) if kind != ResolutionKind.OTHER else 0
            abstain = 1 if len(present) + written > need + 1 else 0
            resolution = vote_services.resolution_record(
                meeting=meeting,
                kind=kind,
                title=title,
                subject=subject,
                yes=len(present) - abstain,
                abstain=abstain,
                written_yes=written,
                by=self.user,
            )
            self.totals.resolutions += 1
            if resolution.passed and kind == ResolutionKind.ADMIT:
                self.totals.admitted += 1
            if resolution.passed and kind == ResolutionKind.CONFIRM:
                self.totals.confirmed += 1
        if planned.votes:
            self.rosters.clear()
            self.roster_days = None

    def _exclude_one(self, meeting: Meeting) -> None:
        """A voter away for months left out of 应到会 with the town committee's approval."""
        eligible, present, _ = vote_services.meeting_voters(meeting)
        away = sorted(eligible - present)
        if not away or len(eligible) < 10 or len(present) * 2 <= len(eligible) - 1:
            return
        reason = "长期患病住院"
        # On leave for it at this meeting (not present before either: the counts stand).
        Attendance.objects.filter(meeting=meeting, member_id=away[0]).update(
            presence=Presence.LEAVE, reason=reason
        )
        vote_services.voter_exclusion_add(
            meeting=meeting,
            member=Member.objects.get(pk=away[0]),
            reason=reason,
            approval=f"经上级党委同意（{meeting.starts_at:%Y}年组织部批复）",
        )

    def _talks(self) -> None:
        """谈心谈话: the secretary with every member last year, most this year."""
        members = list(
            Member.objects.party_members()
            .filter(organisation=self.org)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if len(members) < 2:
            return
        talker = self.cadres[0] if self.cadres else members[0]
        second = next(pk for pk in (self.cadres[1:] + members) if pk != talker)
        rows = []
        behind = 0 if self.exemplary else TALK_BEHIND.get(self.org.code, 0.12)
        for year in (self.start.year, self.today.year):
            last = min(dt.date(year, 12, 20), self.today - dt.timedelta(days=1))
            first = max(dt.date(year, 1, 10), self.start)
            if last < first:
                continue
            skipped = set()
            if year == self.today.year:
                skipped = {pk for pk in members if self.rng.random() < behind}
            for pk in members:
                if pk in skipped:
                    continue
                on = first + dt.timedelta(days=self.rng.randint(0, (last - first).days))
                occasion = TalkOccasion.REGULAR if self.rng.random() < 0.92 else TalkOccasion.POST_CHANGE
                rows.append(
                    Talk(
                        organisation=self.org,
                        member_a_id=second if pk == talker else talker,
                        member_b_id=pk,
                        on=on,
                        occasion=occasion,
                        note="了解思想、工作和生活情况，听取对支部工作的意见建议。",
                        recorded_by=self.user,
                    )
                )
        Talk.objects.bulk_create(rows)
        self.totals.talks += len(rows)

    def _appraisals(self) -> None:
        """Last year's 民主评议 results for everyone who was a party member by its end."""
        year = self.today.year - 1
        ids = (
            Member.objects.party_members()
            .filter(organisation=self.org, admitted_on__lte=dt.date(year, 12, 31))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        rows = []
        for pk in ids:
            roll = self.rng.random()
            result = (
                AppraisalResult.EXCELLENT
                if roll < 0.15
                else AppraisalResult.BASIC
                if roll > 0.985 and not self.exemplary
                else AppraisalResult.QUALIFIED
            )
            rows.append(
                Appraisal(
                    organisation=self.org, member_id=pk, year=year, result=result, recorded_by=self.user
                )
            )
        Appraisal.objects.bulk_create(rows)
        self.totals.appraisals += len(rows)


class _UpperSeeder(_Seeder):
    """A general branch's or 基层党委's general meetings: twice a year (总支), once a year (党委)."""

    def seed(self) -> None:
        general_branch = self.org.kind == OrgKind.GENERAL_BRANCH
        months = (6, 12) if general_branch else (7,)
        topics = (
            ("传达学习上级党委会议精神，通报上半年工作", "总结全年工作，部署组织生活会和民主评议")
            if general_branch
            else ("庆祝建党{anniversary}周年暨表彰大会",)
        )
        for year in (self.today.year - 1, self.today.year):
            for month, topic in zip(months, topics, strict=True):
                day = dt.date(year, month, self.rng.randint(18, 26))
                self.add(
                    "general",
                    _at(day, 15),
                    topic.format(anniversary=year - 1921),
                    expected=list(
                        party_members_on(self.org, day).order_by("pk").values_list("pk", flat=True)
                    ),
                    rate=self.rate(0.85, 0.93),
                    hours=2,
                )
        self.flush()


def _insert(model, names: tuple[str, ...], rows: list[tuple]) -> None:
    """Rows straight into the model's table, several hundred to a statement: 20,000 attendance rows
    as model instances through bulk_create cost seconds on every demo build, and the test suite
    builds the demo often. (executemany would be one round trip a row on PostgreSQL.)"""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608 - names from the model, values bound
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    )
    one = "({})".format(", ".join(["%s"] * len(fields)))
    moments = [i for i, f in enumerate(fields) if f.get_internal_type() == "DateTimeField"]
    if moments:  # as the ORM stores them (SQLite: naive UTC text)
        adapt = connection.ops.adapt_datetimefield_value
        rows = [tuple(adapt(v) if i in moments else v for i, v in enumerate(row)) for row in rows]
    step = 500
    with connection.cursor() as cursor:
        for offset in range(0, len(rows), step):
            chunk = rows[offset : offset + step]
            cursor.execute(head + ", ".join([one] * len(chunk)), [v for row in chunk for v in row])


def _backdate(ids: list[int]) -> None:
    """Entered on the day it was submitted (auto_now_add would say today)."""
    for offset in range(0, len(ids), 900):
        chunk = ids[offset : offset + 900]
        Meeting.objects.filter(pk__in=chunk, submitted_at__isnull=False).update(
            created_at=F("submitted_at"), updated_at=F("submitted_at")
        )


def _long_absences(today: dt.date, start: dt.date) -> dict[int, list[tuple[dt.date, str, str]]]:
    """Member pk → [(from day, presence, reason)], in date order, for every meeting of the tree.

    失联 members are absent from the day they were lost, 流动党员 on leave while away
    (absent once their yearly report is overdue), and one plain member of each
    LAPSED_PLAIN branch stops coming seven months ago: 自行脱党 review.
    """
    found: dict[int, list[tuple[dt.date, str, str]]] = {}
    members = Member.objects.party_members().filter(organisation__code__startswith=COUNTY)
    for member in members.filter(Q(is_lost=True) | Q(is_mobile=True)).order_by("pk"):
        marks = found.setdefault(member.pk, [])
        if member.is_mobile:
            marks.append((member.mobile_since or start, Presence.LEAVE, "外出务工（流动党员）"))
            if member.last_report_on and member.last_report_on < add_months(today, -12):
                marks.append((member.last_report_on, Presence.ABSENT, ""))
        if member.is_lost:
            marks.append((member.lost_since or start, Presence.ABSENT, ""))
        marks.sort(key=lambda m: m[0])
    cadres = Appointment.objects.filter(ended_on__isnull=True).values("member_id")
    for code in sorted(LAPSED_PLAIN):
        plain = (
            members.filter(organisation__code=code, stage=Stage.FULL, is_mobile=False, is_lost=False)
            .exclude(pk__in=cadres)
            .order_by("name", "pk")
            .first()
        )
        if plain is not None:
            found[plain.pk] = [(add_months(today, -7), Presence.ABSENT, "")]
    return found


def _dues_bases(stories: _Stories, today: dt.date) -> None:
    """The new 预备党员 pay dues from now on: bases for them as the dues demo gives everyone
    (otherwise the next demo_data run would add them and not be idempotent)."""
    codes = {
        code for code, subjects in stories.vote_subjects.items() if any(k == "admit" for k, _ in subjects)
    }
    current = today.replace(day=1)
    years = sorted({add_months(current, -i).year for i in range(12)})
    for branch in Organisation.objects.filter(code__in=codes):
        farmer_amount = random.Random(f"dues-farmer-{branch.code}").choice(demo_dues.FARMER_AMOUNTS)
        demo_dues._bases(branch, years, today, farmer_amount)


def _vote_subjects(branches: list[Organisation], today: dt.date) -> dict[str, list]:
    """A few candidates and probationary members whose dates allow a vote five days ago."""
    day = today - dt.timedelta(days=5)
    found: dict[str, list] = {}
    admits = confirms = 0
    for branch in branches:
        members = Member.objects.filter(organisation=branch, status=MemberStatus.ACTIVE).order_by("pk")
        if members.filter(stage=Stage.FULL, confirmed_on__lte=day).count() < MIN_VOTERS:
            continue
        if admits < VOTE_BRANCHES:
            candidate = members.filter(
                stage=Stage.CANDIDATE, candidate_on__lte=day - dt.timedelta(days=7)
            ).first()
            if candidate is not None:
                found.setdefault(branch.code, []).append((ResolutionKind.ADMIT, candidate))
                admits += 1
        if confirms < VOTE_BRANCHES:
            for member in members.filter(stage=Stage.PROBATIONARY, admitted_on__isnull=False):
                if probation_end(member.admitted_on, member.probation_extension_months) <= day:
                    found.setdefault(branch.code, []).append((ResolutionKind.CONFIRM, member))
                    confirms += 1
                    break
    return found


def build(*, today: dt.date) -> str:
    start = dt.date(today.year - 1, 10, 1)
    totals = _Totals()
    defaults.ensure_defaults()  # a flushed test database has lost the data migration's rows
    kinds = {k.code: k for k in MeetingKind.objects.all()}
    with transaction.atomic():
        orgs = list(
            Organisation.objects.filter(code__startswith=COUNTY, status=OrgStatus.ACTIVE)
            .filter(kind__in=[*BRANCH_KINDS, OrgKind.GENERAL_BRANCH, OrgKind.COMMITTEE])
            .exclude(code=COUNTY)
            .order_by("path")
        )
        done = set(Meeting.objects.filter(branch__in=orgs).values_list("branch_id", flat=True).distinct())
        todo = [o for o in orgs if o.pk not in done]
        branches = [o for o in todo if o.kind in BRANCH_KINDS]
        votes = _vote_subjects(branches, today)
        stories = _Stories(
            vote_subjects=votes,
            absences=_long_absences(today, start),
            other_votes=frozenset(list(votes)[:2]),
            committee_gap=next(
                (
                    o.code
                    for code in COMMITTEE_GAP
                    for o in branches
                    if o.code == code
                    and committee_members_on(o, today).count() >= compliance.COMMITTEE_MIN_APPOINTMENTS
                ),
                "",
            ),
        )
        for org in todo:
            seeder = _Seeder if org.kind in BRANCH_KINDS else _UpperSeeder
            seeder(org, today=today, start=start, kinds=kinds, totals=totals, stories=stories).seed()
        _backdate(totals.meeting_ids)
        _dues_bases(stories, today)
    rows = compliance.refresh_all(today.year, today=today)
    lapsed = members_without_organisational_life(
        Member.objects.filter(organisation__code__startswith=COUNTY, status=MemberStatus.ACTIVE), 6, today
    ).count()
    with transaction.atomic():
        elections = demo_elections.build(today=today)
    return (
        f"组织生活演示数据：新建会议 {totals.meetings} 次（补录 {totals.late} 次），出勤记录 {totals.attendance} 条，"
        f"谈心谈话 {totals.talks} 次，民主评议结果 {totals.appraisals} 条，表决 {totals.resolutions} 项"
        f"（接收预备党员 {totals.admitted} 人、转正 {totals.confirmed} 人）；达标情况 {rows} 条；"
        f"连续6个月未参加组织生活 {lapsed} 人。" + (f"换届选举：{elections}。" if elections else "")
    )
