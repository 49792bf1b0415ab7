"""The admin's form to adjust a requirement for a sector or one organisation."""

from __future__ import annotations

from django import forms

from branches.forms import DateInput
from branches.models import Sector

from .models import Period
from .selectors_requirements import find_organisation


class OverrideForm(forms.Form):
    sector = forms.ChoiceField(label="领域", choices=[("", "—（不按领域）"), *Sector.choices], required=False)
    organisation_code = forms.CharField(
        label="或：组织代码",
        max_length=30,
        required=False,
        help_text="只调整一个组织时填写其组织代码（与领域二选一）。",
    )
    effective_from = forms.DateField(label="生效日期", widget=DateInput())
    applies = forms.BooleanField(
        label="考核此项", required=False, initial=True, help_text="取消勾选表示该领域/组织不考核此项。"
    )
    period = forms.ChoiceField(label="周期", choices=Period.choices)
    min_count = forms.IntegerField(label="每周期至少次数", min_value=1, max_value=31)
    min_attendance = forms.IntegerField(
        label="出席率不低于（%）",
        min_value=1,
        max_value=100,
        required=False,
        help_text="留空表示不考核出席率。",
    )
    reason = forms.CharField(
        label="调整依据", max_length=200, help_text="文件名称和文号，或会议决定，例如“××党委〔2026〕3号”。"
    )

    def __init__(self, *args, requirement, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.requirement = requirement
        self.user = user
        self.fields["period"].initial = requirement.period
        self.fields["min_count"].initial = requirement.min_count
        self.fields["min_attendance"].initial = requirement.min_attendance
        self.fields[
            "organisation_code"
        ].help_text = f"只调整一个{requirement.get_org_kind_display()}时填写其组织代码（与领域二选一）。"

    def clean(self):
        data = super().clean()
        sector, code = data.get("sector"), (data.get("organisation_code") or "").strip()
        if bool(sector) == bool(code):
            raise forms.ValidationError("请选择一个领域，或者填写一个组织代码（二者选一）。")
        data["organisation"] = None
        if code:
            organisation = find_organisation(self.user, code, self.requirement.org_kind)
            if organisation is None:
                self.add_error(
                    "organisation_code",
                    f"没有找到代码为“{code}”的{self.requirement.get_org_kind_display()}。",
                )
            data["organisation"] = organisation
        return data
