"""三会一课 and the rest of organisational life: requirements as data, meetings, attendance,
votes, talks, appraisals and the stored compliance per period (DOMAIN §3)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from branches import audit
from branches.models import Organisation, OrgKind, Sector
from members.models import Member


class Period(models.TextChoices):
    MONTH = "month", "每月"
    QUARTER = "quarter", "每季度"
    HALF = "half", "每半年"
    YEAR = "year", "每年"


class Condition(models.TextChoices):
    """Who a requirement binds, beyond the organisation's kind."""

    NONE = "", "—"
    HAS_COMMITTEE = "has_committee", "设支部委员会的支部"
    PER_GROUP = "per_group", "每个党小组"
    PER_MEMBER = "per_member", "每名党员"


class MeetingKind(models.Model):
    """支部党员大会, 支部委员会会议, 党小组会, 党课, 主题党日, 组织生活会, 民主评议党员, 谈心谈话."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=30)
    order = models.PositiveSmallIntegerField("排序", default=0)
    has_lecturer = models.BooleanField("有授课人（党课）", default=False)
    allows_votes = models.BooleanField("可以表决（党员大会）", default=False)
    for_groups = models.BooleanField("由党小组召开", default=False)

    class Meta:
        verbose_name = "会议类型"
        verbose_name_plural = "会议类型"
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name


class Requirement(models.Model):
    """The national default for one kind of meeting and one kind of organisation."""

    kind = models.ForeignKey(
        MeetingKind, verbose_name="会议类型", on_delete=models.PROTECT, related_name="requirements"
    )
    org_kind = models.CharField("适用组织类别", max_length=20, choices=OrgKind.choices)
    period = models.CharField("周期", max_length=10, choices=Period.choices)
    min_count = models.PositiveSmallIntegerField("每周期至少次数", default=1)
    min_attendance = models.PositiveSmallIntegerField(
        "出席率不低于（%）", null=True, blank=True, help_text="留空表示不考核出席率"
    )
    condition = models.CharField("适用条件", max_length=20, choices=Condition.choices, blank=True)
    usual_months = models.CharField(
        "通常召开月份", max_length=40, blank=True, help_text="如组织生活会通常在第四季度：10,11,12"
    )
    basis = models.CharField("依据", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "组织生活要求"
        verbose_name_plural = "组织生活要求"
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "org_kind"], name="requirement_kind_org_kind_unique"),
            models.CheckConstraint(condition=Q(period__in=Period.values), name="requirement_period_valid"),
            models.CheckConstraint(
                condition=Q(condition__in=Condition.values), name="requirement_condition_valid"
            ),
            models.CheckConstraint(
                condition=Q(min_attendance__isnull=True) | Q(min_attendance__lte=100),
                name="requirement_attendance_percent",
            ),
        ]

    def __str__(self):
        figures = f"{self.get_period_display()}≥{self.min_count}次"
        return f"{self.kind.name}（{self.get_org_kind_display()}，{figures}）"


class RequirementOverride(models.Model):
    """A sector's or one organisation's own figures for a requirement, from a date.

    The most specific override in force on a day wins: organisation over sector
    over the default; among equals the latest ``effective_from``.
    """

    requirement = models.ForeignKey(
        Requirement, verbose_name="要求", on_delete=models.CASCADE, related_name="overrides"
    )
    sector = models.CharField("领域", max_length=30, choices=Sector.choices, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="组织",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="requirement_overrides",
    )
    effective_from = models.DateField("生效日期")
    applies = models.BooleanField("适用", default=True, help_text="取消勾选表示该组织/领域不考核此项")
    period = models.CharField("周期", max_length=10, choices=Period.choices)
    min_count = models.PositiveSmallIntegerField("每周期至少次数", default=1)
    min_attendance = models.PositiveSmallIntegerField("出席率不低于（%）", null=True, blank=True)
    reason = models.CharField("调整依据", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="设置人", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("设置时间", auto_now_add=True)

    class Meta:
        verbose_name = "组织生活要求调整"
        verbose_name_plural = "组织生活要求调整"
        ordering = ["requirement", "-effective_from", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(organisation__isnull=True) & ~Q(sector=""))
                | (Q(organisation__isnull=False) & Q(sector="")),
                name="override_sector_xor_organisation",
            ),
            models.CheckConstraint(condition=Q(period__in=Period.values), name="override_period_valid"),
            models.CheckConstraint(
                condition=Q(min_attendance__isnull=True) | Q(min_attendance__lte=100),
                name="override_attendance_percent",
            ),
        ]

    def __str__(self):
        target = self.organisation.name if self.organisation_id else self.get_sector_display()
        return f"{self.requirement.kind.name}：{target}（{self.effective_from:%Y-%m-%d}起）"


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "已退回"
    CANCELLED = "cancelled", "已作废"


class MeetingQuerySet(models.QuerySet):
    def counted(self):
        """Meetings that count towards compliance: submitted (a returned one counts once resubmitted)."""
        return self.filter(status=MeetingStatus.SUBMITTED)


class Meeting(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name="召开组织", on_delete=models.PROTECT, related_name="meetings"
    )
    branch = models.ForeignKey(
        Organisation,
        verbose_name="所属支部",
        on_delete=models.PROTECT,
        related_name="branch_meetings",
        help_text="党小组会为小组所在支部；其余同召开组织",
    )
    kind = models.ForeignKey(MeetingKind, verbose_name="会议类型", on_delete=models.PROTECT, related_name="+")
    topic = models.CharField("主题", max_length=200)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间", null=True, blank=True)
    place = models.CharField("地点", max_length=100, blank=True)
    host = models.CharField("主持人", max_length=50, blank=True)
    recorder = models.CharField("记录人", max_length=50, blank=True)
    lecturer = models.CharField("授课人", max_length=50, blank=True)
    agenda = models.TextField("议程", blank=True)
    minutes = models.TextField("会议记录", blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT
    )
    is_late = models.BooleanField("补录", default=False, help_text="会后超过规定天数才录入")
    version = models.PositiveIntegerField("版本", default=1)
    present_count = models.PositiveIntegerField("出席人数", default=0)
    expected_count = models.PositiveIntegerField("应到人数", default=0)
    cancel_reason = models.CharField("作废原因", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)

    objects = MeetingQuerySet.as_manager()

    history = audit.history()

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["-starts_at", "-pk"]
        indexes = [
            models.Index(fields=["branch", "starts_at"], name="meeting_branch_start"),
            models.Index(fields=["organisation", "kind", "starts_at"], name="meeting_org_kind_start"),
            models.Index(fields=["status", "starts_at"], name="meeting_status_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=MeetingStatus.values), name="meeting_status_valid"),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="meeting_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""), name="meeting_cancel_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.kind.name}：{self.topic}"

    def get_absolute_url(self):
        return reverse("meetings:detail", args=[self.pk])

    @property
    def attendance_rate(self) -> float | None:
        if not self.expected_count:
            return None
        return self.present_count / self.expected_count

    @property
    def is_editable(self) -> bool:
        return self.status != MeetingStatus.CANCELLED


class MeetingEventKind(models.TextChoices):
    CREATED = "created", "录入"
    EDITED = "edited", "修改"
    SUBMITTED = "submitted", "提交"
    RETURNED = "returned", "退回"
    RESUBMITTED = "resubmitted", "重新提交"
    CANCELLED = "cancelled", "作废"


class MeetingEvent(models.Model):
    """The record's history: who entered, changed, submitted, returned it, and why."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("操作", max_length=12, choices=MeetingEventKind.choices)
    note = models.CharField("说明", max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "会议记录操作"
        verbose_name_plural = "会议记录操作"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class MeetingVersion(models.Model):
    """The earlier content of a submitted meeting, kept when it is edited."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveIntegerField("版本")
    content = models.JSONField("内容")
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="修改人", null=True, blank=True, on_delete=models.SET_NULL
    )
    saved_at = models.DateTimeField("保存时间", auto_now_add=True)

    class Meta:
        verbose_name = "会议历史版本"
        verbose_name_plural = "会议历史版本"
        ordering = ["meeting", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "version"], name="meeting_version_unique"),
        ]

    def __str__(self):
        return f"第{self.version}版"


class Presence(models.TextChoices):
    PRESENT = "present", "出席"
    LEAVE = "leave", "请假"
    ABSENT = "absent", "缺席"


class Attendance(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="attendances"
    )
    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="attendances"
    )
    presence = models.CharField("出席情况", max_length=10, choices=Presence.choices, default=Presence.PRESENT)
    reason = models.CharField("请假事由", max_length=100, blank=True)

    history = audit.history()

    class Meta:
        verbose_name = "出勤"
        verbose_name_plural = "出勤"
        ordering = ["meeting", "member__name", "pk"]
        indexes = [models.Index(fields=["member", "presence"], name="attendance_member_presence")]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once_per_meeting"),
            models.CheckConstraint(
                condition=Q(presence__in=Presence.values), name="attendance_presence_valid"
            ),
        ]

    def __str__(self):
        return f"{self.member_id}：{self.get_presence_display()}"


class Guest(models.Model):
    """列席: people at the meeting who are not members of the organisation."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="guests")
    name = models.CharField("姓名", max_length=50)
    note = models.CharField("单位/身份", max_length=100, blank=True)

    class Meta:
        verbose_name = "列席人员"
        verbose_name_plural = "列席人员"
        ordering = ["meeting", "pk"]

    def __str__(self):
        return self.name


class AttachmentKind(models.TextChoices):
    SIGN_IN = "sign_in", "签到表"
    PHOTO = "photo", "照片"
    DOCUMENT = "document", "文件"


def attachment_path(instance, filename):
    return (
        f"meetings/{instance.meeting.starts_at:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}{_ext(filename)}"
    )


def _ext(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower()[:8] if dot > 0 else ""


class Attachment(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField("类别", max_length=10, choices=AttachmentKind.choices)
    file = models.FileField("文件", upload_to=attachment_path, max_length=200)
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    content_type = models.CharField("类型", max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "会议附件"
        verbose_name_plural = "会议附件"
        ordering = ["meeting", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AttachmentKind.values), name="attachment_kind_valid"),
        ]

    def __str__(self):
        return self.name


class ResolutionKind(models.TextChoices):
    ADMIT = "admit", "接收预备党员"
    CONFIRM = "confirm", "预备党员转正"
    OTHER = "other", "其他事项"


class Resolution(models.Model):
    """A vote of a general meeting (支部党员大会). Eligible and present voters are derived, not typed."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="resolutions"
    )
    kind = models.CharField("表决事项", max_length=10, choices=ResolutionKind.choices)
    subject = models.ForeignKey(
        Member,
        verbose_name="表决对象",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolutions",
    )
    title = models.CharField("事项", max_length=200)
    eligible = models.PositiveIntegerField("应到会有表决权党员")
    present = models.PositiveIntegerField("实到会有表决权党员")
    yes = models.PositiveIntegerField("赞成")
    no = models.PositiveIntegerField("反对", default=0)
    abstain = models.PositiveIntegerField("弃权", default=0)
    written_yes = models.PositiveIntegerField("书面意见赞成（未到会）", default=0)
    written_no = models.PositiveIntegerField("书面意见反对（未到会）", default=0)
    passed = models.BooleanField("通过")
    outcome = models.CharField("结果说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    history = audit.history()

    class Meta:
        verbose_name = "表决事项"
        verbose_name_plural = "表决事项"
        ordering = ["meeting", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ResolutionKind.values), name="resolution_kind_valid"),
            models.CheckConstraint(
                condition=Q(present__lte=models.F("eligible")), name="resolution_present_within_eligible"
            ),
        ]

    def __str__(self):
        return f"{self.title}（{'通过' if self.passed else '未通过'}）"


class VoterExclusion(models.Model):
    """A member left out of 应到会 with the higher committee's approval (long illness, abroad…)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="voter_exclusions"
    )
    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("原因", max_length=100)
    approval = models.CharField("上级党组织同意文号/说明", max_length=100)

    class Meta:
        verbose_name = "不计入应到会人数"
        verbose_name_plural = "不计入应到会人数"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="voter_exclusion_once"),
        ]

    def __str__(self):
        return f"{self.member_id}：{self.reason}"


