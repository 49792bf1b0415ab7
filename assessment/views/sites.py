"""示范点 (model sites): the list of a scope with the checks, a random draw for the re-check,
recording a check (抽查复核) and an exit (退出机制, with a confirmation page).

Reviewers in scope read and act; a branch's secretary reads the branch's own site; a member's
grant and everyone else: 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from branches import access
from branches.forms import DateInput, add_errors

from .. import selectors_rectification as selectors
from ..models import CheckResult, SiteStatus
from ..services import sites as services
from .common import crumbs, refused_as_404

PAGE_SIZE = 30


class CheckForm(forms.Form):
    on = forms.DateField(label="抽查日期", widget=DateInput(), initial=timezone.localdate)
    result = forms.ChoiceField(
        label="结果",
        choices=[(CheckResult.PASS, "合格"), (CheckResult.FAIL, "不合格")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="抽查情况", max_length=services.NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class ExitForm(forms.Form):
    on = forms.DateField(label="退出日期", widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(
        label="退出原因", max_length=services.REASON_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(
        label="确认该支部退出示范点（退出后不能恢复，须重新评定命名）",
        error_messages={"required": "请勾选确认后再提交。"},
    )


class DrawForm(forms.Form):
    ratio = forms.DecimalField(
        label="抽查比例",
        min_value=0,
        max_value=1,
        decimal_places=3,
        initial=services.DEFAULT_SAMPLE_RATIO,
        help_text="0到1之间，如0.2即抽取20%，不足1个按1个。",
    )
    seed = forms.IntegerField(
        label="随机种子", min_value=0, max_value=2**63 - 1, help_text="同一种子得到同一抽查名单，可复核。"
    )


def _draw(request, org):
    """The draw shown on the list: only when asked (``?draw=1``), reproducible from the ratio and seed."""
    today = timezone.localdate()
    if not request.GET.get("draw"):
        return DrawForm(initial={"seed": int(today.strftime("%Y%m%d"))}), None
    form = DrawForm(request.GET)
    if not form.is_valid():
        return form, None
    try:
        ratio = services.parse_ratio(form.cleaned_data["ratio"])
    except ValidationError as error:
        add_errors(form, error)
        return form, None
    ids = services.sites_sample(scope=org, ratio=ratio, seed=form.cleaned_data["seed"])
    return form, selectors.sites_by_ids(org, ids)


@require_GET
def site_list(request, pk):
    org = selectors.get_scope_or_404(request.user, pk)
    status = request.GET.get("status", "")
    if status not in selectors.SITE_FILTERS:
        status = ""
    page = Paginator(selectors.sites_in(org, status=status or None), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = selectors.site_counts(org)
    # Reviewers of the scope draw and act; the action pages check each site again (can_assess).
    can_act = access.can_review(request.user, org)
    draw_form, drawn = _draw(request, org) if can_act else (None, None)
    return render(
        request,
        "assessment/sites/site_list.html",
        {
            "org": org,
            "page": page,
            "status": status,
            "filters": [
                ("", "全部", counts["active"] + counts["exited"]),
                ("active", "示范点", counts["active"]),
                ("exited", "已退出", counts["exited"]),
            ],
            "can_act": can_act,
            "draw_form": draw_form,
            "drawn": drawn,
            **crumbs(request, org, "示范点"),
        },
    )


def _site_for_action(request, pk):
    site = selectors.get_site_or_404(request.user, pk)
    if not access.can_assess(request.user, site.organisation):
        raise Http404("没有找到该示范点，或您无权操作。")
    if site.status != SiteStatus.ACTIVE and request.method == "GET":
        messages.error(request, "该示范点已退出。")
        return site, redirect(reverse("assessment:site_list", args=[site.organisation_id]))
    return site, None


def _back(site) -> str:
    return reverse("assessment:site_list", args=[site.organisation_id])


@require_http_methods(["GET", "POST"])
@refused_as_404
def site_check(request, pk):
    site, moved = _site_for_action(request, pk)
    if moved:
        return moved
    form = CheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check = services.site_check(site=site, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"已记录{site.organisation.name}{check.on:%Y年%m月%d日}的抽查：{check.get_result_display()}。",
            )
            return redirect(_back(site))
    return render(
        request,
        "assessment/sites/site_form.html",
        {
            "site": site,
            "org": site.organisation,
            "form": form,
            "title": "记录抽查复核",
            "submit_label": "保存",
            "cancel_url": _back(site),
            **crumbs(request, site.organisation, "抽查复核"),
        },
    )


@require_http_methods(["GET", "POST"])
@refused_as_404
def site_exit(request, pk):
    """退出机制: a confirmation page with the reason and a tick box; nothing happens on GET."""
    site, moved = _site_for_action(request, pk)
    if moved:
        return moved
    form = ExitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.site_exit(site=site, on=data["on"], reason=data["reason"], by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{site.organisation.name}已退出示范点。")
            return redirect(_back(site))
    return render(
        request,
        "assessment/sites/site_form.html",
        {
            "site": site,
            "org": site.organisation,
            "form": form,
            "title": "示范点退出",
            "submit_label": "确认退出",
            "submit_class": "btn-danger",
            "warning": "退出后该支部不再列入示范点名单，此操作不能撤回。",
            "cancel_url": _back(site),
            **crumbs(request, site.organisation, "示范点退出"),
        },
    )


urls = [
    path("org/<int:pk>/sites/", site_list, name="site_list"),
    path("sites/<int:pk>/check/", site_check, name="site_check"),
    path("sites/<int:pk>/exit/", site_exit, name="site_exit"),
]
