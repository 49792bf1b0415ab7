"""Organisations (a materialized-path tree), terms (届次), access grants and notices."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from . import audit, rules

# Each level of the tree is four base-36 characters: 1.6 million children a node.
PATH_STEP = 4
PATH_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class OrgKind(models.TextChoices):
    COMMITTEE = rules.COMMITTEE, "党委"
    GENERAL_BRANCH = rules.GENERAL_BRANCH, "党总支"
    BRANCH = rules.BRANCH, "党支部"
    JOINT_BRANCH = rules.JOINT_BRANCH, "联合党支部"
    PARTY_GROUP = rules.PARTY_GROUP, "党小组"


class Sector(models.TextChoices):
    """领域 (9 sectors)."""

    VILLAGE = "village", "农村"
    COMMUNITY = "community", "社区"
    ORGAN = "organ", "机关"
    INSTITUTION = "institution", "事业单位"
    STATE_ENTERPRISE = "state_enterprise", "国有企业"
    PRIVATE_ENTERPRISE = "private_enterprise", "非公企业"
    SOCIAL_ORGANISATION = "social_organisation", "社会组织"
    UNIVERSITY = "university", "高校"
    SCHOOL = "school", "中小学"


class OrgStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    DISSOLVED = "dissolved", "已撤销"


class OrganisationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=OrgStatus.ACTIVE)

    def subtree_of(self, org):
        """The organisation and everything below it: one indexed prefix query."""
        return self.filter(path__startswith=org.path)

    def branches(self):
        return self.filter(kind__in=rules.BRANCH_KINDS)


class Organisation(models.Model):
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=30, blank=True)
    kind = models.CharField("组织类别", max_length=20, choices=OrgKind.choices)
    sector = models.CharField("领域", max_length=30, choices=Sector.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("树路径", max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField("层级", editable=False)
    code = models.CharField("组织代码", max_length=32, unique=True)
    founded_on = models.DateField("成立日期", null=True, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    status = models.CharField("状态", max_length=12, choices=OrgStatus.choices, default=OrgStatus.ACTIVE)
    dissolved_on = models.DateField("撤销日期", null=True, blank=True)
    dissolved_reason = models.CharField("撤销原因", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    history = audit.history(exclude=("path", "depth"))

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        ordering = ["path"]
        # ``path`` is unique, and on PostgreSQL Django adds a varchar_pattern_ops ("_like") index
        # beside the unique one, so LIKE 'prefix%' (a subtree) is an index range scan.
        indexes = [
            models.Index(fields=["kind", "status"], name="org_kind_status"),
            # Children of a kind (the party groups of a set of branches) without scanning every group.
            models.Index(fields=["parent", "kind", "status"], name="org_parent_kind_status"),
            models.Index(fields=["sector"], name="org_sector"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=OrgKind.values), name="org_kind_valid"),
            models.CheckConstraint(condition=Q(sector__in=Sector.values), name="org_sector_valid"),
            models.CheckConstraint(
                condition=Q(status=OrgStatus.ACTIVE, dissolved_on__isnull=True)
                | Q(status=OrgStatus.DISSOLVED, dissolved_on__isnull=False),
                name="org_dissolved_has_date",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True, depth=1) | Q(parent__isnull=False, depth__gt=1),
                name="org_depth_matches_parent",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("branches:org_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status == OrgStatus.ACTIVE

    @property
    def is_branch(self) -> bool:
        return self.kind in rules.BRANCH_KINDS

    @property
    def ancestor_paths(self) -> list[str]:
        return [self.path[:i] for i in range(PATH_STEP, len(self.path), PATH_STEP)]

    def ancestors(self):
        """Every organisation above this one, top first: one indexed query."""
        return Organisation.objects.filter(path__in=self.ancestor_paths).order_by("path")

    def descendants(self):
        return Organisation.objects.filter(path__startswith=self.path).exclude(pk=self.pk)

    def is_within(self, other: "Organisation") -> bool:
        return self.path.startswith(other.path)


class TermStatusChoice(models.TextChoices):
    CURRENT = "current", "本届"
    ENDED = "ended", "已届满"


class Term(models.Model):
    """届次: one elected committee (or secretary) of an organisation."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="党组织", on_delete=models.PROTECT, related_name="terms"
    )
    number = models.PositiveSmallIntegerField("届次")
    elected_on = models.DateField("选举日期")
    length_years = models.PositiveSmallIntegerField("任期（年）")
    regular_expires_on = models.DateField("法定届满日期")
    expires_on = models.DateField("届满日期", db_index=True)
    adjustment_doc_no = models.CharField("延期/提前换届批复文号", max_length=60, blank=True)
    adjustment_approved_on = models.DateField("批复日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=TermStatusChoice.choices, default=TermStatusChoice.CURRENT
    )
    ended_on = models.DateField("结束日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = audit.history()

    class Meta:
        verbose_name = "届次"
        verbose_name_plural = "届次"
        ordering = ["organisation", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(status="current"),
                name="term_one_current_per_org",
                violation_error_message="该组织已有一届正在任期内的班子。",
            ),
            models.UniqueConstraint(fields=["organisation", "number"], name="term_number_unique"),
            models.CheckConstraint(condition=Q(status__in=TermStatusChoice.values), name="term_status_valid"),
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("elected_on")), name="term_expires_after_election"
            ),
            models.CheckConstraint(
                condition=Q(length_years__gte=1, length_years__lte=10), name="term_length_sane"
            ),
            models.CheckConstraint(
                condition=Q(expires_on=F("regular_expires_on")) | ~Q(adjustment_doc_no=""),
                name="term_adjustment_has_approval",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} 第{self.number}届"

    @property
    def is_adjusted(self) -> bool:
        return self.expires_on != self.regular_expires_on

    def status_on(self, today):
        return rules.term_status(self.expires_on, today)

    @property
    def expiry_status(self):
        return self.status_on(timezone.localdate())

    @property
    def days_left(self) -> int:
        return rules.days_left(self.expires_on, timezone.localdate())


class Role(models.TextChoices):
    ADMIN = "admin", "系统管理员"
    REVIEWER = "reviewer", "上级党委/组织部门"
    SECRETARY = "secretary", "支部书记"
    MEMBER = "member", "党员"


class Grant(models.Model):
    """A user's role over one organisation (DOMAIN §8); the scope follows from the role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="grants"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name="党组织", on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField("角色", max_length=12, choices=Role.choices)
    created_at = models.DateTimeField("授权时间", auto_now_add=True)

    history = audit.history()

    class Meta:
        verbose_name = "权限授予"
        verbose_name_plural = "权限授予"
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="grant_unique"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="grant_role_valid"),
        ]
        indexes = [models.Index(fields=["organisation", "role"], name="grant_org_role")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"


class NoticeKind(models.TextChoices):
    TERM_REMINDER = "term_reminder", "换届提醒"
    GENERAL = "general", "通知"


class Notice(models.Model):
    """An in-app message to one user. ``dedupe_key`` + recipient is unique, so a job run twice sends once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="notices"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="相关组织",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
    )
    term = models.ForeignKey(
        Term, verbose_name="相关届次", null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField("类别", max_length=20, choices=NoticeKind.choices)
    dedupe_key = models.CharField("去重键", max_length=100)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=200, blank=True, help_text="站内地址；为空时链接到组织。")
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], name="notice_once_per_key"),
            models.CheckConstraint(condition=Q(kind__in=NoticeKind.values), name="notice_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notice_unread")
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
