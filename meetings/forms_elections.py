"""Forms of 换届选举: they parse what was typed; every rule is checked again by the service."""

from __future__ import annotations

from django import forms

from members.models import Position

from .services.elections import DOC_MAX, MAX_SEATS


class CandidateChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, member):
        parts = [member.get_gender_display()]
        if member.birth_date:
            parts.append(f"{member.birth_date:%Y年%m月}生")
        if member.education:
            parts.append(member.get_education_display())
        return f"{member.name}（{'，'.join(parts)}）"


def _doc_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=DOC_MAX, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class ElectionForm(forms.Form):
    """起草请示: the size of the committee and the candidates."""

    seats = forms.IntegerField(
        label="委员名额",
        min_value=1,
        max_value=MAX_SEATS,
        help_text="支部委员会一般为3至7名；党员不足7人的支部不设委员会，只选书记（1名）。",
    )
    has_deputy = forms.BooleanField(label="设副书记", required=False)
    candidates = CandidateChoice(
        label="候选人（本支部正式党员）",
        queryset=None,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "election-candidate"}),
        error_messages={"invalid_choice": "所选人员不是本组织的正式党员，不能作为候选人。"},
    )
    note = forms.CharField(
        label="请示说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidates"].queryset = members


class DocForm(forms.Form):
    doc_no = _doc_field("文号")

    def __init__(self, *args, label: str = "文号", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doc_no"].label = label


class ApproveForm(forms.Form):
    doc_no = _doc_field("批复文号")
    seats = forms.IntegerField(
        label="批复的委员名额", min_value=1, max_value=MAX_SEATS, required=False, help_text="不调整请留空。"
    )
    note = forms.CharField(
        label="批复意见", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, label: str = "理由", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label


class MeetingForm(forms.Form):
    meeting = forms.ModelChoiceField(
        label="选举大会（已提交的党员大会记录）",
        queryset=None,
        empty_label="请选择",
        error_messages={"invalid_choice": "请选择本组织已提交的党员大会。"},
    )

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings
        self.fields["meeting"].label_from_instance = lambda m: (
            f"{m.starts_at.astimezone(_tz()):%Y-%m-%d} {m.topic}"
            f"（出席{m.present_count}/{m.expected_count}人）"
        )


def _tz():
    from .rules import LOCAL_TZ

    return LOCAL_TZ


def _count(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=100000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "form-control form-control-sm"}),
        error_messages={"required": "请填写。", "min_value": "不能为负数。", "invalid": "请填写整数。"},
    )


class BallotForm(forms.Form):
    """One round: ballots issued and returned, yes / no / abstain per standing candidate."""

    issued = _count("发出选票")
    returned = _count("收回选票")
    checked = forms.BooleanField(
        label="计票结果已经监票人、计票人核对无误（录入后不能修改）",
        error_messages={"required": "请确认计票结果已核对无误。"},
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        for c in self.candidates:
            for key, label in (("yes", "赞成"), ("no", "不赞成"), ("abstain", "弃权")):
                self.fields[f"{key}_{c.pk}"] = _count(f"{c.member.name}{label}")

    def rows(self):
        return [
            (c, self[f"yes_{c.pk}"], self[f"no_{c.pk}"], self[f"abstain_{c.pk}"]) for c in self.candidates
        ]

    def counts(self) -> dict[int, tuple[int, int, int]]:
        d = self.cleaned_data
        return {c.pk: (d[f"yes_{c.pk}"], d[f"no_{c.pk}"], d[f"abstain_{c.pk}"]) for c in self.candidates}


class ReportForm(forms.Form):
    """报告选举结果: a position for each elected member and the report's document number."""

    doc_no = _doc_field("结果报告文号")

    def __init__(self, *args, elected, has_deputy: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.elected = list(elected)
        choices = [("", "请选择")] + [
            (value, label) for value, label in Position.choices if has_deputy or value != Position.DEPUTY
        ]
        for n, c in enumerate(self.elected):
            initial = c.position or (Position.SECRETARY if n == 0 else "")
            self.fields[f"position_{c.pk}"] = forms.ChoiceField(
                label=c.member.name,
                choices=choices,
                initial=initial,
                error_messages={"required": "请选择分工。", "invalid_choice": "分工不正确。"},
            )

    def rows(self):
        return [(c, self[f"position_{c.pk}"]) for c in self.elected]

    def positions(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data[f"position_{c.pk}"] for c in self.elected}
