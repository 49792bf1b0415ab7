"""谈心谈话, 民主评议党员 and a member's own attendance (我的出勤).

The branch's secretary records talks and appraisals; a reviewer above reads
them; a member's grant and everyone else get 404. A member sees their own
attendance only.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from branches import access
from branches import selectors as branch_selectors
from branches.forms import add_errors
from members.selectors import own_member

from .. import selectors, selectors_talks
from ..forms_talks import AppraisalForm, TalkForm
from ..models import AppraisalResult
from ..services import talks as services
from .compliance import parse_year

PAGE_SIZE = 50


def _context(request, org, crumb: str, **extra) -> dict:
    return {
        "org": org,
        "breadcrumb": branch_selectors.organisation_crumbs(request.user, org),
        "current_crumb": crumb,
        "can_record": org.is_active and access.can_record(request.user, org),
        **extra,
    }


def _years(year: int, today) -> dict:
    return {
        "year": year,
        "previous_year": year - 1 if year > 2000 else None,
        "next_year": year + 1 if year < today.year else None,
    }


@require_GET
def talks(request, pk):
    org = selectors_talks.get_talk_branch_or_404(request.user, pk)
    today = timezone.localdate()
    year = parse_year(request.GET.get("year"), today)
    page = Paginator(selectors_talks.talks_of(org, year), PAGE_SIZE).get_page(request.GET.get("page"))
    talked, not_yet = selectors_talks.talk_coverage(org, year)
    return render(
        request,
        "meetings/talks.html",
        _context(
            request,
            org,
            "谈心谈话",
            page=page,
            talked=talked,
            expected=talked + len(not_yet),
            not_yet=not_yet,
            **_years(year, today),
        ),
    )


@require_http_methods(["GET", "POST"])
def talk_add(request, pk):
    org = selectors_talks.get_talk_branch_or_404(request.user, pk, record=True)
    if not org.is_active:
        raise Http404("该支部已撤销。")
    form = TalkForm(request.POST or None, members=selectors_talks.branch_members(org))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            talk = services.talk_record(
                organisation=org,
                member_a=data["member_a"],
                member_b=data["member_b"],
                on=data["on"],
                occasion=data["occasion"],
                note=data["note"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, f"已记录{talk.member_a.name}与{talk.member_b.name}{talk.on:%Y年%m月%d日}的谈心谈话。"
            )
            return redirect(f"{reverse('meetings:talks', args=[org.pk])}?year={talk.on.year}")
    return render(request, "meetings/talk_form.html", _context(request, org, "记录谈心谈话", form=form))


@require_http_methods(["GET", "POST"])
def appraisals(request, pk):
    """民主评议党员: every party member on one form, one grade each (or none)."""
    org = selectors_talks.get_talk_branch_or_404(request.user, pk, record=request.method == "POST")
    today = timezone.localdate()
    year = parse_year(request.GET.get("year"), today)
    members = selectors_talks.branch_party_members(org)
    results = selectors_talks.appraisal_results(org, year)
    form = AppraisalForm(request.POST or None, members=members, results=results)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.appraisals_save(
                organisation=org, year=year, results=form.results(), by=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已保存{year}年民主评议结果：{saved}名党员。")
            return redirect(f"{reverse('meetings:appraisals', args=[org.pk])}?year={year}")
    counts = selectors_talks.appraisal_counts(org, year)
    return render(
        request,
        "meetings/appraisals.html",
        _context(
            request,
            org,
            "民主评议党员",
            form=form,
            counts=[(label, counts[value], value) for value, label in AppraisalResult.choices],
            appraised=sum(counts.values()),
            **_years(year, today),
        ),
    )


@require_GET
def my_attendance(request):
    """A member's own attendance at submitted meetings in the year."""
    member = own_member(request.user)
    if member is None:
        raise Http404("您的账号没有关联党员信息。")
    today = timezone.localdate()
    year = parse_year(request.GET.get("year"), today)
    page = Paginator(selectors.own_attendance(member, year=year), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/my_attendance.html",
        {
            "member": member,
            "page": page,
            "counts": selectors_talks.own_attendance_counts(member, year=year),
            **_years(year, today),
        },
    )


urls = [
    path("org/<int:pk>/talks/", talks, name="talks"),
    path("org/<int:pk>/talks/add/", talk_add, name="talk_add"),
    path("org/<int:pk>/appraisals/", appraisals, name="appraisals"),
    path("me/", my_attendance, name="my_attendance"),
]
