"""Forms of the dues pages: the month's sheet, the year's bases, a remittance.

The two sheets build one field per member and column (``paid-<id>``,
``amount-<id>``, ``receipt-<id>``; ``category-<id>``, ``base-<id>``) from the rows
the selector returned; a posted field for anyone else is simply not read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django import forms

from . import dues
from .models import DuesCategory
from .services import dues as services

MONEY_ERRORS = {
    "required": "请填写金额。",
    "invalid": "请输入数字金额，例如 12.50。",
    "min_value": "金额不能为负数。",
    "max_decimal_places": "金额最多保留两位小数（精确到分）。",
    "max_digits": "金额过大，请核对。",
    "max_whole_digits": "金额过大，请核对。",
}


class MoneyField(forms.DecimalField):
    """An amount in 元: a number, not negative, at most two decimals. Never a float."""

    def __init__(self, *, min_value=Decimal("0"), **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(max_digits=10, decimal_places=2, min_value=min_value, **kwargs)
        self.error_messages = {**self.error_messages, **MONEY_ERRORS}


class MonthInput(forms.DateInput):
    input_type = "month"

    def format_value(self, value):
        if isinstance(value, dt.date):
            return f"{value:%Y-%m}"
        return value


class MonthField(forms.Field):
    """A month as ``YYYY-MM`` (what ``<input type="month">`` sends), cleaned to its first day."""

    widget = MonthInput
    default_error_messages = {"invalid": "请按“年-月”填写月份，例如 2026-03。"}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value.replace(day=1)
        parsed = parse_month(str(value))
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


def parse_month(value: str | None) -> dt.date | None:
    """``2026-03`` → 2026-03-01; anything else → None."""
    try:
        year, month = (value or "").strip().split("-")[:2]
        return dt.date(int(year), int(month), 1)
    except ValueError:
        return None


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


@dataclass
class MonthLine:
    """One member's line of the month sheet as the template draws it."""

    row: object
    paid: forms.BoundField
    amount: forms.BoundField
    receipt: forms.BoundField

    @property
    def errors(self) -> list[str]:
        return [*self.paid.errors, *self.amount.errors, *self.receipt.errors]


def _mark_invalid(form: forms.Form) -> None:
    for name in form.errors:
        if name in form.fields:
            widget = form.fields[name].widget
            widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()


class DuesMonthForm(forms.Form):
    paid_on = forms.DateField(
        label="交纳日期",
        required=False,
        widget=DateInput(attrs={"class": "form-control"}),
        error_messages={"invalid": "请填写正确的交纳日期。"},
    )

    def __init__(self, data=None, *, rows, today: dt.date, tick_all: bool = False):
        super().__init__(data, initial={"paid_on": today})
        self.rows = rows
        for row in rows:
            pk, name = row.member.pk, row.member.name
            payment = row.payment
            self.fields[f"paid-{pk}"] = forms.BooleanField(
                label=f"{name}已交",
                required=False,
                initial=row.is_paid or (tick_all and row.due is not None),
                widget=forms.CheckboxInput(
                    attrs={"class": "btn-check", "autocomplete": "off", "aria-label": f"{name}已交"}
                ),
            )
            self.fields[f"amount-{pk}"] = MoneyField(
                label=f"{name}实交金额",
                required=False,
                initial=payment.amount_paid if row.is_paid else row.due,
                widget=forms.TextInput(
                    attrs={"class": "form-control", "inputmode": "decimal", "autocomplete": "off"}
                ),
            )
            self.fields[f"receipt-{pk}"] = forms.CharField(
                label=f"{name}收据编号",
                required=False,
                max_length=40,
                initial=payment.receipt_no if payment else "",
                error_messages={"max_length": "收据编号不能超过40个字符。"},
                widget=forms.TextInput(
                    attrs={"class": "form-control", "placeholder": "收据编号", "autocomplete": "off"}
                ),
            )

    def clean(self):
        data = super().clean()
        ticked = False
        for row in self.rows:
            pk = row.member.pk
            if not data.get(f"paid-{pk}"):
                continue
            ticked = True
            amount = data.get(f"amount-{pk}")
            if f"amount-{pk}" in self.errors:
                continue
            if amount is None:
                self.add_error(f"amount-{pk}", "请填写实交金额。")
            elif amount == 0:
                self.add_error(f"amount-{pk}", "已交的金额应大于0；未交请取消勾选。")
            elif row.due is None:
                self.add_error(f"amount-{pk}", "尚未核定党费基数，请先设置本年度党费基数。")
        if ticked and data.get("paid_on") is None and "paid_on" not in self.errors:
            self.add_error("paid_on", "请填写交纳日期。")
        return data

    def lines(self) -> list[MonthLine]:
        if self.is_bound:
            _mark_invalid(self)
        return [
            MonthLine(
                row=row,
                paid=self[f"paid-{row.member.pk}"],
                amount=self[f"amount-{row.member.pk}"],
                receipt=self[f"receipt-{row.member.pk}"],
            )
            for row in self.rows
        ]

    def submitted(self, row) -> bool:
        """Was the member's line on the page the user submitted? (A member added since is left alone.)"""
        return f"amount-{row.member.pk}" in self.data

    def entries(self) -> list[services.MonthEntry]:
        data = self.cleaned_data
        return [
            services.MonthEntry(
                member_id=row.member.pk,
                paid=bool(data.get(f"paid-{row.member.pk}")),
                amount_paid=data.get(f"amount-{row.member.pk}"),
                receipt_no=data.get(f"receipt-{row.member.pk}") or "",
            )
            for row in self.rows
            if self.submitted(row)
        ]


