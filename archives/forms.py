"""Forms of the archive pages: they parse input; the rules of years and formats live in rules and services."""

from __future__ import annotations

import datetime as dt

from django import forms

from branches.models import Organisation

from . import rules

FORMAT_CHOICES = [("xlsx", "Excel"), ("pdf", "PDF"), ("both", "两者")]
FORMAT_ERROR = "请选择台账格式：Excel、PDF 或两者。"


class LedgerRequestForm(forms.Form):
    """年度台账: the year (the organisation's years up to this one) and the format."""

    year = forms.TypedChoiceField(label="年度", coerce=int, choices=())
    format = forms.ChoiceField(
        label="格式",
        choices=FORMAT_CHOICES,
        initial="xlsx",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": FORMAT_ERROR, "invalid_choice": FORMAT_ERROR},
    )

    def __init__(self, *args, organisation: Organisation, today: dt.date, branch_count: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        years = rules.ledger_years(today=today, founded_on=organisation.founded_on)
        year = self.fields["year"]
        year.choices = [(y, f"{y}年") for y in years]
        year.initial = years[0] if years else None
        if not years:  # founded later this year than today, or a date typed wrong
            wrong = "该组织还没有可以生成台账的年度。"
        elif len(years) == 1:
            wrong = f"只能生成{years[0]}年的台账。"
        else:
            wrong = f"请选择{years[-1]}—{years[0]}年之间的年度。"
        year.error_messages = {"required": "请选择年度。", "invalid_choice": wrong}
        if organisation.is_branch:
            self.fields["format"].help_text = "Excel 为一个工作簿，每个部分一张工作表；PDF 便于打印归档。"
        else:
            self.fields["format"].help_text = (
                f"覆盖下属全部 {branch_count} 个党支部。Excel 为一个工作簿，汇总表每个党支部一行；"
                "PDF 为一个 ZIP 压缩包，内含每个党支部的 PDF 台账和一份汇总表。"
            )
