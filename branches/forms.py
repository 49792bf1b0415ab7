"""Forms of the branches pages. Validation of rules happens in services; forms parse input."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import Organisation, OrgKind, Sector


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


PARTY_FOUNDED = dt.date(1921, 7, 1)


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "short_name", "kind", "sector", "code", "founded_on", "address"]
        widgets = {"founded_on": DateInput()}
        help_texts = {"code": "全局唯一，例如 A0101。"}

    def clean_founded_on(self):
        """Not before the Party was founded, not in the future (9999-12-31 was accepted)."""
        founded_on = self.cleaned_data.get("founded_on")
        if founded_on and founded_on < PARTY_FOUNDED:
            raise ValidationError("成立日期不能早于1921年7月1日。")
        if founded_on and founded_on > timezone.localdate():
            raise ValidationError("成立日期不能晚于今天。")
        return founded_on


class OrganisationCreateForm(OrganisationForm):
    def __init__(self, *args, parent=None, **kwargs):
        super().__init__(*args, **kwargs)
        if parent is not None:
            self.fields["sector"].initial = parent.sector
            if parent.kind in (OrgKind.BRANCH, OrgKind.JOINT_BRANCH):
                self.fields["kind"].initial = OrgKind.PARTY_GROUP
            else:
                self.fields["kind"].initial = OrgKind.BRANCH


class DissolveForm(forms.Form):
    on = forms.DateField(label="撤销日期", widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(label="撤销原因", max_length=200, widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(label="我已确认：撤销后该组织不再开展活动，历史记录保留。")


class MoveForm(forms.Form):
    new_parent = forms.ModelChoiceField(label="新的上级组织", queryset=Organisation.objects.none())
    confirm = forms.BooleanField(label="我已确认：本组织及其全部下级组织一并迁移。")

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = candidates


ELECTION_EARLIEST, ELECTION_LATEST = PARTY_FOUNDED, dt.date(2100, 12, 31)


class TermOpenForm(forms.Form):
    number = forms.IntegerField(label="届次（第N届）", min_value=1, max_value=99)
    elected_on = forms.DateField(label="选举日期", widget=DateInput())
    length_years = forms.IntegerField(label="任期（年）", min_value=1, max_value=10)
    expires_on = forms.DateField(
        label="批准的届满日期",
        required=False,
        widget=DateInput(),
        help_text="留空则按任期自动计算；延期或提前换届（不超过1年）须填写批复文号。",
    )
    adjustment_doc_no = forms.CharField(label="批复文号", max_length=60, required=False)
    adjustment_approved_on = forms.DateField(label="批复日期", required=False, widget=DateInput())

    def clean_elected_on(self):
        """Within the Party's history and this century: a far date overflowed the term's expiry (a 500)."""
        elected_on = self.cleaned_data["elected_on"]
        if not ELECTION_EARLIEST <= elected_on <= ELECTION_LATEST:
            raise ValidationError("选举日期应在1921年7月1日至2100年12月31日之间。")
        return elected_on


class TermAdjustForm(forms.Form):
    expires_on = forms.DateField(label="批准的届满日期", widget=DateInput())
    adjustment_doc_no = forms.CharField(label="批复文号", max_length=60)
    adjustment_approved_on = forms.DateField(label="批复日期", widget=DateInput())


class TreeFilterForm(forms.Form):
    q = forms.CharField(label="名称或代码", required=False)
    status = forms.ChoiceField(
        label="换届状态",
        required=False,
        choices=[
            ("", "全部"),
            ("ok", "正常"),
            ("due", "6个月内届满"),
            ("overdue", "已超期"),
            ("none", "未录入届次"),
        ],
    )


SECTOR_CHOICES = Sector.choices


def add_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, field by field where it names fields."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
