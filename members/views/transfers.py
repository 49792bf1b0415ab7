"""组织关系转接, 流动党员 / 失联党员, and the red-flag list (自行脱党 review)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone

from branches import access
from branches import selectors as branch_selectors
from branches.forms import add_errors

from .. import selectors_pipeline as selectors
from ..forms_pipeline import (
    MobilityForm,
    ReportForm,
    TransferDecideForm,
    TransferExternalForm,
    TransferInForm,
    TransferInternalForm,
    TransferWithdrawForm,
)
from ..models import PARTY_STAGES, MemberStatus
from ..privacy import mask_id_number
from ..selectors import get_member_or_404
from ..services import transfers as services

PAGE_SIZE = 50


def transfers(request, pk):
    branch = selectors.get_list_branch_or_404(request.user, pk)
    box = "outgoing" if request.GET.get("box") == "outgoing" else "incoming"
    page = Paginator(selectors.branch_transfers(request.user, branch, box=box), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    can_record = branch.is_active and access.can_record(request.user, branch)
    return render(
        request,
        "members/transfers/transfers.html",
        {
            "org": branch,
            "box": box,
            "page": page,
            "counts": selectors.transfer_counts(request.user, branch),
            "can_record": can_record,
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, branch),
        },
    )


def transfer_out(request, pk):
    """Two forms on one page: to a branch in the portal (pending), or outside it (done on the letter)."""
    member = get_member_or_404(request.user, pk, edit=True)
    if member.status != MemberStatus.ACTIVE or member.stage not in PARTY_STAGES:
        raise Http404("只有在册党员（含预备党员）才能转接组织关系。")
    kind = request.POST.get("kind") if request.method == "POST" else None
    internal = TransferInternalForm(request.POST if kind == "internal" else None, prefix="internal")
    external = TransferExternalForm(request.POST if kind == "external" else None, prefix="external")
    if kind == "internal" and internal.is_valid():
        data = internal.cleaned_data
        try:
            transfer = services.transfer_out_internal(
                member=member,
                to_organisation=data["to_organisation"],
                on=data["on"],
                letter_no=data["letter_no"],
                requested_by=request.user,
            )
        except ValidationError as error:
            add_errors(internal, error)
        else:
            messages.success(
                request, f"已将{member.name}的组织关系转往{transfer.to_organisation.name}，等待对方接收。"
            )
            return redirect(f"{_transfers_url(member.organisation_id)}?box=outgoing")
    elif kind == "external" and external.is_valid():
        data = external.cleaned_data
        try:
            services.transfer_out_external(
                member=member,
                external_organisation=data["external_organisation"],
                letter_no=data["letter_no"],
                on=data["on"],
                requested_by=request.user,
            )
        except ValidationError as error:
            add_errors(external, error)
        else:
            messages.success(
                request, f"{member.name}的组织关系已转往{data['external_organisation']}，已移出花名册。"
            )
            return redirect(f"{_transfers_url(member.organisation_id)}?box=outgoing")
    return render(
        request,
        "members/transfers/transfer_out.html",
        {
            "member": member,
            "internal": internal,
            "external": external,
            "kind": kind,
            "targets": selectors.transfer_target_branches(member.organisation),
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, member.organisation),
        },
    )


def _transfers_url(branch_pk):
    return reverse("members:transfers", args=[branch_pk])


def transfer_in(request, pk):
    branch = selectors.get_list_branch_or_404(request.user, pk, record=True)
    if not branch.is_active:
        raise Http404("该支部已撤销。")
    form = TransferInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfer = services.transfer_in_external(
                organisation=branch,
                external_organisation=data["external_organisation"],
                letter_no=data["letter_no"],
                on=data["on"],
                requested_by=request.user,
                **form.member_fields(),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, f"{transfer.member.name}已转入本支部（介绍信编号{transfer.letter_no}）。"
            )
            return redirect(_transfers_url(branch.pk))
    return render(
        request,
        "members/transfers/transfer_in.html",
        {
            "form": form,
            "org": branch,
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, branch),
        },
    )


def transfer_decide(request, pk):
    """The receiving secretary's page: the transfer, then accept or send back (POST)."""
    transfer = selectors.get_transfer_or_404(request.user, pk, decide=True)
    decision = request.POST.get("decision") if request.method == "POST" else None
    accept_form = TransferDecideForm(request.POST if decision == "accept" else None, prefix="accept")
    refuse_form = TransferDecideForm(request.POST if decision == "refuse" else None, prefix="refuse")
    del accept_form.fields["reason"]
    refuse_form.fields["reason"].required = True
    refuse_form.fields["reason"].error_messages["required"] = "退回时请填写原因。"
    form = accept_form if decision == "accept" else refuse_form if decision == "refuse" else None
    if form is not None and form.is_valid():
        try:
            done = services.transfer_decide(
                transfer=transfer,
                accept=decision == "accept",
                on=form.cleaned_data["on"],
                reason=form.cleaned_data.get("reason", ""),
                decided_by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if decision == "accept":
                messages.success(request, f"已接收{done.member.name}的组织关系，已列入本支部花名册。")
            else:
                messages.info(request, f"已退回{done.member.name}的组织关系转接。")
            return redirect(_transfers_url(done.to_organisation_id))
    member = transfer.member
    return render(
        request,
        "members/transfers/transfer_decide.html",
        {
            "transfer": transfer,
            "member": member,
            "id_number": mask_id_number(member.id_number),
            "accept_form": accept_form,
            "refuse_form": refuse_form,
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, transfer.to_organisation),
        },
    )


