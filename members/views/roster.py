"""The roster (花名册), a member's record, appointments and the reviewer's structure overview."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from branches import access
from branches import selectors as branch_selectors
from branches.forms import add_errors

from .. import privacy, selectors
from ..forms import AppointmentForm, LeaveForm, MemberForm, RosterFilterForm
from ..services import members as services

PAGE_SIZE = 50


def roster(request, pk):
    org = access.get_organisation_or_404(request.user, pk)
    if (
        org.kind == "party_group"
        or not access.visible_organisations(request.user, as_member=False).filter(pk=org.pk).exists()
    ):
        raise Http404("没有找到该组织的花名册。")
    form = RosterFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    members = selectors.roster(
        request.user,
        org,
        stage=filters.get("stage", ""),
        query=filters.get("q", ""),
        order=filters.get("order") or "name",
    )
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    can_record = access.can_record(request.user, org)
    for member in page:
        member.shown_phone = member.phone if can_record else privacy.mask_phone(member.phone)
    return render(
        request,
        "members/roster.html",
        {
            "org": org,
            "page": page,
            "form": form,
            "can_record": can_record and org.is_branch and org.is_active,
            "can_export_full": can_record,
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, org),
            "subtree": not org.is_branch,
        },
    )


def member_detail(request, pk):
    member = selectors.get_member_or_404(request.user, pk)
    full = selectors.can_see_personal(request.user, member)
    return render(
        request,
        "members/member_detail.html",
        {
            "member": member,
            "id_number": member.id_number if full else privacy.mask_id_number(member.id_number),
            "phone": member.phone if full else privacy.mask_phone(member.phone),
            "can_record": access.can_record(request.user, member.organisation) and member.is_active,
            "stage_changes": member.stage_changes.select_related("recorded_by"),
            "appointments": member.appointments.select_related("term__organisation"),
            "dues": selectors.recent_dues(member),
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, member.organisation),
        },
    )


def member_create(request, pk):
    branch = selectors.get_branch_or_404(request.user, pk, record=True)
    form = MemberForm(request.POST or None, branch=branch, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_create(
                organisation=branch, recorded_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已登记“{member.name}”。")
            return redirect(member)
    return render(
        request,
        "members/member_form.html",
        {
            "form": form,
            "org": branch,
            "title": "登记党员 / 发展对象",
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, branch),
        },
    )


def member_edit(request, pk):
    member = selectors.get_member_or_404(request.user, pk, edit=True)
    if not member.is_active:
        raise Http404("该党员已不在册。")
    form = MemberForm(request.POST or None, instance=member, branch=member.organisation, creating=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(member=member, **{f: form.cleaned_data[f] for f in form.changed_data})
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "党员信息已保存。")
            return redirect(member)
    return render(
        request,
        "members/member_form.html",
        {
            "form": form,
            "org": member.organisation,
            "member": member,
            "title": f"编辑“{member.name}”的信息",
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, member.organisation),
        },
    )


def member_leave(request, pk):
    member = selectors.get_member_or_404(request.user, pk, edit=True)
    if not member.is_active:
        raise Http404("该党员已不在册。")
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_leave(
                member=member,
                kind=form.cleaned_data["kind"],
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"“{member.name}”已移出花名册，记录保留。")
            return redirect("members:roster", member.organisation_id)
    return render(
        request,
        "members/member_leave.html",
        {
            "form": form,
            "member": member,
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, member.organisation),
        },
    )


def appointment_add(request, pk):
    branch = access.get_organisation_or_404(request.user, pk)
    if not access.can_record(request.user, branch) or branch.kind == "party_group":
        raise Http404("没有找到该组织，或您无权操作。")
    term = services.current_term(branch)
    if term is None:
        messages.error(request, "请先录入本届班子（届次），再任命班子成员。")
        return redirect(branch)
    form = AppointmentForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_add(term=term, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "已任命。")
            return redirect(branch)
    return render(
        request,
        "members/appointment_form.html",
        {
            "form": form,
            "org": branch,
            "term": term,
            "committee": selectors.committee(branch),
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, branch),
        },
    )


@require_POST
def appointment_end(request, pk):
    appointment = selectors.get_appointment_or_404(request.user, pk, edit=True)
    org = appointment.term.organisation
    services.appointment_end(appointment=appointment, on=timezone.localdate())
    messages.success(request, f"已免去{appointment.member.name}的{appointment.get_position_display()}职务。")
    return redirect(org)


def overview(request, pk):
    """For a reviewer: every branch of the subtree with members, completeness and structure warnings."""
    org = access.get_organisation_or_404(request.user, pk)
    if not access.can_review(request.user, org):
        raise Http404("没有找到该组织。")
    rows = selectors.subtree_overview(request.user, org)
    only_warnings = request.GET.get("warnings") == "1"
    if only_warnings:
        rows = [r for r in rows if r["warnings"]]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "members/overview.html",
        {
            "org": org,
            "page": page,
            "only_warnings": only_warnings,
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, org),
        },
    )


urls = [
    path("org/<int:pk>/", roster, name="roster"),
    path("org/<int:pk>/new/", member_create, name="create"),
    path("org/<int:pk>/overview/", overview, name="overview"),
    path("org/<int:pk>/committee/new/", appointment_add, name="appointment_add"),
    path("appointments/<int:pk>/end/", appointment_end, name="appointment_end"),
    path("<int:pk>/", member_detail, name="detail"),
    path("<int:pk>/edit/", member_edit, name="edit"),
    path("<int:pk>/leave/", member_leave, name="leave"),
]
