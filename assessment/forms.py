"""Forms of the rating pages. They parse input; the rules (points, stages, periods) live in the services."""

from __future__ import annotations

from django import forms

from branches.forms import DateInput

from .models import ItemType, Stage
from .selectors_ratings import NOT_STARTED

STAR_CHOICES = [(n, f"{n}星") for n in range(5, 0, -1)]


class RatingFilterForm(forms.Form):
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    stage = forms.ChoiceField(
        label="环节", required=False, choices=[("", "全部环节"), (NOT_STARTED, "未开始"), *Stage.choices]
    )
    stars = forms.TypedChoiceField(
        label="星级", required=False, coerce=int, empty_value=None, choices=[("", "全部星级"), *STAR_CHOICES]
    )

    def filters(self, *, default_year: int) -> dict:
        """The valid filters only: a garbage value is ignored, not an error page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "year": data.get("year") or default_year,
            "stage": data.get("stage") or "",
            "stars": data.get("stars"),
        }


class StartForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)


class SelfAssessmentForm(forms.Form):
    """One form for every item the secretary scores: ``points-<item id>`` and ``note-<item id>``."""

    report = forms.CharField(
        label="书记抓党建述职要点",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="供党委述职评议时参考，不超过5000字。",
    )

    def __init__(self, *args, scores, **kwargs):
        super().__init__(*args, **kwargs)
        self.scores = [s for s in scores if s.item.item_type != ItemType.APPRAISAL]
        for score in self.scores:
            item = score.item
            self.fields[f"points-{item.pk}"] = forms.CharField(
                label=item.title,
                required=False,
                initial="" if score.self_points is None else score.self_points,
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "autocomplete": "off", "class": "form-control"}
                ),
            )
            self.fields[f"note-{item.pk}"] = forms.CharField(
                label="说明",
                required=False,
                max_length=500,
                initial=score.self_note,
                widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "说明（可选）"}),
            )

    def entries(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {
            s.item_id: (data.get(f"points-{s.item_id}", ""), data.get(f"note-{s.item_id}", ""))
            for s in self.scores
        }

    def lines(self):
        """(score, points field, note field) for the template, in the items' order."""
        return [(s, self[f"points-{s.item_id}"], self[f"note-{s.item_id}"]) for s in self.scores]


class EvidenceForm(forms.Form):
    item = forms.TypedChoiceField(label="项目", coerce=int)
    file = forms.FileField(label="佐证材料", help_text="PDF、JPG 或 PNG，按文件内容校验。")

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = {i.pk: i for i in items}
        self.fields["item"].choices = [(i.pk, i.title) for i in items]


class ScoreForm(forms.Form):
    """The committee's change of one item (or the 述职评议 score)."""

    item = forms.IntegerField(widget=forms.HiddenInput)
    points = forms.CharField(
        label="考评得分", max_length=12, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    note = forms.CharField(label="调整理由", required=False, max_length=300)


class VetoForm(forms.Form):
    veto = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label="情况说明", max_length=300)


class ReturnForm(forms.Form):
    note = forms.CharField(
        label="退回理由",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="支部书记会收到通知。",
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PeriodMixin(forms.Form):
    starts_on = forms.DateField(label="公示开始", widget=DateInput())
    ends_on = forms.DateField(label="公示结束", widget=DateInput(), help_text="公示期5至30天。")

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "公示结束日期不能早于开始日期。")
        return data


class PublishForm(PeriodMixin):
    note = forms.CharField(
        label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RecheckForm(PeriodMixin):
    stars = forms.TypedChoiceField(
        label="复核结论",
        coerce=int,
        choices=[(5, "5星（维持五星）"), (4, "4星（降为四星）")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="实地复核意见", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    field_order = ["stars", "note", "starts_on", "ends_on"]


class NamingForm(forms.Form):
    stars = forms.TypedChoiceField(label="命名星级", coerce=int, choices=STAR_CHOICES)
    named_on = forms.DateField(label="命名日期", widget=DateInput())
    naming_doc = forms.CharField(label="命名文件文号", max_length=60)
    note = forms.CharField(
        label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
