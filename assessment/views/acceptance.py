"""达标验收 and the random on-site check (随机实地抽查) (DOMAIN §5).

A reviewer sees the subtree's branches with their status for the year, checks (committee) or
accepts (county) on an application's page, and — over a committee — draws the on-site sample
and records each result. A branch's secretary sees the branch's applications by year and
applies. Members, outsiders and refused roles get 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches import access
from branches import selectors as branch_selectors
from branches.forms import add_errors
from branches.rules import BRANCH_KINDS
from meetings.views.compliance import parse_year

from .. import selectors_acceptance as selectors
from ..models import AcceptanceStatus, CheckResult
from ..services import acceptance as services

PAGE_SIZE = 50
CHECKS_PAGE_SIZE = 100

# ---------------------------------------------------------------- forms


class ApplyForm(forms.Form):
    year = forms.TypedChoiceField(label="年度", coerce=int)
    application = forms.CharField(
        label="申请说明",
        max_length=services.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="对照标准化规范化建设标准，简述本支部的达标情况。",
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, f"{y}年") for y in years]


class VerdictForm(forms.Form):
    passed = forms.TypedChoiceField(
        label="结论", coerce=lambda v: v == "yes", choices=(), widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="意见", required=False, max_length=services.MAX_NOTE, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, yes: str, no: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["passed"].choices = [("yes", yes), ("no", no)]


def check_form(data=None) -> VerdictForm:
    return VerdictForm(data, yes="通过，报县级验收", no="未通过（请写明原因）", prefix="check")


def accept_form(data=None) -> VerdictForm:
    return VerdictForm(data, yes="验收达标", no="不予验收（请写明原因）", prefix="accept")


class DrawForm(forms.Form):
    year = forms.IntegerField(widget=forms.HiddenInput)
    seed = forms.IntegerField(
        label="随机种子（可选）",
        required=False,
        min_value=0,
        max_value=services.MAX_SEED,
        help_text="留空则由系统随机生成并保存；同一种子、比例和名单总能抽出同样的支部。",
    )


class SpotCheckForm(forms.Form):
    result = forms.ChoiceField(
        label="检查结果",
        choices=[(CheckResult.PASS, "合格"), (CheckResult.FAIL, "不合格（验收将退回为未通过）")],
        widget=forms.RadioSelect,
    )
    checked_on = forms.DateField(label="检查日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label="检查情况",
        required=False,
        max_length=services.MAX_CHECK_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# ---------------------------------------------------------------- helpers


def _years(year: int, today) -> dict:
    return {
        "year": year,
        "previous_year": year - 1 if year > 2000 else None,
        "next_year": year + 1 if year < today.year else None,
    }


def _crumbs(request, org) -> list:
    return branch_selectors.organisation_crumbs(request.user, org)


def _list_url(org, year: int) -> str:
    return f"{reverse('assessment:acceptance_list', args=[org.pk])}?year={year}"


def _apply_years(today) -> list[int]:
    return [today.year, today.year - 1]


def _is_secretary(user, org) -> bool:
    return org.kind in BRANCH_KINDS and access.can_record(user, org)


# ---------------------------------------------------------------- the list


@require_GET
def acceptance_list(request, pk):
    user = request.user
    org = selectors.get_acceptance_org_or_404(user, pk)
    today = timezone.localdate()
    year = parse_year(request.GET.get("year"), today)
    context = {
        "org": org,
        "breadcrumb": _crumbs(request, org),
        "current_crumb": "达标验收",
        "is_reviewer": access.can_review(user, org),
        "is_secretary": _is_secretary(user, org),
        **_years(year, today),
    }
    if context["is_reviewer"]:
        status = request.GET.get("status") or ""
        if status not in dict(selectors.STATUS_FILTERS):
            status = ""
        page = Paginator(selectors.branch_rows(org, year, status=status or None), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        for row in page:
            row.acc_label = selectors.status_label(row.acc_status)
        can_draw = services.can_draw(user, org)
        context.update(
            figures=selectors.acceptance_figures(org, year),
            page=page,
            status=status,
            status_filters=selectors.STATUS_FILTERS,
            draws=selectors.draws_for(org, year),
            can_draw=can_draw,
            preview=services.draw_preview(org, year) if can_draw else None,
        )
    if context["is_secretary"]:
        history = list(selectors.branch_acceptances(org))
        open_years = {a.year for a in history if a.status != AcceptanceStatus.REJECTED}
        years = [y for y in _apply_years(today) if y not in open_years]
        context.update(
            history=history,
            apply_form=ApplyForm(years=years, initial={"year": year}) if years and org.is_active else None,
        )
    return render(request, "assessment/acceptance/list.html", context)


@require_http_methods(["GET", "POST"])
def acceptance_apply(request, pk):
    org = selectors.get_acceptance_org_or_404(request.user, pk)
    if not _is_secretary(request.user, org):
        raise Http404("只有本支部书记可以申请达标验收。")
    today = timezone.localdate()
    form = ApplyForm(
        request.POST if request.method == "POST" else None,
        years=_apply_years(today),
        initial={"year": parse_year(request.GET.get("year"), today)},
    )
    if form.is_bound and form.is_valid():
        try:
            acceptance = services.acceptance_apply(
                organisation=org,
                year=form.cleaned_data["year"],
                application=form.cleaned_data["application"],
                by=request.user,
            )
        except PermissionDenied:
            raise Http404("只有本支部书记可以申请达标验收。") from None
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已提交{acceptance.year}年达标验收申请，等待党委检查。")
            return redirect(_list_url(org, acceptance.year))
    return render(
        request,
        "assessment/acceptance/apply_form.html",
        {
            "org": org,
            "form": form,
            "breadcrumb": _crumbs(request, org),
            "current_crumb": "申请达标验收",
            "cancel_url": reverse("assessment:acceptance_list", args=[org.pk]),
        },
    )


# ---------------------------------------------------------------- one application


def _detail(request, acceptance, *, check=None, accept=None, status=200):
    user = request.user
    org = acceptance.organisation
    current, history = selectors.application_parts(acceptance)
    may_check = acceptance.status == AcceptanceStatus.APPLIED and access.can_assess(user, org)
    may_accept = acceptance.status == AcceptanceStatus.CHECKED and access.can_assess_higher(user, org)
    return render(
        request,
        "assessment/acceptance/detail.html",
        {
            "acceptance": acceptance,
            "org": org,
            "application_text": current,
            "history": history,
            "spot_checks": selectors.acceptance_spot_checks(acceptance),
            "check_form": check or (check_form() if may_check else None),
            "accept_form": accept or (accept_form() if may_accept else None),
            "may_reapply": acceptance.status == AcceptanceStatus.REJECTED and _is_secretary(user, org),
            "breadcrumb": _crumbs(request, org),
            "current_crumb": f"{acceptance.year}年达标验收",
            "list_url": _list_url(org, acceptance.year),
        },
        status=status,
    )


@require_GET
def acceptance_detail(request, pk):
    return _detail(request, selectors.get_acceptance_or_404(request.user, pk))


def _verdict(request, pk, *, make_form, service, allowed, done: str):
    acceptance = selectors.get_acceptance_or_404(request.user, pk)
    # Refused before the form is read: an empty POST from a role that may only look gets 404 too.
    if not allowed(request.user, acceptance.organisation):
        raise Http404("没有找到该验收申请，或您无权处理。")
    form = make_form(request.POST)
    if form.is_valid():
        try:
            acceptance = service(
                acceptance=acceptance,
                by=request.user,
                passed=form.cleaned_data["passed"],
                note=form.cleaned_data["note"],
            )
        except PermissionDenied:
            raise Http404("没有找到该验收申请，或您无权处理。") from None
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, done.format(status=acceptance.get_status_display()))
            return redirect("assessment:acceptance_detail", acceptance.pk)
    key = "check" if make_form is check_form else "accept"
    return _detail(request, acceptance, **{key: form})


@require_POST
def acceptance_check(request, pk):
    return _verdict(
        request,
        pk,
        make_form=check_form,
        service=services.acceptance_check,
        allowed=access.can_assess,
        done="党委检查已记录：{status}。",
    )


@require_POST
def acceptance_accept(request, pk):
    return _verdict(
        request,
        pk,
        make_form=accept_form,
        service=services.acceptance_accept,
        allowed=access.can_assess_higher,
        done="县级验收已记录：{status}。",
    )


# ---------------------------------------------------------------- the random on-site check


@require_http_methods(["GET", "POST"])
def spot_draw(request, pk):
    """A confirmation page: the ratio, the accepted branches and the sample size, then the draw."""
    org = selectors.get_acceptance_org_or_404(request.user, pk)
    if not services.can_draw(request.user, org):
        raise Http404("只有党委的审核人员可以抽取实地检查。")
    today = timezone.localdate()
    if request.method == "POST":
        form = DrawForm(request.POST)
        year = parse_year(request.POST.get("year"), today)
    else:
        year = parse_year(request.GET.get("year"), today)
        form = DrawForm(initial={"year": year})
    if form.is_bound and form.is_valid():
        try:
            draw = services.spot_draw(
                organisation=org,
                year=form.cleaned_data["year"],
                by=request.user,
                seed=form.cleaned_data["seed"],
            )
        except PermissionDenied:
            raise Http404("只有党委的审核人员可以抽取实地检查。") from None
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"已从{draw.population}个验收达标的支部中随机抽取{draw.checks.count()}个进行实地检查。",
            )
            return redirect("assessment:spot_draw_detail", draw.pk)
    return render(
        request,
        "assessment/acceptance/draw_confirm.html",
        {
            "org": org,
            "form": form,
            "year": year,
            "preview": services.draw_preview(org, year),
            "breadcrumb": _crumbs(request, org),
            "current_crumb": "随机抽取实地检查",
            "cancel_url": _list_url(org, year),
        },
    )


@require_GET
def spot_draw_detail(request, pk):
    draw, checks = selectors.get_draw_or_404(request.user, pk)
    draw.ratio_text = selectors.ratio_text(draw.ratio)
    user = request.user
    whole = access.can_review(user, draw.organisation)
    page = Paginator(checks, CHECKS_PAGE_SIZE).get_page(request.GET.get("page"))
    for check in page:
        check.may_record = check.result == CheckResult.PENDING and access.can_assess(
            user, check.acceptance.organisation
        )
    return render(
        request,
        "assessment/acceptance/draw_detail.html",
        {
            "draw": draw,
            "page": page,
            "whole": whole,
            "verify": services.draw_verify(draw) if whole else None,
            "breadcrumb": _crumbs(request, draw.organisation) if whole else [],
            "current_crumb": f"{draw.year}年实地抽查",
            "list_url": _list_url(draw.organisation, draw.year) if whole else "",
        },
    )


@require_http_methods(["GET", "POST"])
def spot_check_record(request, pk):
    check = selectors.get_spot_check_or_404(request.user, pk)
    org = check.acceptance.organisation
    if not access.can_assess(request.user, org):
        raise Http404("没有找到该抽查记录，或您无权记录。")
    detail_url = reverse("assessment:spot_draw_detail", args=[check.draw_id])
    if check.result != CheckResult.PENDING and request.method == "GET":
        messages.info(request, "该抽查结果已经记录。")
        return redirect(detail_url)
    form = SpotCheckForm(
        request.POST if request.method == "POST" else None, initial={"checked_on": timezone.localdate()}
    )
    if form.is_bound and form.is_valid():
        try:
            check = services.spot_check_record(check=check, by=request.user, **form.cleaned_data)
        except PermissionDenied:
            raise Http404("没有找到该抽查记录，或您无权记录。") from None
        except ValidationError as error:
            add_errors(form, error)
        else:
            text = f"已记录{org.name}的实地检查结果：{check.get_result_display()}。"
            if check.result == CheckResult.FAIL:
                text += "该支部的达标验收已退回为未通过。"
            messages.success(request, text)
            return redirect(detail_url)
    return render(
        request,
        "assessment/acceptance/check_form.html",
        {
            "check": check,
            "org": org,
            "form": form,
            "breadcrumb": _crumbs(request, org),
            "current_crumb": "记录实地检查结果",
            "cancel_url": detail_url,
        },
    )


urls = [
    path("org/<int:pk>/acceptance/", acceptance_list, name="acceptance_list"),
    path("org/<int:pk>/acceptance/apply/", acceptance_apply, name="acceptance_apply"),
    path("acceptance/<int:pk>/", acceptance_detail, name="acceptance_detail"),
    path("acceptance/<int:pk>/check/", acceptance_check, name="acceptance_check"),
    path("acceptance/<int:pk>/accept/", acceptance_accept, name="acceptance_accept"),
    path("org/<int:pk>/acceptance/draw/", spot_draw, name="spot_draw"),
    path("acceptance/draw/<int:pk>/", spot_draw_detail, name="spot_draw_detail"),
    path("acceptance/spot-check/<int:pk>/", spot_check_record, name="spot_check_record"),
]
