"""Members (党员 and the development pipeline), appointments, transfers, dues (DOMAIN §2, §4)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from branches import audit
from branches.models import Organisation, Term


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", "研究生"
    BACHELOR = "bachelor", "大学本科"
    COLLEGE = "college", "大学专科"
    SECONDARY = "secondary", "中专"
    HIGH_SCHOOL = "high_school", "高中"
    JUNIOR = "junior", "初中及以下"


class Stage(models.TextChoices):
    """The five stages of 发展党员; ``full`` and ``probationary`` are party members."""

    APPLICANT = "applicant", "入党申请人"
    ACTIVIST = "activist", "入党积极分子"
    CANDIDATE = "candidate", "发展对象"
    PROBATIONARY = "probationary", "预备党员"
    FULL = "full", "正式党员"


PARTY_STAGES = (Stage.PROBATIONARY, Stage.FULL)
PIPELINE_STAGES = (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY)


class MemberStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    LEFT = "left", "已离开"


class LeaveKind(models.TextChoices):
    TRANSFERRED_OUT = "transferred_out", "组织关系转出"
    EXPELLED = "expelled", "出党/除名"
    LAPSED = "lapsed", "自行脱党"
    DECEASED = "deceased", "去世"


class DuesCategory(models.TextChoices):
    EMPLOYED = "employed", "在职"
    RETIRED = "retired", "离退休"
    FARMER = "farmer", "农民"
    STUDENT = "student", "学生"
    UNEMPLOYED = "unemployed", "下岗失业"
    SUBSISTENCE = "subsistence", "低保"


class MemberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=MemberStatus.ACTIVE)

    def party_members(self):
        """正式党员 and 预备党员 on the roster."""
        return self.active().filter(stage__in=PARTY_STAGES)


class Member(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name="所在支部", on_delete=models.PROTECT, related_name="members"
    )
    party_group = models.ForeignKey(
        Organisation,
        verbose_name="党小组",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="group_members",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=10, choices=Gender.choices)
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    birth_date = models.DateField("出生日期")
    id_number = models.CharField("居民身份证号", max_length=18, blank=True)
    education = models.CharField("学历", max_length=20, choices=Education.choices, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    work_unit = models.CharField("工作单位", max_length=100, blank=True)
    post = models.CharField("职务/岗位", max_length=50, blank=True)
    dues_category = models.CharField(
        "党费类别", max_length=20, choices=DuesCategory.choices, default=DuesCategory.EMPLOYED
    )

    stage = models.CharField("发展阶段", max_length=20, choices=Stage.choices, default=Stage.FULL)
    applied_on = models.DateField("递交入党申请日期", null=True, blank=True)
    activist_on = models.DateField("确定为积极分子日期", null=True, blank=True)
    candidate_on = models.DateField("确定为发展对象日期", null=True, blank=True)
    admitted_on = models.DateField("入党日期（接收为预备党员）", null=True, blank=True)
    admission_doc_no = models.CharField("接收预备党员决议/批复文号", max_length=60, blank=True)
    probation_extension_months = models.PositiveSmallIntegerField("延长预备期（月）", default=0)
    confirmed_on = models.DateField("转正日期", null=True, blank=True)
    confirmation_doc_no = models.CharField("转正决议/批复文号", max_length=60, blank=True)

    status = models.CharField(
        "状态", max_length=10, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    leave_kind = models.CharField("离开方式", max_length=20, choices=LeaveKind.choices, blank=True)
    left_on = models.DateField("离开日期", null=True, blank=True)
    leave_reason = models.CharField("离开原因", max_length=200, blank=True)

    is_mobile = models.BooleanField("流动党员", default=False)
    mobile_destination = models.CharField("外出流向", max_length=100, blank=True)
    mobile_since = models.DateField("外出日期", null=True, blank=True)
    last_report_on = models.DateField("最近一次汇报日期", null=True, blank=True)
    is_lost = models.BooleanField("失联党员", default=False)
    lost_since = models.DateField("失联日期", null=True, blank=True)

    completeness = models.PositiveSmallIntegerField("信息完整度（%）", default=0, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = MemberQuerySet.as_manager()

    history = audit.history(exclude=("completeness",))

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["organisation", "name", "pk"]
        indexes = [
            models.Index(fields=["organisation", "status", "stage"], name="member_org_status_stage"),
            models.Index(fields=["party_group"], name="member_group"),
            models.Index(fields=["organisation", "completeness"], name="member_org_completeness"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~Q(id_number=""),
                name="member_id_number_unique",
                violation_error_message="该身份证号已登记在其他党员名下。",
            ),
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="member_stage_valid"),
            models.CheckConstraint(condition=Q(status__in=MemberStatus.values), name="member_status_valid"),
            models.CheckConstraint(condition=Q(gender__in=Gender.values), name="member_gender_valid"),
            models.CheckConstraint(
                condition=Q(status="active", left_on__isnull=True, leave_kind="")
                | Q(status="left", left_on__isnull=False) & ~Q(leave_kind=""),
                name="member_left_has_date_and_kind",
            ),
            models.CheckConstraint(
                condition=Q(probation_extension_months=0)
                | Q(probation_extension_months__gte=6, probation_extension_months__lte=12),
                name="member_probation_extension_6_to_12",
            ),
            models.CheckConstraint(condition=Q(completeness__lte=100), name="member_completeness_percent"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("members:detail", args=[self.pk])

    @property
    def is_party_member(self) -> bool:
        return self.stage in PARTY_STAGES

    @property
    def is_active(self) -> bool:
        return self.status == MemberStatus.ACTIVE


class StageChange(models.Model):
    """One step of the pipeline, with the document that moved it (决议、批复)."""

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.CASCADE, related_name="stage_changes"
    )
    stage = models.CharField("阶段", max_length=20, choices=Stage.choices)
    on = models.DateField("日期")
    document = models.CharField("依据文件/文号", max_length=100, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "发展阶段记录"
        verbose_name_plural = "发展阶段记录"
        ordering = ["member", "on", "pk"]

    def __str__(self):
        return f"{self.member} {self.get_stage_display()} {self.on}"


class Position(models.TextChoices):
    SECRETARY = "secretary", "书记"
    DEPUTY = "deputy", "副书记"
    ORGANISATION = "organisation", "组织委员"
    PROPAGANDA = "propaganda", "宣传委员"
    DISCIPLINE = "discipline", "纪检委员"
    OTHER = "other", "其他委员"


class Appointment(models.Model):
    """A member's position in one term of an organisation's committee."""

    term = models.ForeignKey(Term, verbose_name="届次", on_delete=models.PROTECT, related_name="appointments")
    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="appointments"
    )
    position = models.CharField("职务", max_length=20, choices=Position.choices)
    title = models.CharField("职务名称（其他）", max_length=30, blank=True)
    appointed_on = models.DateField("任职日期")
    ended_on = models.DateField("免职日期", null=True, blank=True)

    class Meta:
        verbose_name = "班子成员"
        verbose_name_plural = "班子成员"
        ordering = ["term", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["term"],
                condition=Q(position="secretary", ended_on__isnull=True),
                name="appointment_one_secretary_per_term",
                violation_error_message="每届班子只能有一名书记。",
            ),
            models.UniqueConstraint(
                fields=["term", "member"],
                condition=Q(ended_on__isnull=True),
                name="appointment_one_position_per_member",
                violation_error_message="该党员已在本届班子中任职。",
            ),
            models.CheckConstraint(
                condition=Q(position__in=Position.values), name="appointment_position_valid"
            ),
        ]

    def __str__(self):
        return f"{self.term} {self.get_position_display()} {self.member}"


class TransferStatus(models.TextChoices):
    PENDING = "pending", "待接收"
    ACCEPTED = "accepted", "已接收"
    REFUSED = "refused", "已退回"
    WITHDRAWN = "withdrawn", "已撤回"
    COMPLETED = "completed", "已办结"


class TransferDirection(models.TextChoices):
    OUT_INTERNAL = "out_internal", "转往系统内组织"
    OUT_EXTERNAL = "out_external", "转往系统外组织"
    IN_EXTERNAL = "in_external", "从系统外转入"


class Transfer(models.Model):
    """组织关系转接: pending until the receiving branch accepts, or sent outside the portal."""

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="transfers"
    )
    direction = models.CharField("类型", max_length=20, choices=TransferDirection.choices)
    from_organisation = models.ForeignKey(
        Organisation,
        verbose_name="转出组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_organisation = models.ForeignKey(
        Organisation,
        verbose_name="接收组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    external_organisation = models.CharField("系统外组织名称", max_length=100, blank=True)
    letter_no = models.CharField("介绍信编号", max_length=60, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    requested_on = models.DateField("申请日期")
    decided_on = models.DateField("办理日期", null=True, blank=True)
    refuse_reason = models.CharField("退回原因", max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "组织关系转接"
        verbose_name_plural = "组织关系转接"
        ordering = ["-requested_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status="pending"),
                name="transfer_one_pending_per_member",
                violation_error_message="该党员已有一笔待接收的转接。",
            ),
            models.CheckConstraint(
                condition=Q(status__in=TransferStatus.values), name="transfer_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(direction="out_internal") | Q(to_organisation__isnull=False),
                name="transfer_internal_has_target",
            ),
        ]
        indexes = [models.Index(fields=["to_organisation", "status"], name="transfer_to_status")]

    def __str__(self):
        return f"{self.member} {self.get_direction_display()}"


class DuesBase(models.Model):
    """党费基数: the category and monthly base, fixed once a year."""

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.CASCADE, related_name="dues_bases"
    )
    year = models.PositiveSmallIntegerField("年度")
    category = models.CharField("党费类别", max_length=20, choices=DuesCategory.choices)
    base = models.DecimalField(
        "月工资收入基数（元）/ 固定月缴额", max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    monthly_amount = models.DecimalField("月应交党费（元）", max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = "党费基数"
        verbose_name_plural = "党费基数"
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="dues_base_once_a_year"),
            models.CheckConstraint(condition=Q(base__gte=0), name="dues_base_not_negative"),
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="dues_base_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.member} {self.year}年 {self.monthly_amount}元/月"


class DuesPayment(models.Model):
    """One member's dues for one month (党费收缴登记簿 line)."""

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="dues_payments"
    )
    month = models.DateField("月份", help_text="当月1日")
    amount_due = models.DecimalField("应交（元）", max_digits=10, decimal_places=2)
    amount_paid = models.DecimalField("实交（元）", max_digits=10, decimal_places=2, default=Decimal("0.00"))
    paid_on = models.DateField("交纳日期", null=True, blank=True)
    receipt_no = models.CharField("收据编号", max_length=40, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = audit.history()

    class Meta:
        verbose_name = "党费交纳"
        verbose_name_plural = "党费交纳"
        ordering = ["member", "month"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_payment_once_a_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="dues_payment_month_first_day"),
            models.CheckConstraint(condition=Q(amount_due__gte=0), name="dues_payment_due_not_negative"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0), name="dues_payment_paid_not_negative"),
            models.CheckConstraint(
                condition=Q(amount_paid=0) | Q(paid_on__isnull=False), name="dues_payment_paid_has_date"
            ),
        ]
        indexes = [models.Index(fields=["month"], name="dues_payment_month")]

    def __str__(self):
        return f"{self.member} {self.month:%Y-%m}"

    @property
    def is_paid(self) -> bool:
        return self.amount_paid >= self.amount_due and self.paid_on is not None


