"""Forms of the meeting pages. They parse input; the rules (times, roster, votes) live in the services."""

from __future__ import annotations

import datetime as dt
import json

from django import forms
from django.core.exceptions import ValidationError

from branches.forms import DateInput

from . import rules
from .models import AttachmentKind, MeetingKind, MeetingStatus, Presence, ResolutionKind
from .services.meetings import GUEST_NAME_MAX, GUEST_UNIT_MAX, MAX_GUESTS, TALK, Mark


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def parse_day(value, *, today: dt.date) -> dt.date | None:
    """A day from a query string or a hidden field; None for garbage or a day out of any sensible range."""
    try:
        day = dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return day if 2000 <= day.year <= today.year + 1 else None


# --- the list --------------------------------------------------------------------------------------


class MeetingFilterForm(forms.Form):
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    kind = forms.ModelChoiceField(
        label="会议类型",
        required=False,
        queryset=MeetingKind.objects.exclude(code=TALK),
        to_field_name="code",
        empty_label="全部类型",
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *MeetingStatus.choices]
    )

    def filters(self) -> dict:
        """The valid filters only: a garbage value is ignored, not an error page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        kind = data.get("kind")
        return {
            "year": data.get("year"),
            "kind": kind.code if kind else "",
            "status": data.get("status") or "",
        }


# --- recording a meeting ---------------------------------------------------------------------------


class MeetingForm(forms.Form):
    """One screen: when, topic, the attendance of everyone expected, then the optional details.

    The attendance fields are made per member: ``a-<pk>`` (出席 / 请假 / 缺席, present when
    missing) and ``r-<pk>`` (the reason of a leave). ``roster_day`` is the day whose roster
    the page shows, so a changed date is noticed before the marks are saved.
    """

    day = forms.DateField(label="日期", widget=DateInput())
    starts_at = forms.TimeField(label="开始时间", widget=TimeInput())
    ends_at = forms.TimeField(label="结束时间", required=False, widget=TimeInput())
    topic = forms.CharField(label="会议主题", max_length=200)
    place = forms.CharField(label="地点", max_length=100, required=False)
    host = forms.CharField(label="主持人", max_length=50, required=False)
    recorder = forms.CharField(label="记录人", max_length=50, required=False)
    lecturer = forms.CharField(label="授课人", max_length=50, required=False)
    agenda = forms.CharField(
        label="议程", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    minutes = forms.CharField(
        label="会议记录", max_length=50000, required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    guests = forms.CharField(
        label="列席人员",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "每行一人：姓名 单位，如\n王明 镇党委组织委员"}
        ),
        help_text=f"非本组织党员到会的，每行一人，姓名与单位之间空一格；最多{MAX_GUESTS}人。",
    )
    roster_day = forms.DateField(required=False, widget=forms.HiddenInput())

    def __init__(
        self,
        *args,
        kind: MeetingKind,
        members,
        marks: dict[int, Mark] | None = None,
        roster_url: str = "",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.members = list(members)
        if not kind.has_lecturer:
            del self.fields["lecturer"]
        if roster_url:
            # A new date may change who is expected: htmx fetches that day's attendance list
            # (without JavaScript the server notices the change on saving, see views).
            self.fields["day"].widget.attrs.update(
                {
                    "hx-get": roster_url,
                    "hx-trigger": "change",
                    "hx-include": "this",
                    "hx-vals": json.dumps({"kind": kind.code}),
                    "hx-select": "#attendance",
                    "hx-target": "#attendance",
                    "hx-swap": "outerHTML",
                }
            )
        marks = marks or {}
        for member in self.members:
            mark = marks.get(member.pk, Mark())
            self.fields[f"a-{member.pk}"] = forms.ChoiceField(
                label=member.name,
                choices=Presence.choices,
                required=False,
                initial=mark.presence,
                widget=forms.RadioSelect,
            )
            self.fields[f"r-{member.pk}"] = forms.CharField(
                label=f"{member.name}的请假事由", max_length=100, required=False, initial=mark.reason
            )

    def lines(self) -> list[dict]:
        """The attendance rows as the template draws them, with the value entered (or the initial one)."""
        rows = []
        for member in self.members:
            presence = self[f"a-{member.pk}"]
            reason = self[f"r-{member.pk}"]
            value = presence.value() or Presence.PRESENT
            rows.append(
                {
                    "member": member,
                    "name": presence.html_name,
                    "value": value if value in Presence.values else "",
                    "reason": reason,
                    "errors": [*presence.errors, *reason.errors],
                }
            )
        return rows

    @property
    def attendance_errors(self) -> bool:
        return any(self.errors.get(f"{p}-{m.pk}") for m in self.members for p in "ar")

    def attendance(self) -> dict[int, Mark]:
        data = self.cleaned_data
        return {
            member.pk: Mark(data.get(f"a-{member.pk}") or Presence.PRESENT, data.get(f"r-{member.pk}") or "")
            for member in self.members
        }

    def clean_guests(self) -> str:
        """Each line's name (≤ 50 characters) and unit (≤ 100) fit: refused with the line, never cut short."""
        text = self.cleaned_data.get("guests") or ""
        for number, line in enumerate(text.splitlines(), start=1):
            parts = line.split(maxsplit=1)
            if parts and len(parts[0]) > GUEST_NAME_MAX:
                raise ValidationError(f"第{number}行：姓名不能超过{GUEST_NAME_MAX}个字符。")
            if len(parts) > 1 and len(parts[1].strip()) > GUEST_UNIT_MAX:
                raise ValidationError(f"第{number}行：单位不能超过{GUEST_UNIT_MAX}个字符。")
        return text

    def guest_list(self) -> list[tuple[str, str]]:
        """ "姓名 单位" one a line; the first space (also a full-width one) separates the two."""
        found = []
        for line in (self.cleaned_data.get("guests") or "").splitlines():
            parts = line.split(maxsplit=1)
            if parts:
                found.append((parts[0], parts[1].strip() if len(parts) > 1 else ""))
        return found

    def times(self) -> tuple[dt.datetime, dt.datetime | None]:
        """Start and end as aware datetimes in Asia/Shanghai (the end on the same day)."""
        day = self.cleaned_data["day"]
        starts_at = dt.datetime.combine(day, self.cleaned_data["starts_at"], tzinfo=rules.LOCAL_TZ)
        end = self.cleaned_data.get("ends_at")
        ends_at = dt.datetime.combine(day, end, tzinfo=rules.LOCAL_TZ) if end else None
        return starts_at, ends_at

    def text(self) -> dict[str, str]:
        names = ("topic", "place", "host", "recorder", "lecturer", "agenda", "minutes")
        return {name: self.cleaned_data.get(name, "") for name in names}


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="退回原因",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="写明需要补正的内容，书记会收到通知。",
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="作废原因",
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="作废后记录保留但不再计入组织生活次数。",
    )


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=AttachmentKind.choices)
    file = forms.FileField(
        label="文件",
        help_text="PDF、JPG 或 PNG，单个文件不超过 10 MB。",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/*"}),
    )


# --- votes -----------------------------------------------------------------------------------------


class ResolutionForm(forms.Form):
    """A vote: the subject is one grouped select; the service checks that kind and stage agree."""

    kind = forms.ChoiceField(
        label="表决事项",
        choices=ResolutionKind.choices,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
        initial=ResolutionKind.ADMIT,
    )
    subject = forms.TypedChoiceField(label="表决对象", required=False, coerce=int, empty_value=None)
    title = forms.CharField(
        label="事项名称", max_length=200, required=False, help_text="“其他事项”必填；接收、转正可留空。"
    )
    yes = forms.IntegerField(label="赞成", min_value=0, initial=0)
    no = forms.IntegerField(label="反对", min_value=0, initial=0)
    abstain = forms.IntegerField(label="弃权", min_value=0, initial=0)
    written_yes = forms.IntegerField(label="书面意见赞成", min_value=0, initial=0, required=False)
    written_no = forms.IntegerField(label="书面意见反对", min_value=0, initial=0, required=False)

    def __init__(self, *args, candidates, probationary, **kwargs):
        super().__init__(*args, **kwargs)
        self.subjects = {m.pk: m for m in [*candidates, *probationary]}
        groups = [("", "— 请选择 —")]
        if candidates:
            groups.append(("发展对象（接收预备党员）", [(m.pk, m.name) for m in candidates]))
        if probationary:
            groups.append(("预备党员（转正）", [(m.pk, m.name) for m in probationary]))
        self.fields["subject"].choices = groups
        for name in ("yes", "no", "abstain", "written_yes", "written_no"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "class": "form-control"})

    def subject_member(self):
        pk = self.cleaned_data.get("subject")
        if self.cleaned_data.get("kind") == ResolutionKind.OTHER:
            return None
        return self.subjects.get(pk)

    def counts(self) -> dict[str, int]:
        return {
            name: self.cleaned_data.get(name) or 0
            for name in ("yes", "no", "abstain", "written_yes", "written_no")
        }


class ExclusionForm(forms.Form):
    member = forms.TypedChoiceField(label="党员", coerce=int)
    reason = forms.CharField(
        label="原因", max_length=100, help_text="如长期患病、出国出境或外出半年以上、卧床不起等。"
    )
    approval = forms.CharField(label="上级党组织同意的文号或说明", max_length=100)

    def __init__(self, *args, voters, **kwargs):
        super().__init__(*args, **kwargs)
        self.voters = {m.pk: m for m in voters}
        self.fields["member"].choices = [("", "— 请选择 —"), *((m.pk, m.name) for m in voters)]

    def member_obj(self):
        return self.voters[self.cleaned_data["member"]]