class TalkOccasion(models.TextChoices):
    REGULAR = "regular", "年度谈心谈话"
    POST_CHANGE = "post_change", "岗位变动"
    DISCIPLINE = "discipline", "受到处分处置"
    HARDSHIP = "hardship", "家庭重大变故"
    WARNING = "warning", "苗头性倾向性问题"


class Talk(models.Model):
    """谈心谈话 between two members."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="支部", on_delete=models.PROTECT, related_name="talks"
    )
    member_a = models.ForeignKey(Member, verbose_name="谈话人", on_delete=models.PROTECT, related_name="+")
    member_b = models.ForeignKey(Member, verbose_name="谈话对象", on_delete=models.PROTECT, related_name="+")
    on = models.DateField("日期")
    occasion = models.CharField(
        "类别", max_length=20, choices=TalkOccasion.choices, default=TalkOccasion.REGULAR
    )
    note = models.TextField("谈话要点", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "谈心谈话"
        verbose_name_plural = "谈心谈话"
        ordering = ["-on", "-pk"]
        indexes = [models.Index(fields=["organisation", "on"], name="talk_org_on")]
        constraints = [
            models.CheckConstraint(condition=~Q(member_a=models.F("member_b")), name="talk_two_people"),
            models.CheckConstraint(condition=Q(occasion__in=TalkOccasion.values), name="talk_occasion_valid"),
        ]

    def __str__(self):
        return f"谈心谈话 {self.on:%Y-%m-%d}"


class AppraisalResult(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    QUALIFIED = "qualified", "合格"
    BASIC = "basic", "基本合格"
    UNQUALIFIED = "unqualified", "不合格"


class Appraisal(models.Model):
    """民主评议党员: one result per member and year."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="支部", on_delete=models.PROTECT, related_name="appraisals"
    )
    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="appraisals"
    )
    year = models.PositiveSmallIntegerField("年度")
    result = models.CharField("评议结果", max_length=12, choices=AppraisalResult.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "民主评议结果"
        verbose_name_plural = "民主评议结果"
        ordering = ["organisation", "year", "member"]
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="appraisal_once_a_year"),
            models.CheckConstraint(
                condition=Q(result__in=AppraisalResult.values), name="appraisal_result_valid"
            ),
        ]

    def __str__(self):
        return f"{self.year}年：{self.get_result_display()}"


