"""Forms of the roster pages (member record, leaving, appointments)."""

from django import forms
from django.utils import timezone

from branches.forms import DateInput
from branches.models import Organisation

from .models import LeaveKind, Member, Position

MEMBER_FIELDS = [
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number",
    "education",
    "phone",
    "work_unit",
    "post",
    "party_group",
    "dues_category",
]
STAGE_FIELDS = [
    "stage",
    "applied_on",
    "activist_on",
    "candidate_on",
    "admitted_on",
    "admission_doc_no",
    "confirmed_on",
    "confirmation_doc_no",
]


class MemberForm(forms.ModelForm):
    """The person's details; a new record also takes the stage and its dates."""

    class Meta:
        model = Member
        fields = MEMBER_FIELDS + STAGE_FIELDS
        widgets = {
            f: DateInput()
            for f in (
                "birth_date",
                "applied_on",
                "activist_on",
                "candidate_on",
                "admitted_on",
                "confirmed_on",
            )
        }
        help_texts = {"id_number": "18位，末位可为X；全角字符和空格会自动规范。"}

    def __init__(self, *args, branch: Organisation, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_group"].queryset = Organisation.objects.filter(
            parent=branch, kind="party_group", status="active"
        )
        self.fields["party_group"].required = False
        if not creating:
            # Stage moves go through the development pipeline, not a free edit.
            for name in STAGE_FIELDS:
                del self.fields[name]

    def _post_clean(self):
        # Validation of the ID number against birth date and gender is the service's job.
        pass


class LeaveForm(forms.Form):
    kind = forms.ChoiceField(label="离开方式", choices=[("", "请选择")] + LeaveKind.choices)
    on = forms.DateField(label="日期", widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(label="原因/说明", max_length=200, widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(label="我已确认：该党员将移出花名册，记录保留可查。")


class AppointmentForm(forms.Form):
    member = forms.ModelChoiceField(label="党员", queryset=Member.objects.none())
    position = forms.ChoiceField(label="职务", choices=Position.choices)
    title = forms.CharField(label="职务名称（其他委员时填写）", max_length=30, required=False)
    appointed_on = forms.DateField(label="任职日期", widget=DateInput(), initial=timezone.localdate)

    def __init__(self, *args, branch: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.filter(
            organisation=branch, status="active", stage="full"
        ).order_by("name")


class RosterFilterForm(forms.Form):
    q = forms.CharField(label="姓名或单位", required=False)
    stage = forms.ChoiceField(
        label="类别",
        required=False,
        choices=[("", "全部"), ("party", "党员（正式+预备）")]
        + list(Member._meta.get_field("stage").choices),
    )
    order = forms.ChoiceField(
        label="排序",
        required=False,
        choices=[("name", "按支部和姓名"), ("completeness", "信息完整度从低到高")],
    )
