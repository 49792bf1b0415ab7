"""星级评定, 软弱涣散整顿, 示范点, 公示 and 达标验收 (DOMAIN §5, §7).

Templates, items, thresholds and veto caps are data per year (seeded by migration
0002 from ``assessment/defaults.py``); every write goes through ``assessment/services``.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from branches import audit
from branches.models import Organisation


class Dimension(models.TextChoices):
    TEAM = "team", "班子建设"
    OPERATION = "operation", "工作运行"
    MEMBERS = "members", "党员队伍"
    LIFE = "life", "组织生活"
    SUPPORT = "support", "基础保障"
    ROLE = "role", "作用发挥"


class ItemType(models.TextChoices):
    BASE = "base", "基础项"
    BONUS = "bonus", "加分项"
    PENALTY = "penalty", "减分项"
    APPRAISAL = "appraisal", "评议项"


class Indicator(models.TextChoices):
    """Figures the portal already holds, filled into automatic items."""

    MEETING_COMPLIANCE = "meeting_compliance", "组织生活达标率（%）"
    THEME_DAY_ATTENDANCE = "theme_day_attendance", "主题党日出席率（%）"
    DUES_ON_TIME = "dues_on_time", "党费按时交纳率（%）"
    DEVELOPMENT = "development", "年内发展党员工作（人次）"
    TERM_OVERDUE = "term_overdue", "超期未换届（天）"
    STRUCTURE_WARNINGS = "structure_warnings", "设置不规范（项）"
    OPEN_RECTIFICATION = "open_rectification", "未销号整改事项（项）"


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    ACTIVE = "active", "启用"
    RETIRED = "retired", "停用"


class RatingTemplate(models.Model):
    """One year's scorecard: items, star thresholds and veto caps."""

    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("名称", max_length=100)
    status = models.CharField(
        "状态", max_length=10, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT
    )
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "星级评定标准"
        verbose_name_plural = "星级评定标准"
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["year"], condition=Q(status="active"), name="rating_template_one_active_a_year"
            ),
        ]

    def __str__(self):
        return f"{self.year}年 {self.name}"


class TemplateItem(models.Model):
    template = models.ForeignKey(
        RatingTemplate, verbose_name="评定标准", on_delete=models.CASCADE, related_name="items"
    )
    dimension = models.CharField("维度", max_length=12, choices=Dimension.choices)
    item_type = models.CharField("类型", max_length=10, choices=ItemType.choices)
    title = models.CharField("内容", max_length=200)
    max_points = models.DecimalField("分值", max_digits=5, decimal_places=2)
    evidence_required = models.BooleanField("须上传佐证", default=False)
    indicator = models.CharField("自动指标", max_length=30, choices=Indicator.choices, blank=True)
    mapping = models.JSONField(
        "指标换算",
        default=dict,
        blank=True,
        help_text='{"direction": "higher" 或 "lower", "bands": [[界值, 得分], …]}',
    )
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "评定项目"
        verbose_name_plural = "评定项目"
        ordering = ["template", "order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(max_points__gt=0), name="template_item_points_positive"),
            models.CheckConstraint(
                condition=Q(dimension__in=Dimension.values), name="template_item_dimension"
            ),
            models.CheckConstraint(condition=Q(item_type__in=ItemType.values), name="template_item_type"),
        ]

    def __str__(self):
        return self.title


class StarThreshold(models.Model):
    template = models.ForeignKey(
        RatingTemplate, verbose_name="评定标准", on_delete=models.CASCADE, related_name="thresholds"
    )
    stars = models.PositiveSmallIntegerField("星级")
    min_score = models.DecimalField("总分不低于", max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = "星级分数线"
        verbose_name_plural = "星级分数线"
        ordering = ["template", "-stars"]
        constraints = [
            models.UniqueConstraint(fields=["template", "stars"], name="star_threshold_once"),
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="star_threshold_stars"),
        ]

    def __str__(self):
        return f"{self.stars}星 ≥{self.min_score}"


