"""换届选举 as a workflow (DOMAIN §1 "Elections"): request → approval → election meeting → result → approval.

Imported at the end of ``meetings/models.py`` so Django registers the tables with the meetings app.
Every write goes through ``meetings/services/elections.py``; the counting rules are ``meetings/elections.py``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from branches.models import Organisation, Term
from members.models import Member, Position

from .models import Meeting

__all__ = [
    "OPEN_STATUSES",
    "BallotCount",
    "BallotRound",
    "Candidate",
    "Election",
    "ElectionEvent",
    "ElectionStatus",
    "RoundKind",
]


class ElectionStatus(models.TextChoices):
    DRAFT = "draft", "起草请示"
    REQUESTED = "requested", "已请示，待批复"
    APPROVED = "approved", "已批复，待选举"
    HELD = "held", "已选举，待报告结果"
    REPORTED = "reported", "已报告结果，待批准"
    CONFIRMED = "confirmed", "已批准，新班子就任"
    CANCELLED = "cancelled", "已撤销"


OPEN_STATUSES = ("draft", "requested", "approved", "held", "reported")


class Election(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name="党组织", on_delete=models.PROTECT, related_name="elections"
    )
    old_term = models.ForeignKey(
        Term, verbose_name="本届", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "环节", max_length=12, choices=ElectionStatus.choices, default=ElectionStatus.DRAFT
    )
    seats = models.PositiveSmallIntegerField("委员名额")
    has_deputy = models.BooleanField("设副书记", default=False)
    request_doc_no = models.CharField("请示文号", max_length=60, blank=True)
    request_note = models.TextField("请示说明", blank=True)
    approval_doc_no = models.CharField("批复文号", max_length=60, blank=True)
    approval_note = models.TextField("批复意见（调整情况）", blank=True)
    meeting = models.OneToOneField(
        Meeting,
        verbose_name="选举大会",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="election",
    )
    entitled = models.PositiveIntegerField("应到会有选举权党员", null=True, blank=True)
    present = models.PositiveIntegerField("实到会有选举权党员", null=True, blank=True)
    report_doc_no = models.CharField("结果报告文号", max_length=60, blank=True)
    confirm_doc_no = models.CharField("批准文号", max_length=60, blank=True)
    new_term = models.OneToOneField(
        Term, verbose_name="新一届", null=True, blank=True, on_delete=models.PROTECT, related_name="election"
    )
    return_reason = models.TextField("退回理由", blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "换届选举"
        verbose_name_plural = "换届选举"
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(status__in=OPEN_STATUSES),
                name="election_one_open_per_org",
                violation_error_message="该组织已有一次正在进行的换届选举。",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ElectionStatus.values), name="election_status_valid"
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="election_seats_positive"),
        ]

    def __str__(self):
        return f"{self.organisation}换届选举"

    def get_absolute_url(self):
        return reverse("meetings:election_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Candidate(models.Model):
    election = models.ForeignKey(
        Election, verbose_name="换届选举", on_delete=models.CASCADE, related_name="candidates"
    )
    member = models.ForeignKey(Member, verbose_name="候选人", on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField("排序", default=0)
    note = models.CharField("说明", max_length=200, blank=True)
    elected = models.BooleanField("当选", default=False)
    position = models.CharField("分工", max_length=20, choices=Position.choices, blank=True)

    class Meta:
        verbose_name = "候选人"
        verbose_name_plural = "候选人"
        ordering = ["election", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["election", "member"], name="candidate_once")]

    def __str__(self):
        return str(self.member)


class RoundKind(models.TextChoices):
    FIRST = "first", "正式选举"
    RUNOFF = "runoff", "得票相等者再次投票"
    FURTHER = "further", "另行选举"


class BallotRound(models.Model):
    election = models.ForeignKey(
        Election, verbose_name="换届选举", on_delete=models.CASCADE, related_name="rounds"
    )
    number = models.PositiveSmallIntegerField("轮次")
    kind = models.CharField("类别", max_length=10, choices=RoundKind.choices)
    seats = models.PositiveSmallIntegerField("应选名额")
    issued = models.PositiveIntegerField("发出选票")
    returned = models.PositiveIntegerField("收回选票")
    void = models.BooleanField("无效", default=False)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "投票轮次"
        verbose_name_plural = "投票轮次"
        ordering = ["election", "number"]
        constraints = [models.UniqueConstraint(fields=["election", "number"], name="ballot_round_once")]

    def __str__(self):
        return f"第{self.number}轮（{self.get_kind_display()}）"


class BallotCount(models.Model):
    round = models.ForeignKey(
        BallotRound, verbose_name="轮次", on_delete=models.CASCADE, related_name="counts"
    )
    candidate = models.ForeignKey(
        Candidate, verbose_name="候选人", on_delete=models.CASCADE, related_name="counts"
    )
    yes = models.PositiveIntegerField("赞成")
    no = models.PositiveIntegerField("不赞成")
    abstain = models.PositiveIntegerField("弃权")
    elected = models.BooleanField("本轮当选", default=False)

    class Meta:
        verbose_name = "得票"
        verbose_name_plural = "得票"
        ordering = ["round", "-yes", "pk"]
        constraints = [models.UniqueConstraint(fields=["round", "candidate"], name="ballot_count_once")]

    def __str__(self):
        return f"{self.candidate} {self.yes}票"


class ElectionEvent(models.Model):
    election = models.ForeignKey(
        Election, verbose_name="换届选举", on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField("操作", max_length=20)
    from_status = models.CharField("原环节", max_length=12, choices=ElectionStatus.choices, blank=True)
    to_status = models.CharField("新环节", max_length=12, choices=ElectionStatus.choices)
    doc_no = models.CharField("文号", max_length=60, blank=True)
    note = models.TextField("说明", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "换届选举记录"
        verbose_name_plural = "换届选举记录"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.election} {self.action}"
