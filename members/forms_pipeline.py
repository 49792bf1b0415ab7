"""Forms of the pipeline, transfer and mobility pages. They parse input; the rules live in the services."""

from django import forms
from django.utils import timezone

from branches.forms import DateInput

from .models import Gender, Member, Stage
from .selectors_pipeline import find_transfer_target
from .services.pipeline import DOCUMENT_REQUIRED

DOCUMENT_HELP = {
    Stage.ACTIVIST: "支部委员会会议记录或决定，可不填。",
    Stage.CANDIDATE: "支部委员会决定及上级党委备案意见，可不填。",
    Stage.PROBATIONARY: "支部党员大会决议及上级党委审批的文号，例如“××党委〔2026〕12号”。",
    Stage.FULL: "支部党员大会决议及上级党委审批的文号。",
}
DATE_LABEL = {
    Stage.ACTIVIST: "确定为入党积极分子日期",
    Stage.CANDIDATE: "确定为发展对象日期",
    Stage.PROBATIONARY: "接收为预备党员日期（支部党员大会通过之日）",
    Stage.FULL: "转正日期（支部党员大会通过之日）",
}


class StageAdvanceForm(forms.Form):
    to_stage = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)
    on = forms.DateField(label="日期", widget=DateInput(), initial=timezone.localdate)
    document = forms.CharField(label="依据文件/文号", max_length=60, required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, to_stage: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].initial = to_stage
        self.fields["on"].label = DATE_LABEL.get(to_stage, "日期")
        self.fields["document"].help_text = DOCUMENT_HELP.get(to_stage, "")
        if to_stage in DOCUMENT_REQUIRED:
            self.fields["document"].required = True
            self.fields["document"].label = "决议/批复文号"
            self.fields["document"].error_messages["required"] = "请填写支部党员大会决议或上级批复的文号。"


class ProbationExtendForm(forms.Form):
    months = forms.IntegerField(
        label="延长月数",
        min_value=1,
        max_value=24,
        help_text="延长预备期只能一次，时间为6至12个月。",
    )
    on = forms.DateField(
        label="决定日期（支部党员大会通过之日）", widget=DateInput(), initial=timezone.localdate
    )
    document = forms.CharField(
        label="决议/批复文号",
        max_length=60,
        error_messages={"required": "请填写支部党员大会决议或上级批复的文号。"},
    )
    note = forms.CharField(label="延长原因", max_length=200, required=False)


class TransferInternalForm(forms.Form):
    to_code = forms.CharField(
        label="接收党支部的组织代码",
        max_length=32,
        help_text="可从下拉建议中选择本级党委下的支部，也可输入系统内任一党支部的组织代码。",
        widget=forms.TextInput(attrs={"list": "transfer-targets", "autocomplete": "off"}),
    )
    letter_no = forms.CharField(label="介绍信编号", max_length=60, required=False)
    on = forms.DateField(label="转出日期", widget=DateInput(), initial=timezone.localdate)

    def clean_to_code(self):
        org = find_transfer_target(self.cleaned_data["to_code"])
        if org is None:
            raise forms.ValidationError("系统内没有该组织代码对应的正常运行的党支部。")
        self.cleaned_data["to_organisation"] = org
        return org.code


class TransferExternalForm(forms.Form):
    external_organisation = forms.CharField(label="转往的党组织", max_length=100)
    letter_no = forms.CharField(label="介绍信编号", max_length=60)
    on = forms.DateField(label="转出日期", widget=DateInput(), initial=timezone.localdate)


class TransferInForm(forms.ModelForm):
    """A party member arriving from outside the portal, with the letter that introduces them."""

    external_organisation = forms.CharField(label="原所在党组织", max_length=100)
    letter_no = forms.CharField(label="介绍信编号", max_length=60)
    on = forms.DateField(label="转入日期", widget=DateInput(), initial=timezone.localdate)
    stage = forms.ChoiceField(
        label="类别", choices=[(Stage.FULL, Stage.FULL.label), (Stage.PROBATIONARY, Stage.PROBATIONARY.label)]
    )

    class Meta:
        model = Member
        fields = [
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "id_number",
            "education",
            "phone",
            "work_unit",
            "post",
            "dues_category",
            "stage",
            "admitted_on",
            "admission_doc_no",
            "confirmed_on",
            "confirmation_doc_no",
        ]
        widgets = {f: DateInput() for f in ("birth_date", "admitted_on", "confirmed_on")}

    field_order = ["external_organisation", "letter_no", "on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gender"].choices = Gender.choices
        self.fields["admitted_on"].required = True

    def member_fields(self) -> dict:
        return {f: self.cleaned_data[f] for f in self.Meta.fields}


class TransferDecideForm(forms.Form):
    """Either side of the decision page; which one is the POST's ``decision`` (accept / refuse)."""

    on = forms.DateField(label="办理日期", widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(
        label="退回原因", max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TransferWithdrawForm(forms.Form):
    on = forms.DateField(label="撤回日期", widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(label="撤回原因", max_length=150, widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(label="我已确认：撤回后该党员仍在本支部花名册，对方不再能接收。")


class MobilityForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = [
            "is_mobile",
            "mobile_destination",
            "mobile_since",
            "last_report_on",
            "is_lost",
            "lost_since",
        ]
        widgets = {f: DateInput() for f in ("mobile_since", "last_report_on", "lost_since")}
        labels = {"is_mobile": "流动党员（外出6个月以上）", "is_lost": "失联党员"}
        help_texts = {
            "mobile_destination": "外出的地区和单位，例如“浙江省杭州市 某某公司”。",
            "last_report_on": "流动党员每年至少向支部汇报一次。",
        }


class ReportForm(forms.Form):
    on = forms.DateField(label="汇报日期", widget=DateInput(), initial=timezone.localdate)
