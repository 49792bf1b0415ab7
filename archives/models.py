"""Archives (DOMAIN §6): generated annual ledgers (年度台账) and the document boxes (三本五盒)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from branches.models import Organisation


class LedgerFormat(models.TextChoices):
    XLSX = "xlsx", "Excel"
    PDF = "pdf", "PDF"


class LedgerStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class LedgerFile(models.Model):
    """One version of an organisation's annual ledger in one format.

    Asking again makes a new version; a failed build keeps its reason and never touches
    the earlier versions' files. A committee's ledger covers its whole subtree; its PDF
    is a ZIP of per-branch PDFs and a summary PDF (``is_zip``).
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name="组织", on_delete=models.PROTECT, related_name="ledger_files"
    )
    year = models.PositiveSmallIntegerField("年度")
    format = models.CharField("格式", max_length=8, choices=LedgerFormat.choices)
    version = models.PositiveIntegerField("版本")
    subtree = models.BooleanField("含下级组织", default=False)
    status = models.CharField(
        "状态", max_length=10, choices=LedgerStatus.choices, default=LedgerStatus.QUEUED, db_index=True
    )
    file = models.FileField("文件", upload_to="ledgers/%Y/", blank=True, max_length=255)
    filename = models.CharField("下载文件名", max_length=200, blank=True)
    size = models.PositiveBigIntegerField("大小（字节）", default=0)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    # Progress, written by the task (and by each branch's subtask of a subtree PDF).
    percent = models.PositiveSmallIntegerField("进度（%）", default=0)
    step = models.CharField("当前环节", max_length=60, blank=True)
    parts_total = models.PositiveIntegerField("分项总数", default=0)
    parts_done = models.PositiveIntegerField("已完成分项", default=0)
    task_id = models.CharField("任务编号", max_length=64, blank=True)
    # When the job last showed life (claimed, progress, a branch's part done): a running ledger silent
    # for settings.LEDGER_STALE_MINUTES has lost its worker (services/sweeper.py).
    heartbeat_at = models.DateTimeField("最近进展时间", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("生成次数", default=0)
    error = models.CharField("失败原因", max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "年度台账文件"
        verbose_name_plural = "年度台账文件"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "format", "version"], name="ledger_file_version_once"
            ),
            models.CheckConstraint(
                condition=Q(format__in=LedgerFormat.values), name="ledger_file_format_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=LedgerStatus.values), name="ledger_file_status_valid"
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="ledger_file_percent_at_most_100"),
        ]
        indexes = [models.Index(fields=["organisation", "year", "format"], name="ledger_file_org_year")]

    def __str__(self):
        return f"{self.organisation} {self.year}年度台账（{self.get_format_display()}）第{self.version}版"

    @property
    def is_zip(self) -> bool:
        return self.format == LedgerFormat.PDF and self.subtree

    @property
    def extension(self) -> str:
        return ".zip" if self.is_zip else f".{self.format}"

    @property
    def finished(self) -> bool:
        return self.status in (LedgerStatus.DONE, LedgerStatus.FAILED)


class BoxKind(models.TextChoices):
    BOOK = "book", "本"
    BOX = "box", "盒"


class DocumentCategory(models.Model):
    """A book (本) or box (盒) of the 三本五盒 filing system; categories are data (defaults.py)."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50)
    kind = models.CharField("类别", max_length=8, choices=BoxKind.choices)
    description = models.CharField("收录内容", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "档案类别"
        verbose_name_plural = "档案类别（三本五盒）"
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=BoxKind.values), name="doc_category_kind_valid")
        ]

    def __str__(self):
        return self.name


class Document(models.Model):
    """A filed document. Deleting (admins only, with a reason) removes the file, keeps this record."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="组织", on_delete=models.PROTECT, related_name="documents"
    )
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    category = models.ForeignKey(
        DocumentCategory, verbose_name="类别", on_delete=models.PROTECT, related_name="documents"
    )
    title = models.CharField("标题", max_length=200)
    tags = models.CharField("标签", max_length=200, blank=True, help_text="多个标签用逗号分隔")
    file = models.FileField("文件", upload_to="documents/%Y/%m/", blank=True, max_length=255)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    deleted_at = models.DateTimeField("删除时间", null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="删除人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    delete_reason = models.CharField("删除原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "档案文件"
        verbose_name_plural = "档案文件"
        ordering = ["-year", "category__order", "-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "year", "category"], name="document_org_year_cat")]
        constraints = [
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) | ~Q(delete_reason=""),
                name="document_delete_needs_reason",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def tag_list(self) -> list[str]:
        return [t for t in (part.strip() for part in self.tags.replace("，", ",").split(",")) if t]
