"""Dues pages (党费): the month's collection, arrears, the yearly register and its .xlsx, bases, remittances.

The branch's secretary and admins keep the records; a reviewer of a committee
above reads them; a member sees nothing of others; anyone else gets 404.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods

from branches import access
from branches import selectors as branch_selectors
from branches.forms import add_errors

from .. import dues, exports, selectors_dues
from ..forms_dues import DuesBasesForm, DuesMonthForm, MoneyField, RemittanceForm, parse_month
from ..selectors import get_branch_or_404
from ..services import dues as services


def _branch(request, pk, *, record: bool = False):
    """The branch if the user keeps its records (``record``) or may read them; 404 otherwise.

    A member-role grant shows the member's own branch, but not other people's dues.
    """
    org = get_branch_or_404(request.user, pk, record=record)
    if not (access.can_record(request.user, org) or access.can_review(request.user, org)):
        raise Http404("没有找到该支部，或您无权查看党费记录。")
    return org


def _context(request, org, **extra) -> dict:
    return {
        "org": org,
        "breadcrumb": branch_selectors.organisation_crumbs(request.user, org),
        "can_record": access.can_record(request.user, org),
        **extra,
    }


def _error_summary(form, lines) -> list[str]:
    """Every error of a sheet, each with the member's name, in page order."""
    summary = [str(e) for e in form.non_field_errors()]
    summary += [f"交纳日期：{e}" for e in form.errors.get("paid_on", [])]
    for line in lines:
        name = line.row.member.name
        summary += [e if e.startswith(name) else f"{name}：{e}" for e in line.errors]
    return summary


def _year(request, today: dt.date) -> int:
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


@require_http_methods(["GET", "POST"])
def dues_month(request, pk):
    """The month's sheet: every member who owes, amount due prefilled; one POST saves them all."""
    today = timezone.localdate()
    current = dues.month_start(today)
    month = parse_month(request.GET.get("month")) or current
    if month > current:
        month = current
    org = _branch(request, pk, record=request.method == "POST")
    rows = selectors_dues.month_sheet(request.user, org, month)
    url = f"{reverse('members:dues_month', args=[org.pk])}?month={month:%Y-%m}"
    if request.method == "POST":
        form = DuesMonthForm(request.POST, rows=rows, today=today)
        if form.is_valid():
            try:
                result = services.dues_month_record(
                    organisation=org,
                    month=month,
                    entries=form.entries(),
                    paid_on=form.cleaned_data["paid_on"],
                    recorded_by=request.user,
                    sheet=rows,
                    today=today,
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request,
                    f"已保存{month.year}年{month.month}月党费：{result.paid}人已交，"
                    f"新增{result.created}条、修改{result.updated}条记录。",
                )
                return redirect(url)
    else:
        form = DuesMonthForm(rows=rows, today=today, tick_all=request.GET.get("all") == "1")
    lines = form.lines()
    return render(
        request,
        "members/dues/month.html",
        _context(
            request,
            org,
            tab="month",
            form=form,
            lines=lines,
            errors=_error_summary(form, lines) if form.is_bound else [],
            month=month,
            url=url,
            previous=dues.previous_month(month),
            next=dues.next_month(month) if month < current else None,
            is_current=month == current,
            totals=selectors_dues.sheet_totals(rows),
        ),
    )


@require_GET
def dues_arrears(request, pk):
    org = _branch(request, pk)
    today = timezone.localdate()
    found = selectors_dues.members_in_arrears(request.user, organisation=org, as_of=today, min_months=1)
    return render(
        request,
        "members/dues/arrears.html",
        _context(
            request,
            org,
            tab="arrears",
            arrears=found,
            flagged=sum(1 for a in found if a.flagged),
            through=dues.previous_month(dues.month_start(today)),
            flag_months=dues.ARREARS_FLAG_MONTHS,
        ),
    )


@require_GET
def dues_register(request, pk):
    org = _branch(request, pk)
    today = timezone.localdate()
    year = _year(request, today)
    book = selectors_dues.register(request.user, org, year, today=today)
    return render(
        request,
        "members/dues/register.html",
        _context(
            request, org, tab="register", book=book, year=year, years=range(today.year, today.year - 6, -1)
        ),
    )


@require_GET
def dues_register_xlsx(request, pk):
    org = _branch(request, pk)
    today = timezone.localdate()
    year = _year(request, today)
    book = selectors_dues.register(request.user, org, year, today=today)
    content = exports.dues_register_workbook(org, book)
    return FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=f"党费收缴登记簿-{org.short_name or org.name}-{year}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@require_http_methods(["GET", "POST"])
