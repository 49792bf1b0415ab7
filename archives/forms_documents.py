"""Forms of the document boxes: filing a document, and an admin's reason for deleting one.

The forms only shape the input; the rules (type by content, size, year, category) are the
service's, whose ValidationError is put back on the form field by field.
"""

from __future__ import annotations

import datetime as dt

from django import forms

from . import rules, selectors
from .services import documents as services

ACCEPT = ".pdf,.docx,.xlsx,.jpg,.jpeg,.png," + ",".join(ct for ct, _label in rules.DOCUMENT_TYPES.values())


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_kind_display()}）"


class DocumentUploadForm(forms.Form):
    year = forms.TypedChoiceField(
        label="年度",
        coerce=int,
        error_messages={"required": "请选择文件所属年度。", "invalid_choice": "请选择列表中的年度。"},
    )
    category = CategoryChoiceField(
        label="类别",
        queryset=selectors.categories(),
        empty_label="请选择“三本五盒”中的类别",
        error_messages={"required": "请选择档案类别。", "invalid_choice": "请选择列表中的类别。"},
    )
    title = forms.CharField(
        label="标题",
        max_length=services.TITLE_MAX,
        error_messages={"required": "请填写标题。", "max_length": "标题不能超过 %(limit_value)d 个字。"},
        widget=forms.TextInput(attrs={"placeholder": "例如：2026年第一季度支部党员大会记录"}),
    )
    tags = forms.CharField(
        label="标签（可选）",
        required=False,
        max_length=services.TAGS_MAX,
        help_text="多个标签用逗号分隔，例如：主题党日，学习教育。",
        error_messages={"max_length": "标签合计不能超过 %(limit_value)d 个字。"},
    )
    file = forms.FileField(
        label="文件",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={
            "required": "请选择要上传的文件。",
            "empty": "文件是空的，请重新选择。",
            "invalid": "没有收到文件，请重新选择。",
        },
    )

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, f"{y}年") for y in rules.ledger_years(today=today)]
        self.fields[
            "file"
        ].help_text = f"支持 {services.ACCEPTED}，不超过 {services.size_text(services.max_bytes())}。"


class DocumentDeleteForm(forms.Form):
    reason = forms.CharField(
        label="删除原因",
        min_length=services.REASON_MIN,
        max_length=services.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="例如：重复上传、上传错误的文件。删除后文件不可恢复，档案记录和删除原因保留。",
        error_messages={
            "required": "请填写删除原因。",
            "min_length": "删除原因至少 %(limit_value)d 个字。",
            "max_length": "删除原因不能超过 %(limit_value)d 个字。",
        },
    )