class ComplianceStatus(models.TextChoices):
    MET = "met", "已达标"
    SHORT = "short", "未达标"
    PENDING = "pending", "未到期"
    NOT_APPLICABLE = "na", "不适用"


class ComplianceRecord(models.Model):
    """One requirement for one organisation and one period, as last computed.

    Dashboards read these rows (and the assessment app's rollups of them), never
    the meetings themselves. ``org_path`` copies the organisation's path so a
    subtree is one prefix scan.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name="组织", on_delete=models.CASCADE, related_name="compliance"
    )
    org_path = models.CharField("组织路径", max_length=255)
    requirement = models.ForeignKey(
        Requirement, verbose_name="要求", on_delete=models.CASCADE, related_name="compliance"
    )
    period_start = models.DateField("周期开始")
    period_end = models.DateField("周期结束")
    year = models.PositiveSmallIntegerField("年度")
    expected = models.PositiveIntegerField("应召开")
    held = models.PositiveIntegerField("已召开")
    late = models.PositiveIntegerField("其中补录", default=0)
    attendance_rate = models.DecimalField("出席率", max_digits=5, decimal_places=4, null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=ComplianceStatus.choices)
    note = models.CharField("说明", max_length=200, blank=True, help_text="不适用或未达标的原因")
    refreshed_at = models.DateTimeField("计算时间", auto_now=True)

    class Meta:
        verbose_name = "组织生活达标情况"
        verbose_name_plural = "组织生活达标情况"
        ordering = ["organisation", "period_start", "requirement"]
        indexes = [
            models.Index(fields=["org_path", "year"], name="compliance_path_year"),
            models.Index(fields=["year", "status"], name="compliance_year_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "requirement", "period_start"], name="compliance_one_row_per_period"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ComplianceStatus.values), name="compliance_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.requirement_id} {self.period_start:%Y-%m}：{self.get_status_display()}"


# The election workflow lives in its own module; importing it registers its tables with this app.

from .models_elections import *  # noqa: E402, F403