class Remittance(models.Model):
    """上缴党费: a branch's remittance to the higher committee, with its voucher (单据)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="党支部", on_delete=models.PROTECT, related_name="remittances"
    )
    month_from = models.DateField("起始月份")
    month_to = models.DateField("截止月份")
    total = models.DecimalField("上缴金额（元）", max_digits=12, decimal_places=2)
    voucher_no = models.CharField("单据编号", max_length=40)
    remitted_on = models.DateField("上缴日期")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "党费上缴"
        verbose_name_plural = "党费上缴"
        ordering = ["-remitted_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(month_to__gte=F("month_from")), name="remittance_months_ordered"
            ),
            models.CheckConstraint(condition=Q(total__gt=0), name="remittance_total_positive"),
        ]

    def __str__(self):
        return f"{self.organisation} {self.month_from:%Y-%m}—{self.month_to:%Y-%m}"


class ImportStatus(models.TextChoices):
    VALIDATED = "validated", "待确认"
    INVALID = "invalid", "有错误"
    RUNNING = "running", "导入中"
    DONE = "done", "已导入"
    FAILED = "failed", "导入失败"


class RosterImport(models.Model):
    """An uploaded roster file: validated first, written only after the user confirms."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="党支部", on_delete=models.PROTECT, related_name="roster_imports"
    )
    file = models.FileField("文件", upload_to="imports/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=200)
    status = models.CharField("状态", max_length=12, choices=ImportStatus.choices)
    total_rows = models.PositiveIntegerField("行数", default=0)
    summary = models.JSONField("校验结果", default=dict, blank=True)
    task_id = models.CharField("任务编号", max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "花名册导入"
        verbose_name_plural = "花名册导入"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="roster_import_status_valid"
            )
        ]

    def __str__(self):
        return f"{self.organisation} {self.original_name}"