@dataclass
class BaseLine:
    row: object
    category: forms.BoundField
    base: forms.BoundField

    @property
    def errors(self) -> list[str]:
        return [*self.category.errors, *self.base.errors]


class DuesBasesForm(forms.Form):
    def __init__(self, data=None, *, rows):
        super().__init__(data)
        self.rows = rows
        for row in rows:
            pk, name = row.member.pk, row.member.name
            self.fields[f"category-{pk}"] = forms.ChoiceField(
                label=f"{name}党费类别",
                choices=DuesCategory.choices,
                required=False,
                initial=row.category,
                error_messages={"invalid_choice": "请选择党费类别。", "required": "请选择党费类别。"},
                widget=forms.Select(attrs={"class": "form-select"}),
            )
            self.fields[f"base-{pk}"] = MoneyField(
                label=f"{name}基数",
                required=False,
                initial=row.base_amount,
                widget=forms.TextInput(
                    attrs={
                        "class": "form-control",
                        "inputmode": "decimal",
                        "autocomplete": "off",
                        "placeholder": "月工资收入/固定额",
                    }
                ),
            )

    def clean(self):
        data = super().clean()
        for row in self.rows:
            pk = row.member.pk
            category, base = data.get(f"category-{pk}"), data.get(f"base-{pk}")
            if not category or f"base-{pk}" in self.errors or base is None:
                continue  # an empty base leaves the member unset, not wrong
            message = services.base_error(category, base)
            if message:
                self.add_error(f"base-{pk}", message)
        return data

    def lines(self) -> list[BaseLine]:
        if self.is_bound:
            _mark_invalid(self)
        return [
            BaseLine(row=row, category=self[f"category-{row.member.pk}"], base=self[f"base-{row.member.pk}"])
            for row in self.rows
        ]

    def entries(self) -> list[services.BaseEntry]:
        """The lines submitted with a category (a member added since the page was drawn is left alone)."""
        entries = []
        for row in self.rows:
            pk = row.member.pk
            category = self.cleaned_data.get(f"category-{pk}")
            if not category:
                continue
            base = self.cleaned_data.get(f"base-{pk}")
            entries.append(
                services.BaseEntry(
                    member_id=pk, category=category, base=base if dues.needs_base(category) else None
                )
            )
        return entries


class RemittanceForm(forms.Form):
    month_from = MonthField(label="起始月份")
    month_to = MonthField(label="截止月份")
    total = MoneyField(label="上缴金额（元）", min_value=Decimal("0.01"))
    voucher_no = forms.CharField(label="单据编号", max_length=40)
    remitted_on = forms.DateField(label="上缴日期", widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["total"].error_messages["min_value"] = "上缴金额应大于0。"
        self.fields["total"].help_text = "按上级党委开具的单据金额填写。"
        for name in ("month_from", "month_to", "voucher_no", "remitted_on"):
            self.fields[name].error_messages["required"] = f"请填写{self.fields[name].label}。"
        self.fields["total"].error_messages["required"] = "请填写上缴金额。"
        self.fields["remitted_on"].error_messages["invalid"] = "请填写正确的日期。"
