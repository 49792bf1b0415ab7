"""Forms of 谈心谈话 and 民主评议. They parse input; the rules live in services/talks.py."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from branches.forms import DateInput

from .models import AppraisalResult, TalkOccasion


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_stage_display()}）"


class TalkForm(forms.Form):
    member_a = MemberChoiceField(
        label="谈话人", queryset=None, empty_label="请选择", error_messages={"required": "请选择谈话人。"}
    )
    member_b = MemberChoiceField(
        label="谈话对象", queryset=None, empty_label="请选择", error_messages={"required": "请选择谈话对象。"}
    )
    on = forms.DateField(label="谈话日期", widget=DateInput(), initial=timezone.localdate)
    occasion = forms.ChoiceField(label="类别", choices=TalkOccasion.choices, initial=TalkOccasion.REGULAR)
    note = forms.CharField(
        label="谈话要点",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="可简要记录谈话内容和意见建议，不必逐字记录。",
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member_a"].queryset = members
        self.fields["member_b"].queryset = members


RESULT_CHOICES = [("", "未评"), *AppraisalResult.choices]


class AppraisalForm(forms.Form):
    """One row per party member: a grade (or none) and an optional note."""

    def __init__(self, *args, members, results, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for member in self.members:
            current = results.get(member.pk)
            self.fields[f"result_{member.pk}"] = forms.ChoiceField(
                label=member.name,
                choices=RESULT_CHOICES,
                required=False,
                initial=current.result if current else "",
                widget=forms.RadioSelect,
            )
            self.fields[f"note_{member.pk}"] = forms.CharField(
                label=f"{member.name}的说明",
                required=False,
                max_length=200,
                initial=current.note if current else "",
            )

    def rows(self):
        """(member, result field, note field) in roster order, for the template."""
        return [(m, self[f"result_{m.pk}"], self[f"note_{m.pk}"]) for m in self.members]

    def results(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {m.pk: (data[f"result_{m.pk}"], data[f"note_{m.pk}"]) for m in self.members}
