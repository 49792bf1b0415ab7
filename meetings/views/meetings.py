"""Meeting records: the list, "记录会议" on a phone, the record's page, edit, submit, return, cancel, files.

The branch's secretary records (``can_record``); a reviewer of a committee above
reads and may return a submitted record; anyone else gets 404.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches import access
from branches import selectors as branch_selectors
from branches.forms import add_errors
from branches.models import OrgKind

from .. import rules, selectors
from ..forms import AttachmentForm, CancelForm, MeetingFilterForm, MeetingForm, ReturnForm, parse_day
from ..models import MeetingEventKind, MeetingStatus, Presence
from ..services import attachments as attachment_services
from ..services import meetings as services

PAGE_SIZE = 50


def _crumbs(request, org) -> list:
    return branch_selectors.organisation_crumbs(request.user, org)


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(rules.LOCAL_TZ) if moment else None


def _default_start(day: dt.date, now: dt.datetime) -> dt.time:
    """Today: the current half hour (never in the future); another day: nine in the morning."""
    local = now.astimezone(rules.LOCAL_TZ)
    if day == local.date():
        return dt.time(local.hour, 30 if local.minute >= 30 else 0)
    return dt.time(9, 0)


# --- the list ----------------------------------------------------------------------------------------


@require_GET
def meeting_list(request, pk):
    org = selectors.get_meeting_org_or_404(request.user, pk)
    form = MeetingFilterForm(request.GET)
    filters = form.filters()
    page = Paginator(selectors.meetings_of(org, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "org": org,
            "form": form,
            "page": page,
            "years": range(today.year, today.year - 6, -1),
            "filters": filters,
            "can_record": org.is_active and access.can_record(request.user, org),
            "is_group": org.kind == OrgKind.PARTY_GROUP,
            "breadcrumb": _crumbs(request, org),
        },
    )


# --- recording and editing ----------------------------------------------------------------------------


def _find_kind(kinds, code):
    return next((k for k in kinds if k.code == code), None)


def _meeting_form(request, *, org, kind, kinds, meeting=None):
    """The one screen of record and edit: GET shows the day's roster, POST saves with one service call."""
    now = timezone.now()
    today = timezone.localdate()
    if meeting is not None:
        held_on = rules.local_day(meeting.starts_at)
        marks = {a.member_id: services.Mark(a.presence, a.reason) for a in meeting.attendances.all()}
        initial = {
            "day": held_on,
            "starts_at": _local(meeting.starts_at).time(),
            "ends_at": _local(meeting.ends_at).time() if meeting.ends_at else None,
            "guests": "\n".join(f"{g.name} {g.note}".strip() for g in meeting.guests.all()),
            **{name: getattr(meeting, name) for name in services.TEXT_FIELDS},
        }
    else:
        held_on = today
        marks = {}
        initial = {}
    if request.method == "POST":
        roster_day = (
            parse_day(request.POST.get("roster_day"), today=today)
            or parse_day(request.POST.get("day"), today=today)
            or held_on
        )
    else:
        asked = request.GET.get("date") or request.GET.get("day")
        roster_day = parse_day(asked, today=today) or held_on
    initial["day"] = roster_day
    initial["roster_day"] = roster_day
    initial.setdefault("starts_at", _default_start(roster_day, now))
    base = (
        reverse("meetings:edit", args=[meeting.pk])
        if meeting is not None
        else reverse("meetings:record", args=[org.pk])
    )
    members = list(services.expected_members(org, kind, roster_day))
    data = request.POST if request.method == "POST" else None
    form = MeetingForm(data, kind=kind, members=members, marks=marks, initial=initial, roster_url=base)

    if data is not None and form.is_valid():
        day = form.cleaned_data["day"]
        if day != roster_day:
            moved = list(services.expected_members(org, kind, day))
            if [m.pk for m in moved] != [m.pk for m in members]:
                # The roster of the new day differs: show it, keep every mark entered, save nothing yet.
                data = data.copy()
                data["roster_day"] = day.isoformat()
                roster_day = day
                form = MeetingForm(
                    data, kind=kind, members=moved, marks=marks, initial=initial, roster_url=base
                )
                form.is_valid()
                form.add_error(None, "会议日期已改变，出席名单已按新日期更新，请核对出席情况后再保存。")
        if form.is_valid():
            starts_at, ends_at = form.times()
            submit = data.get("action") == "submit"
            try:
                saved = services.meeting_save(
                    organisation=org,
                    kind=kind,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    attendance=form.attendance(),
                    guests=form.guest_list(),
                    submit=submit,
                    by=request.user,
                    meeting=meeting,
                    now=now,
                    **form.text(),
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                done = "已提交" if saved.status == MeetingStatus.SUBMITTED and submit else "已保存"
                late = (
                    "（录入时间距会议已超过规定天数，标记为补录）"
                    if saved.is_late and meeting is None
                    else ""
                )
                messages.success(request, f"{done}会议记录：{saved.kind.name}“{saved.topic}”{late}。")
                return redirect(saved)

    more = ("place", "host", "recorder", "lecturer", "agenda", "minutes", "guests")
    return render(
        request,
        "meetings/meeting_form.html",
        {
            "org": org,
            "kind": kind,
            "kinds": kinds,
            "meeting": meeting,
            "form": form,
            "lines": form.lines(),
            "roster_day": roster_day,
            "action": f"{base}?kind={kind.code}",
            "base_url": base,
            "presences": Presence.choices,
            "more_open": meeting is not None or any(form.errors.get(name) for name in more),
            "breadcrumb": _crumbs(request, org),
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_record(request, pk):
    """记录会议: without ?kind= the kinds, the most needed first; with it, the one-screen form."""
    org = selectors.get_meeting_org_or_404(request.user, pk, record=True)
    if not org.is_active:
        raise Http404("该组织已撤销，不能记录会议。")
    kinds = list(services.kinds_for(org))
    kind = _find_kind(kinds, request.GET.get("kind"))
    if kind is None and len(kinds) == 1 and "kind" not in request.GET:
        kind = kinds[0]  # a party group records only its group meetings: no choice to make
    if kind is None:
        if request.method == "POST":
            return redirect("meetings:record", org.pk)
        today = timezone.localdate()
        groups = []
        if org.kind != OrgKind.PARTY_GROUP:
            groups = list(
                branch_selectors.organisation_children(request.user, org).filter(
                    kind=OrgKind.PARTY_GROUP, status="active"
                )
            )
        return render(
            request,
            "meetings/record_choose.html",
            {
                "org": org,
                "kinds": selectors.suggested_kinds(org, kinds, today),
                "groups": groups,
                "breadcrumb": _crumbs(request, org),
            },
        )
    return _meeting_form(request, org=org, kind=kind, kinds=kinds)


@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk):
    meeting = selectors.get_meeting_or_404(request.user, pk, record=True)
    if not meeting.is_editable:
        messages.error(request, "该会议记录已作废，不能修改。")
        return redirect(meeting)
    org = meeting.organisation
    kinds = list(services.kinds_for(org))
    kind = _find_kind(kinds, request.GET.get("kind")) or meeting.kind
    return _meeting_form(request, org=org, kind=kind, kinds=kinds, meeting=meeting)


# --- the record's page ------------------------------------------------------------------------------


VERSION_FIELDS = (
    ("kind", "会议类型"),
    ("topic", "主题"),
    ("place", "地点"),
    ("host", "主持人"),
    ("recorder", "记录人"),
    ("lecturer", "授课人"),
)


def _version_view(version) -> dict:
    """An earlier version's content, ready to show (the JSON as MeetingVersion keeps it)."""
    content = version.content or {}
    labels = dict(Presence.choices)
    attendance = [
        {"name": row[1], "presence": labels.get(row[2], row[2]), "reason": row[3]}
        for row in content.get("attendance", [])
        if isinstance(row, list) and len(row) >= 4
    ]

    def moment(name):
        try:
            return _local(dt.datetime.fromisoformat(content.get(name) or ""))
        except ValueError:
            return None

    return {
        "version": version,
        "fields": [(label, content.get(name)) for name, label in VERSION_FIELDS if content.get(name)],
        "starts_at": moment("starts_at"),
        "ends_at": moment("ends_at"),
        "agenda": content.get("agenda", ""),
        "minutes": content.get("minutes", ""),
        "attendance": attendance,
        "present": sum(1 for a in attendance if a["presence"] == labels[Presence.PRESENT]),
        "guests": content.get("guests", []),
        "status": dict(MeetingStatus.choices).get(content.get("status"), ""),
    }


def _detail_context(request, meeting, **extra) -> dict:
    user = request.user
    attendances = list(meeting.attendances.select_related("member").order_by("member__name", "member_id"))
    grouped = {value: [] for value in Presence.values}
    for row in attendances:
        grouped.setdefault(row.presence, []).append(row)
    events = list(meeting.events.select_related("by"))
    returned = [e for e in events if e.kind == MeetingEventKind.RETURNED]
    can_record = meeting.is_editable and access.can_record(user, meeting.organisation)
    can_review = access.can_review(user, meeting.branch)
    return {
        "meeting": meeting,
        "org": meeting.organisation,
        "starts_at": _local(meeting.starts_at),
        "ends_at": _local(meeting.ends_at),
        "present": grouped[Presence.PRESENT],
        "leave": grouped[Presence.LEAVE],
        "absent": grouped[Presence.ABSENT],
        "guests": list(meeting.guests.all()),
        "attachments": list(meeting.attachments.select_related("uploaded_by")),
        "resolutions": list(meeting.resolutions.select_related("subject")),
        "events": events,
        "last_return": returned[-1] if returned else None,
        "versions": [_version_view(v) for v in meeting.versions.select_related("saved_by")],
        "can_record": can_record,
        "can_submit": can_record and meeting.status in (MeetingStatus.DRAFT, MeetingStatus.RETURNED),
        "can_cancel": can_record,
        "can_vote": can_record and meeting.kind.allows_votes,
        "can_return": can_review and meeting.status == MeetingStatus.SUBMITTED,
        "attach_form": extra.pop("attach_form", None) or AttachmentForm(),
        "cancel_form": CancelForm(auto_id="cancel_%s"),
        "return_form": ReturnForm(auto_id="return_%s"),
        "breadcrumb": _crumbs(request, meeting.organisation),
        **extra,
    }


@require_GET
def meeting_detail(request, pk):
    meeting = selectors.get_meeting_or_404(request.user, pk)
    return render(request, "meetings/meeting_detail.html", _detail_context(request, meeting))


@require_POST
def meeting_submit(request, pk):
    meeting = selectors.get_meeting_or_404(request.user, pk, record=True)
    try:
        services.meeting_submit(meeting=meeting, by=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, "会议记录已提交。")
    return redirect(meeting)


@require_http_methods(["GET", "POST"])
def meeting_return(request, pk):
    """A reviewer sends a submitted record back to the secretary, with a reason."""
    meeting = selectors.get_meeting_or_404(request.user, pk, review=True)
    if meeting.status != MeetingStatus.SUBMITTED:
        messages.warning(request, "只有已提交的会议记录可以退回。")
        return redirect(meeting)
    form = ReturnForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.meeting_return(meeting=meeting, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "已退回会议记录，支部书记会收到通知。")
            return redirect(meeting)
    return render(
        request,
        "meetings/return_form.html",
        {"meeting": meeting, "form": form, "breadcrumb": _crumbs(request, meeting.organisation)},
    )


@require_http_methods(["GET", "POST"])
def meeting_cancel(request, pk):
    """作废: the record stays with its reason and stops counting."""
    meeting = selectors.get_meeting_or_404(request.user, pk, record=True)
    if not meeting.is_editable:
        messages.warning(request, "该会议记录已经作废。")
        return redirect(meeting)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.meeting_cancel(meeting=meeting, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "会议记录已作废。")
            return redirect(meeting)
    return render(
        request,
        "meetings/cancel_form.html",
        {"meeting": meeting, "form": form, "breadcrumb": _crumbs(request, meeting.organisation)},
    )


# --- attachments ---------------------------------------------------------------------------------------


@require_POST
def attachment_add(request, pk):
    meeting = selectors.get_meeting_or_404(request.user, pk, record=True)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            added = attachment_services.attachment_add(
                meeting=meeting,
                file=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已上传附件“{added.name}”。")
            return redirect(meeting)
    context = _detail_context(request, meeting, attach_form=form)
    return render(request, "meetings/meeting_detail.html", context, status=200)


@require_GET
def attachment_download(request, pk):
    """A file of a meeting the user may see, found through that scope, never by its path."""
    attachment = selectors.get_attachment_or_404(request.user, pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("附件文件已不存在。") from None
    return FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )


urls = [
    path("org/<int:pk>/", meeting_list, name="list"),
    path("org/<int:pk>/record/", meeting_record, name="record"),
    path("<int:pk>/", meeting_detail, name="detail"),
    path("<int:pk>/edit/", meeting_edit, name="edit"),
    path("<int:pk>/submit/", meeting_submit, name="submit"),
    path("<int:pk>/return/", meeting_return, name="return"),
    path("<int:pk>/cancel/", meeting_cancel, name="cancel"),
    path("<int:pk>/attach/", attachment_add, name="attach"),
    path("attachment/<int:pk>/", attachment_download, name="attachment"),
]