class VetoItem(models.Model):
    """一票否决: when marked, the rating cannot exceed ``max_stars``."""

    template = models.ForeignKey(
        RatingTemplate, verbose_name="评定标准", on_delete=models.CASCADE, related_name="vetoes"
    )
    title = models.CharField("否决情形", max_length=200)
    max_stars = models.PositiveSmallIntegerField("最高星级")

    class Meta:
        verbose_name = "一票否决项"
        verbose_name_plural = "一票否决项"
        ordering = ["template", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(max_stars__gte=1, max_stars__lte=5), name="veto_max_stars"),
        ]

    def __str__(self):
        return self.title


class Stage(models.TextChoices):
    SELF = "self", "支部自评"
    REVIEW = "review", "党委考评"
    REVIEW_NOTICE = "review_notice", "考评公示"
    RECHECK = "recheck", "县级复核"
    FINAL_NOTICE = "final_notice", "复核公示"
    TO_NAME = "to_name", "待命名"
    NAMED = "named", "已命名"


class Rating(models.Model):
    """One branch's star rating for one year, from self-assessment to naming."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="党支部", on_delete=models.PROTECT, related_name="ratings"
    )
    org_path = models.CharField("组织路径", max_length=255, db_index=True)
    template = models.ForeignKey(
        RatingTemplate, verbose_name="评定标准", on_delete=models.PROTECT, related_name="ratings"
    )
    year = models.PositiveSmallIntegerField("年度")
    stage = models.CharField("环节", max_length=15, choices=Stage.choices, default=Stage.SELF)
    self_total = models.DecimalField("自评总分", max_digits=6, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField("考评总分", max_digits=6, decimal_places=2, default=Decimal("0"))
    proposed_stars = models.PositiveSmallIntegerField("拟定星级", null=True, blank=True)
    final_stars = models.PositiveSmallIntegerField("命名星级", null=True, blank=True)
    report = models.TextField("书记述职要点", blank=True)
    recheck_note = models.TextField("实地复核意见", blank=True)
    named_on = models.DateField("命名日期", null=True, blank=True)
    naming_doc = models.CharField("命名文件文号", max_length=60, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = audit.history(exclude=("org_path",))

    class Meta:
        verbose_name = "星级评定"
        verbose_name_plural = "星级评定"
        ordering = ["-year", "org_path"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="rating_once_a_year"),
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="rating_stage_valid"),
            models.CheckConstraint(
                condition=Q(final_stars__isnull=True) | Q(final_stars__gte=1, final_stars__lte=5),
                name="rating_final_stars_range",
            ),
            models.CheckConstraint(
                condition=~Q(stage="named") | Q(final_stars__isnull=False, named_on__isnull=False),
                name="rating_named_has_stars",
            ),
        ]
        indexes = [models.Index(fields=["year", "stage"], name="rating_year_stage")]

    def __str__(self):
        return f"{self.organisation} {self.year}年星级评定"

    def get_absolute_url(self):
        return reverse("assessment:rating_detail", args=[self.pk])

    @property
    def is_named(self) -> bool:
        return self.stage == Stage.NAMED

    @property
    def stars(self) -> int | None:
        return self.final_stars if self.final_stars is not None else self.proposed_stars


class Score(models.Model):
    """One item of one rating: the secretary's score, the reviewer's, the indicator's."""

    rating = models.ForeignKey(
        Rating, verbose_name="星级评定", on_delete=models.CASCADE, related_name="scores"
    )
    item = models.ForeignKey(TemplateItem, verbose_name="项目", on_delete=models.PROTECT, related_name="+")
    indicator_value = models.DecimalField("指标值", max_digits=10, decimal_places=2, null=True, blank=True)
    auto_points = models.DecimalField("自动得分", max_digits=5, decimal_places=2, null=True, blank=True)
    self_points = models.DecimalField("自评得分", max_digits=5, decimal_places=2, null=True, blank=True)
    points = models.DecimalField("考评得分", max_digits=5, decimal_places=2, null=True, blank=True)
    self_note = models.CharField("自评说明", max_length=500, blank=True)

    history = audit.history(exclude=("indicator_value", "auto_points"))

    class Meta:
        verbose_name = "评定得分"
        verbose_name_plural = "评定得分"
        ordering = ["rating", "item__order", "item_id"]
        constraints = [models.UniqueConstraint(fields=["rating", "item"], name="score_once_per_item")]

    def __str__(self):
        return f"{self.rating} · {self.item}"