def transfer_withdraw(request, pk):
    """The sending secretary takes back a pending transfer (confirmation, reason)."""
    transfer = selectors.get_withdrawable_transfer_or_404(request.user, pk)
    form = TransferWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_withdraw(
                transfer=transfer,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
                withdrawn_by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已撤回{transfer.member.name}的组织关系转接。")
            return redirect(f"{_transfers_url(transfer.from_organisation_id)}?box=outgoing")
    return render(
        request,
        "members/transfers/transfer_withdraw.html",
        {
            "form": form,
            "transfer": transfer,
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, transfer.from_organisation),
        },
    )


def mobility(request, pk):
    """流动党员 / 失联党员 of one member: the status form, and a quick form to record a report."""
    member = get_member_or_404(request.user, pk, edit=True)
    if member.status != MemberStatus.ACTIVE:
        raise Http404("该党员已不在册。")
    action = request.POST.get("action") if request.method == "POST" else None
    form = MobilityForm(request.POST if action == "status" else None, instance=member)
    report = ReportForm(request.POST if action == "report" else None, prefix="report")
    if action == "status" and form.is_valid():
        try:
            services.mobility_update(member=member, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已保存{member.name}的流动、失联情况。")
            return redirect("members:mobility", member.pk)
    elif action == "report" and report.is_valid():
        try:
            services.mobility_report(member=member, on=report.cleaned_data["on"])
        except ValidationError as error:
            add_errors(report, error)
        else:
            messages.success(request, f"已登记{member.name}的汇报。")
            return redirect("members:mobility", member.pk)
    member.refresh_from_db()
    today = timezone.localdate()
    return render(
        request,
        "members/transfers/mobility.html",
        {
            "member": member,
            "form": form,
            "report": report,
            "report_missing": member.is_mobile
            and selectors.report_missing(member.mobile_since, member.last_report_on, today),
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, member.organisation),
        },
    )


FLAG_TABS = [("lapse", "自行脱党审查"), ("mobile", "流动党员"), ("lost", "失联党员")]


def flags(request, pk):
    """The red-flag lists of a branch (its secretary) or a whole subtree (the reviewer), a tab at a time."""
    org = selectors.get_flag_org_or_404(request.user, pk)
    tab = request.GET.get("tab")
    if tab not in dict(FLAG_TABS):
        tab = "lapse"
    today = timezone.localdate()
    lapse = selectors.lapse_flags(request.user, org, today=today)
    if tab == "lapse":
        members = selectors.lapse_review(request.user, org, lapse)
    elif tab == "mobile":
        members = selectors.mobile_members(request.user, org, today=today)
    else:
        members = selectors.lost_members(request.user, org)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    for member in page:
        member.can_record = access.can_record(request.user, member.organisation)
        member.dues_months = lapse.dues_months.get(member.pk)
        member.no_organisational_life = member.pk in lapse.no_life
    actions = tab != "lapse" and any(member.can_record for member in page)
    counts = selectors.flag_counts(request.user, org, today=today, flags=lapse)
    return render(
        request,
        "members/transfers/flags.html",
        {
            "org": org,
            "tab": tab,
            "tabs": [(key, label, counts[key]) for key, label in FLAG_TABS],
            "counts": counts,
            "page": page,
            "subtree": not org.is_branch,
            "actions": actions,
            "months": selectors.LAPSE_MONTHS,
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, org),
        },
    )


urls = [
    path("org/<int:pk>/transfers/", transfers, name="transfers"),
    path("org/<int:pk>/transfers/in/", transfer_in, name="transfer_in"),
    path("org/<int:pk>/flags/", flags, name="flags"),
    path("<int:pk>/transfer/", transfer_out, name="transfer_out"),
    path("<int:pk>/mobility/", mobility, name="mobility"),
    path("transfers/<int:pk>/decide/", transfer_decide, name="transfer_decide"),
    path("transfers/<int:pk>/withdraw/", transfer_withdraw, name="transfer_withdraw"),
]
