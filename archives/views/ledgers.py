"""年度台账: ask for an organisation's annual ledger, watch it being built, download its versions.

Whoever keeps the organisation's archive (its branch secretary, a reviewer above, admins:
``access.can_keep_archives``) sees these pages; anyone else gets 404, for the organisation
and for each of its ledger files alike.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRefresh

from assessment.exports import content_disposition
from assessment.views.common import crumbs
from branches import access
from branches.forms import add_errors

from .. import ledger_data, rules, selectors
from ..forms import LedgerRequestForm
from ..models import LedgerFile, LedgerStatus
from ..services import ledgers as services

PAGE_SIZE = 20
CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
}


@require_GET
def archive_home(request):
    """The archive of the user's own organisation: a secretary's branch, a reviewer's or admin's root."""
    user = request.user
    home = access.home_organisation(user) if "secretary" in access.roles(user) else None
    candidates = [home, *access.scope_roots(user)]
    for org in candidates:
        if org is not None and access.can_keep_archives(user, org):
            return redirect("archives:ledger_list", org.pk)
    raise Http404("您没有可以查看的档案台账。")


def _branch_count(org) -> int:
    """How many branches this year's ledger covers (the same rule as the ledger's own scope)."""
    if org.is_branch:
        return 1
    return ledger_data.covered_branches(org, timezone.localdate().year).count()


@require_http_methods(["GET", "POST"])
def ledger_list(request, pk):
    """The request form and every version of the organisation's ledgers, newest year first."""
    org = selectors.get_archive_org_or_404(request.user, pk)
    branch_count = _branch_count(org)
    form = LedgerRequestForm(
        request.POST or None, organisation=org, today=timezone.localdate(), branch_count=branch_count
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                made = services.ledger_request(
                    user=request.user,
                    organisation=org,
                    year=form.cleaned_data["year"],
                    formats=services.formats_for(form.cleaned_data["format"]),
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                return _requested(request, made)
        messages.error(
            request, "台账没有生成：" + "；".join(e for errs in form.errors.values() for e in errs)
        )
    page = Paginator(selectors.ledger_files(request.user, org), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "archives/ledgers/list.html",
        {
            "org": org,
            "form": form,
            "page": page,
            "branch_count": branch_count,
            **crumbs(request, org, "年度台账"),
        },
    )


def _requested(request, made: list[LedgerFile]):
    """Redirect to the first new ledger; without a worker (eager mode) it is already built, or failed."""
    for ledger in made:
        ledger.refresh_from_db(fields=["status", "error"])
    year = made[0].year
    names = [f"{m.get_format_display()}第{m.version}版" for m in made]
    if all(m.status == LedgerStatus.DONE for m in made):
        messages.success(request, f"{year}年度台账已生成：{'、'.join(names)}。")
    elif any(m.status == LedgerStatus.FAILED for m in made):
        told = [
            f"{name}生成失败：{m.error}"
            if m.status == LedgerStatus.FAILED
            else f"{name}{m.get_status_display()}"
            for name, m in zip(names, made, strict=True)
        ]
        messages.error(request, f"{year}年度台账：{'；'.join(told)}")
    else:
        messages.success(request, f"已提交生成{year}年度台账（{'、'.join(names)}），完成后可在本页下载。")
    return redirect("archives:ledger_detail", made[0].pk)


@require_GET
def ledger_detail(request, pk):
    ledger = selectors.get_ledger_or_404(request.user, pk)
    org = ledger.organisation
    others = (
        selectors.ledger_files(request.user, org)
        .filter(year=ledger.year, format=ledger.format)
        .exclude(pk=ledger.pk)[:10]
    )
    return render(
        request,
        "archives/ledgers/detail.html",
        {
            "ledger": ledger,
            "org": org,
            "others": others,
            "branch_count": ledger.parts_total or (_branch_count(org) if ledger.subtree else 1),
            **crumbs(request, org, f"{ledger.year}年度台账 第{ledger.version}版"),
        },
    )


@require_GET
def ledger_status(request, pk):
    """The progress bar, polled by htmx every second; once the ledger is finished the page reloads."""
    ledger = selectors.get_ledger_or_404(request.user, pk)
    if ledger.finished:
        if request.htmx:
            return HttpResponseClientRefresh()
        return redirect("archives:ledger_detail", ledger.pk)
    return render(request, "archives/ledgers/_progress.html", {"ledger": ledger})


@require_GET
def ledger_download(request, pk):
    ledger = selectors.get_ledger_or_404(request.user, pk)
    if ledger.status != LedgerStatus.DONE or not ledger.file:
        raise Http404("该台账尚未生成完毕，没有可下载的文件。")
    try:
        handle = ledger.file.open("rb")
    except OSError:
        raise Http404("台账文件已不存在，请重新生成。") from None
    response = FileResponse(
        handle, content_type=CONTENT_TYPES.get(ledger.extension, "application/octet-stream")
    )
    fallback = f"ledger-{rules.ascii_name(ledger.organisation.code)}-{ledger.year}-v{ledger.version}"
    response["Content-Disposition"] = content_disposition(
        ledger.filename or f"{fallback}{ledger.extension}", f"{fallback}{ledger.extension}"
    )
    return response