class ScoreChange(models.Model):
    """A reviewer's change of a score, with the reason (每项调整须说明)."""

    score = models.ForeignKey(Score, verbose_name="得分", on_delete=models.CASCADE, related_name="changes")
    before = models.DecimalField("调整前", max_digits=5, decimal_places=2, null=True)
    after = models.DecimalField("调整后", max_digits=5, decimal_places=2)
    note = models.CharField("调整理由", max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="调整人", null=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "得分调整"
        verbose_name_plural = "得分调整"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.before} → {self.after}：{self.note}"


class Evidence(models.Model):
    """A file that proves an item (佐证材料)."""

    rating = models.ForeignKey(
        Rating, verbose_name="星级评定", on_delete=models.CASCADE, related_name="evidence"
    )
    item = models.ForeignKey(TemplateItem, verbose_name="项目", on_delete=models.PROTECT, related_name="+")
    file = models.FileField("文件", upload_to="assessment/evidence/%Y/")
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["item_id", "pk"]

    def __str__(self):
        return self.name


class RatingVeto(models.Model):
    rating = models.ForeignKey(
        Rating, verbose_name="星级评定", on_delete=models.CASCADE, related_name="vetoes"
    )
    veto = models.ForeignKey(VetoItem, verbose_name="否决项", on_delete=models.PROTECT, related_name="+")
    note = models.CharField("情况说明", max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="认定人", null=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "一票否决认定"
        verbose_name_plural = "一票否决认定"
        constraints = [models.UniqueConstraint(fields=["rating", "veto"], name="rating_veto_once")]

    def __str__(self):
        return f"{self.rating} · {self.veto}"


class RatingEvent(models.Model):
    """Every transition of a rating: who, when, from which stage to which, and the note."""

    rating = models.ForeignKey(
        Rating, verbose_name="星级评定", on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField("操作", max_length=30)
    from_stage = models.CharField("原环节", max_length=15, choices=Stage.choices, blank=True)
    to_stage = models.CharField("新环节", max_length=15, choices=Stage.choices)
    note = models.TextField("说明", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "评定流程记录"
        verbose_name_plural = "评定流程记录"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.rating} {self.get_to_stage_display()}"


# ---- 公示 (DOMAIN §7) ----------------------------------------------------------------------------


class NoticeSubject(models.TextChoices):
    RATING = "rating", "星级评定"
    ADMISSION = "admission", "发展党员"
    ELECTION = "election", "换届选举"
    OTHER = "other", "其他"


class Publicity(models.Model):
    """Something under 公示 for a period, on the board of every committee above it."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="所属组织", on_delete=models.PROTECT, related_name="publicities"
    )
    org_path = models.CharField("组织路径", max_length=255, db_index=True)
    subject = models.CharField("类别", max_length=12, choices=NoticeSubject.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("公示内容")
    starts_on = models.DateField("公示开始")
    ends_on = models.DateField("公示结束")
    rating = models.ForeignKey(
        Rating,
        verbose_name="星级评定",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="publicities",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发布人", null=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = "公示"
        verbose_name_plural = "公示"
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="publicity_period_order"
            ),
        ]
        indexes = [models.Index(fields=["starts_on", "ends_on"], name="publicity_period")]

    def __str__(self):
        return self.title

    def is_open_on(self, day) -> bool:
        return self.starts_on <= day <= self.ends_on


class ObjectionStatus(models.TextChoices):
    OPEN = "open", "待处理"
    HANDLED = "handled", "已处理"


class Objection(models.Model):
    """异议: anyone may send one during the period; the reviewers in scope record how it was handled."""

    publicity = models.ForeignKey(
        Publicity, verbose_name="公示", on_delete=models.PROTECT, related_name="objections"
    )
    text = models.TextField("异议内容", max_length=2000)
    name = models.CharField("姓名", max_length=30, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    client = models.CharField("来源（散列）", max_length=64, db_index=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True, db_index=True)
    status = models.CharField(
        "状态", max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    handling = models.TextField("处理情况", blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="处理人", null=True, blank=True, on_delete=models.SET_NULL
    )
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "异议"
        verbose_name_plural = "异议"
        ordering = ["-created_at", "pk"]

    def __str__(self):
        return f"对「{self.publicity}」的异议"


# ---- 软弱涣散整顿 and 示范点 ----------------------------------------------------------------------


class CaseStatus(models.TextChoices):
    OPEN = "open", "整顿中"
    CLOSED = "closed", "已销号"


class RectificationCase(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name="党支部", on_delete=models.PROTECT, related_name="rectifications"
    )
    org_path = models.CharField("组织路径", max_length=255, db_index=True)
    rating = models.OneToOneField(
        Rating, verbose_name="起因评定", null=True, blank=True, on_delete=models.PROTECT, related_name="case"
    )
    reason = models.CharField("整顿原因", max_length=300)
    opened_on = models.DateField("确定日期")
    status = models.CharField("状态", max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    closed_on = models.DateField("销号日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "软弱涣散整顿"
        verbose_name_plural = "软弱涣散整顿"
        ordering = ["-opened_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_on__isnull=True)
                | Q(status="closed", closed_on__isnull=False),
                name="case_closed_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} 整顿（{self.opened_on:%Y-%m-%d}）"

    def get_absolute_url(self):
        return reverse("assessment:case_detail", args=[self.pk])


class ItemStatus(models.TextChoices):
    OPEN = "open", "整改中"
    DONE = "done", "已完成待验收"
    VERIFIED = "verified", "已销号"


class RectificationItem(models.Model):
    case = models.ForeignKey(
        RectificationCase, verbose_name="整顿", on_delete=models.CASCADE, related_name="items"
    )
    problem = models.CharField("问题", max_length=300)
    measure = models.CharField("整改措施", max_length=300)
    owner = models.CharField("责任人", max_length=30)
    deadline = models.DateField("完成时限", db_index=True)
    status = models.CharField("状态", max_length=10, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    done_note = models.CharField("完成情况", max_length=500, blank=True)
    evidence = models.FileField("佐证材料", upload_to="assessment/rectification/%Y/", blank=True)
    evidence_name = models.CharField("佐证文件名", max_length=200, blank=True)
    evidence_sha256 = models.CharField("佐证 SHA-256", max_length=64, blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="验收人", null=True, blank=True, on_delete=models.SET_NULL
    )
    verified_at = models.DateTimeField("销号时间", null=True, blank=True)
    verify_note = models.CharField("验收意见", max_length=300, blank=True)

    history = audit.history()

    class Meta:
        verbose_name = "整改事项"
        verbose_name_plural = "整改事项"
        ordering = ["case", "deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ItemStatus.values), name="rectification_item_status"
            ),
        ]

    def __str__(self):
        return self.problem


class SiteStatus(models.TextChoices):
    ACTIVE = "active", "示范点"
    EXITED = "exited", "已退出"


class ModelSite(models.Model):
    """示范点: a five-star branch, re-checked by sampling, with an exit."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="党支部", on_delete=models.PROTECT, related_name="model_sites"
    )
    org_path = models.CharField("组织路径", max_length=255, db_index=True)
    rating = models.OneToOneField(
        Rating, verbose_name="命名依据", null=True, blank=True, on_delete=models.PROTECT, related_name="site"
    )
    entered_on = models.DateField("确定日期")
    status = models.CharField("状态", max_length=10, choices=SiteStatus.choices, default=SiteStatus.ACTIVE)
    exited_on = models.DateField("退出日期", null=True, blank=True)
    exit_reason = models.CharField("退出原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "示范点"
        verbose_name_plural = "示范点"
        ordering = ["org_path", "-entered_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(status="active"), name="model_site_one_active"
            ),
        ]

    def __str__(self):
        return f"{self.organisation}（示范点）"


class CheckResult(models.TextChoices):
    PENDING = "pending", "待检查"
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


class SiteCheck(models.Model):
    site = models.ForeignKey(
        ModelSite, verbose_name="示范点", on_delete=models.CASCADE, related_name="checks"
    )
    on = models.DateField("抽查日期")
    result = models.CharField("结果", max_length=10, choices=CheckResult.choices)
    note = models.CharField("情况", max_length=500)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="检查人", null=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = "示范点抽查"
        verbose_name_plural = "示范点抽查"
        ordering = ["-on", "pk"]

    def __str__(self):
        return f"{self.site} {self.on:%Y-%m-%d} {self.get_result_display()}"


# ---- 达标验收 ----------------------------------------------------------------------------------------


class AcceptancePolicy(models.Model):
    """The year's figures for acceptance: the share checked on site and the target share."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    spot_check_ratio = models.DecimalField(
        "实地抽查比例", max_digits=4, decimal_places=3, default=Decimal("0.050")
    )
    target_share = models.DecimalField("达标目标", max_digits=4, decimal_places=3, default=Decimal("0.900"))

    class Meta:
        verbose_name = "达标验收参数"
        verbose_name_plural = "达标验收参数"
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(spot_check_ratio__gt=0, spot_check_ratio__lte=1), name="policy_ratio_range"
            ),
            models.CheckConstraint(
                condition=Q(target_share__gt=0, target_share__lte=1), name="policy_target_range"
            ),
        ]

    def __str__(self):
        return f"{self.year}年达标验收参数"


class AcceptanceStatus(models.TextChoices):
    APPLIED = "applied", "已申请"
    CHECKED = "checked", "党委已检查"
    ACCEPTED = "accepted", "已验收达标"
    REJECTED = "rejected", "未通过"


class Acceptance(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name="党支部", on_delete=models.PROTECT, related_name="acceptances"
    )
    org_path = models.CharField("组织路径", max_length=255, db_index=True)
    year = models.PositiveSmallIntegerField("年度")
    status = models.CharField(
        "状态", max_length=10, choices=AcceptanceStatus.choices, default=AcceptanceStatus.APPLIED
    )
    application = models.TextField("申请说明")
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    applied_at = models.DateTimeField("申请时间", auto_now_add=True)
    check_note = models.TextField("党委检查意见", blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="检查人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_at = models.DateTimeField("检查时间", null=True, blank=True)
    accept_note = models.TextField("验收意见", blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="验收人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_at = models.DateTimeField("验收时间", null=True, blank=True)

    class Meta:
        verbose_name = "达标验收"
        verbose_name_plural = "达标验收"
        ordering = ["-year", "org_path"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="acceptance_once_a_year"),
            models.CheckConstraint(condition=Q(status__in=AcceptanceStatus.values), name="acceptance_status"),
        ]

    def __str__(self):
        return f"{self.organisation} {self.year}年达标验收"


class SpotCheckDraw(models.Model):
    """A reproducible random draw of accepted branches for on-site checks."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="抽查范围", on_delete=models.PROTECT, related_name="spot_draws"
    )
    year = models.PositiveSmallIntegerField("年度")
    ratio = models.DecimalField("抽查比例", max_digits=4, decimal_places=3)
    seed = models.PositiveBigIntegerField("随机种子")
    population = models.PositiveIntegerField("已验收支部数")
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="抽取人", null=True, on_delete=models.SET_NULL
    )
    drawn_at = models.DateTimeField("抽取时间", auto_now_add=True)

    class Meta:
        verbose_name = "实地抽查"
        verbose_name_plural = "实地抽查"
        ordering = ["-drawn_at", "pk"]

    def __str__(self):
        return f"{self.organisation} {self.year}年实地抽查"


class SpotCheck(models.Model):
    draw = models.ForeignKey(
        SpotCheckDraw, verbose_name="抽查批次", on_delete=models.CASCADE, related_name="checks"
    )
    acceptance = models.ForeignKey(
        Acceptance, verbose_name="达标验收", on_delete=models.PROTECT, related_name="spot_checks"
    )
    result = models.CharField("结果", max_length=10, choices=CheckResult.choices, default=CheckResult.PENDING)
    note = models.CharField("检查情况", max_length=500, blank=True)
    checked_on = models.DateField("检查日期", null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="检查人", null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = "抽查结果"
        verbose_name_plural = "抽查结果"
        ordering = ["draw", "pk"]
        constraints = [models.UniqueConstraint(fields=["draw", "acceptance"], name="spot_check_once")]

    def __str__(self):
        return f"{self.draw} · {self.acceptance.organisation}"


# The dashboard's rollups live in their own module; importing it registers their tables with this app.

from .models_rollups import *  # noqa: E402, F403