class ExportKind(models.TextChoices):
    ROSTER = "roster", "党员花名册"
    IMPORT_ERRORS = "import_errors", "花名册导入错误说明"


class ExportLog(models.Model):
    """Every download of a file holding members' personal data: who, when, what, how many rows."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导出人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name="党组织", on_delete=models.PROTECT, related_name="export_logs"
    )
    kind = models.CharField("内容", max_length=20, choices=ExportKind.choices)
    rows = models.PositiveIntegerField("人数")
    masked = models.BooleanField("已脱敏")
    at = models.DateTimeField("导出时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "个人信息导出记录"
        verbose_name_plural = "个人信息导出记录"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["organisation", "at"], name="export_log_org_at")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ExportKind.values), name="export_log_kind_valid")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


# The kind of each category (members/dues.py holds the same sets): a percentage by bracket, a fixed amount.
DUES_RATE_CATEGORIES = (DuesCategory.EMPLOYED, DuesCategory.RETIRED)
DUES_FIXED_CATEGORIES = (DuesCategory.STUDENT, DuesCategory.UNEMPLOYED, DuesCategory.SUBSISTENCE)


class DuesRate(models.Model):
    """党费交纳标准: one bracket, fixed amount or farmer's range of the dues table, by year.

    Seeded with the 2008 national standard; admins add a year's rows when the standard
    changes. A category's rows of a year are in force from that year until a later year
    has a complete set for it (one row without an upper bound); see members/dues.py.
    """

    year = models.PositiveSmallIntegerField("起始年度", help_text="自该年度起执行，直至以后年度另有标准。")
    category = models.CharField("党费类别", max_length=20, choices=DuesCategory.choices)
    upper = models.DecimalField(
        "月工资收入基数上限（元，含）",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="仅按比例交纳的类别填写；留空表示无上限（最高一档）。某年度某类别有了无上限的一条，该年度标准即生效，录入新标准时请最后录入这一条。",
    )
    percent = models.DecimalField(
        "交纳比例（%）",
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="例如 0.5 表示 0.5%。",
    )
    amount = models.DecimalField("固定月缴额（元）", max_digits=10, decimal_places=2, null=True, blank=True)
    min_amount = models.DecimalField(
        "月缴额下限（元）",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="农民党员，由党支部在此范围内确定。",
    )
    max_amount = models.DecimalField(
        "月缴额上限（元）", max_digits=10, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "党费交纳标准"
        verbose_name_plural = "党费交纳标准"
        ordering = ["-year", "category", F("upper").asc(nulls_last=True)]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=DuesCategory.values), name="dues_rate_category_valid"
            ),
            # Exactly one way of fixing the amount: a percentage, a fixed amount, or the farmer's range.
            models.CheckConstraint(
                condition=Q(
                    percent__isnull=False,
                    amount__isnull=True,
                    min_amount__isnull=True,
                    max_amount__isnull=True,
                )
                | Q(
                    percent__isnull=True,
                    amount__isnull=False,
                    min_amount__isnull=True,
                    max_amount__isnull=True,
                )
                | Q(
                    percent__isnull=True,
                    amount__isnull=True,
                    min_amount__isnull=False,
                    max_amount__isnull=False,
                ),
                name="dues_rate_one_kind",
                violation_error_message="比例、固定月缴额、月缴额范围三者须填且只填一项。",
            ),
            # The kind follows the category, as the forms and pages expect (members/dues.py).
            models.CheckConstraint(
                condition=Q(category__in=DUES_RATE_CATEGORIES, percent__isnull=False)
                | Q(category__in=DUES_FIXED_CATEGORIES, amount__isnull=False)
                | Q(category=DuesCategory.FARMER, min_amount__isnull=False),
                name="dues_rate_kind_of_category",
                violation_error_message="在职、离退休按比例；学生、下岗失业、低保为固定月缴额；农民为月缴额范围。",
            ),
            models.CheckConstraint(
                condition=Q(upper__isnull=True) | Q(percent__isnull=False, upper__gt=0),
                name="dues_rate_upper_only_for_brackets",
                violation_error_message="只有按比例交纳的档次可以设置基数上限，且上限应大于0。",
            ),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gt=0, percent__lte=100),
                name="dues_rate_percent_range",
                violation_error_message="交纳比例应大于0且不超过100。",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="dues_rate_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(min_amount__isnull=True) | Q(min_amount__gte=0, max_amount__gte=F("min_amount")),
                name="dues_rate_range_ordered",
                violation_error_message="月缴额下限不能为负数，且不能高于上限。",
            ),
            models.UniqueConstraint(
                fields=["year", "category", "upper"],
                condition=Q(upper__isnull=False),
                name="dues_rate_one_bracket_per_bound",
                violation_error_message="该年度该类别已有相同上限的档次。",
            ),
            models.UniqueConstraint(
                fields=["year", "category"],
                condition=Q(upper__isnull=True),
                name="dues_rate_one_open_row",
                violation_error_message="该年度该类别已有无上限的记录（最高一档或固定标准）。",
            ),
        ]

    def __str__(self):
        label = f"{self.year}年起 {self.get_category_display()}"
        if self.percent is not None:
            bound = f"≤{self.upper}元" if self.upper is not None else "最高一档"
            return f"{label} {bound} {self.percent.normalize():f}%"
        if self.amount is not None:
            return f"{label} 每月{self.amount}元"
        return f"{label} 每月{self.min_amount}—{self.max_amount}元"