def dues_bases(request, pk):
    """The year's dues categories and bases, one line a member; one POST saves them all."""
    today = timezone.localdate()
    year = _year(request, today)
    org = _branch(request, pk, record=request.method == "POST")
    rows = selectors_dues.bases_sheet(request.user, org, year)
    url = f"{reverse('members:dues_bases', args=[org.pk])}?year={year}"
    form = DuesBasesForm(request.POST if request.method == "POST" else None, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.dues_bases_set(
                organisation=org, year=year, entries=form.entries(), rows=rows, today=today
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            note = f"，{result.skipped}人未填基数" if result.skipped else ""
            messages.success(request, f"已保存{year}年度党费基数：更新{result.saved}人{note}。")
            return redirect(url)
    lines = form.lines()
    return render(
        request,
        "members/dues/bases.html",
        _context(
            request,
            org,
            tab="bases",
            form=form,
            lines=lines,
            errors=_error_summary(form, lines) if form.is_bound else [],
            year=year,
            years=range(today.year + 1, today.year - 5, -1),
            url=url,
            unset=sum(1 for r in rows if r.base is None),
        ),
    )


@require_GET
def dues_amount(request):
    """The monthly amount for a category and base, as the bases page shows it beside each line (htmx)."""
    row = request.GET.get("row", "")
    category = request.GET.get(f"category-{row}", "")
    year = request.GET.get("year", "")
    rates = selectors_dues.dues_rates(int(year) if year.isdigit() else timezone.localdate().year)
    raw = (request.GET.get(f"base-{row}") or "").strip()
    field = MoneyField(required=False)
    try:
        base = field.clean(raw)
    except ValidationError as error:
        return HttpResponse(format_html('<span class="text-danger">{}</span>', error.messages[0]))
    if not dues.needs_base(category) and category in dues.CATEGORIES:
        return HttpResponse(format_html("{} 元", dues.monthly_dues(category, 0, rates)))
    if base is None:
        return HttpResponse('<span class="text-muted">未核定</span>')
    message = services.base_error(category, base, rates)
    if message:
        return HttpResponse(format_html('<span class="text-danger">{}</span>', message))
    return HttpResponse(format_html("{} 元", dues.monthly_dues(category, base, rates)))


@require_http_methods(["GET", "POST"])
def remittances(request, pk):
    """上缴党费: the branch's remittances to the higher committee, and a form to record one."""
    today = timezone.localdate()
    org = _branch(request, pk, record=request.method == "POST")
    last_month = dues.previous_month(dues.month_start(today))
    start = selectors_dues.next_remittance_start(request.user, org) or dt.date(today.year, 1, 1)
    start = min(start, last_month)
    initial = {
        "month_from": start,
        "month_to": last_month,
        "total": selectors_dues.collected(request.user, org, start, last_month) or None,
        "remitted_on": today,
    }
    form = RemittanceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            remittance = services.remittance_record(
                organisation=org, recorded_by=request.user, today=today, **form.cleaned_data
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, f"已登记上缴党费 {remittance.total} 元（单据编号 {remittance.voucher_no}）。"
            )
            return redirect("members:remittances", org.pk)
    remittances_made = selectors_dues.remittances(request.user, org)
    page = Paginator(remittances_made, 50).get_page(request.GET.get("page"))
    year_start = dt.date(today.year, 1, 1)
    return render(
        request,
        "members/dues/remittances.html",
        _context(
            request,
            org,
            tab="remittances",
            form=form,
            items=page.object_list,
            page=page,
            collected_year=selectors_dues.collected(request.user, org, year_start, dues.month_start(today)),
            remitted_year=remittances_made.filter(remitted_on__year=today.year).aggregate(t=Sum("total"))["t"]
            or Decimal("0.00"),
            year=today.year,
        ),
    )


urls = [
    path("dues/<int:pk>/month/", dues_month, name="dues_month"),
    path("dues/<int:pk>/arrears/", dues_arrears, name="dues_arrears"),
    path("dues/<int:pk>/register/", dues_register, name="dues_register"),
    path("dues/<int:pk>/register.xlsx", dues_register_xlsx, name="dues_register_xlsx"),
    path("dues/<int:pk>/bases/", dues_bases, name="dues_bases"),
    path("dues/amount/", dues_amount, name="dues_amount"),
    path("dues/<int:pk>/remittances/", remittances, name="remittances"),
]
