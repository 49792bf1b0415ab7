"""花名册导入、导出: the template, upload, report and preview, confirm, progress, error file, export.

Imports are the branch's records: only whoever keeps them (the secretary, admins) sees an
import, whatever its branch — anyone else gets 404. Exports: in full for the secretary
and admins; masked ID and phone numbers for a reviewer over the organisation (DOMAIN §8).
"""

import io
import tempfile
from pathlib import Path

from celery import current_app
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from branches import access
from branches import selectors as branch_selectors
from branches.forms import add_errors

from .. import roster_io, selectors
from ..forms_import import RosterUploadForm
from ..models import ImportStatus, RosterImport
from ..services import roster_import as services
from ..tasks.imports import PROGRESS

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_FILTERS = {"": "全部", "new": "新增", "updated": "更新", "unchanged": "无变化"}
STEP_LABELS = {"reading": "读取文件", "checking": "逐行校验", "writing": "写入花名册"}


def _xlsx(file, name: str) -> FileResponse:
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=name, content_type=XLSX)


@require_GET
def import_template(request):
    out = io.BytesIO()
    roster_io.write_template(out)
    return _xlsx(out, "党员花名册导入模板.xlsx")


def import_upload(request, pk):
    org = selectors.get_branch_or_404(request.user, pk, record=True)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            roster_import = services.roster_import_upload(
                organisation=org, file=form.cleaned_data["file"], uploaded_by=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            return redirect("members:import_detail", roster_import.pk)
    return render(
        request,
        "members/imports/upload.html",
        {
            "org": org,
            "form": form,
            # The summary of a large file weighs megabytes: the list reads only its phase.
            "recent": selectors.recent_imports(org),
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, org),
            "current_crumb": "导入花名册",
        },
    )


def _progress(roster_import: RosterImport) -> dict:
    info = {"step": "", "done": 0, "total": roster_import.total_rows}
    # Eager mode runs a task to its end before the page is drawn: no result to ask for.
    if roster_import.task_id and not current_app.conf.task_always_eager:
        result = current_app.AsyncResult(roster_import.task_id)
        if result.state == PROGRESS and isinstance(result.info, dict):
            info.update(result.info)
    total = max(info["total"] or 0, info["done"] or 0, 1)
    return {
        "phase": roster_import.summary.get("phase"),
        "step": STEP_LABELS.get(info["step"], "排队等待"),
        "done": info["done"],
        "total": total,
        "percent": round(100 * info["done"] / total),
    }


def import_detail(request, pk):
    roster_import = selectors.get_import_or_404(request.user, pk)
    summary = roster_import.summary
    roster_import.phase = summary.get("phase")
    context = {
        "imp": roster_import,
        "org": roster_import.organisation,
        "summary": summary,
        "counts": summary.get("counts", {}),
        "breadcrumb": branch_selectors.organisation_crumbs(request.user, roster_import.organisation),
        "current_crumb": "导入结果",
    }
    status = roster_import.status
    if status == ImportStatus.RUNNING:
        context["progress"] = _progress(roster_import)
    elif status == ImportStatus.INVALID:
        context["page"] = Paginator(summary.get("errors", []), PAGE_SIZE).get_page(request.GET.get("page"))
    elif status == ImportStatus.VALIDATED:
        show = request.GET.get("show", "")
        show = show if show in PREVIEW_FILTERS else ""
        rows = [r for r in summary.get("preview", []) if not show or r[1] == show]
        counts = {**summary.get("counts", {}), "": summary.get("rows", 0)}
        context.update(
            page=Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
            show=show,
            filters=[(key, label, counts.get(key, 0)) for key, label in PREVIEW_FILTERS.items()],
        )
    elif status == ImportStatus.DONE:
        page = Paginator(summary.get("member_ids", []), PAGE_SIZE).get_page(request.GET.get("page"))
        members = (
            selectors.visible_members(request.user).select_related("party_group").in_bulk(page.object_list)
        )
        context.update(page=page, members=[members[i] for i in page.object_list if i in members])
    return render(request, "members/imports/detail.html", context)


@require_POST
def import_confirm(request, pk):
    roster_import = selectors.get_import_or_404(request.user, pk)
    try:
        roster_import = services.roster_import_confirm(roster_import=roster_import, confirmed_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if roster_import.status == ImportStatus.DONE:
            counts = roster_import.summary["counts"]
            messages.success(
                request,
                f"已导入：新增{counts['new']}人，更新{counts['updated']}人，无变化{counts['unchanged']}人。",
            )
        elif roster_import.status == ImportStatus.INVALID:
            messages.error(request, "确认时重新校验发现错误，没有导入任何数据。")
    return redirect("members:import_detail", roster_import.pk)


@require_GET
def import_status(request, pk):
    """The progress bar, polled by htmx; once the task has finished the page reloads itself."""
    roster_import = selectors.get_import_or_404(request.user, pk)
    if roster_import.status != ImportStatus.RUNNING:
        if request.htmx:
            return HttpResponseClientRefresh()
        return redirect("members:import_detail", roster_import.pk)
    roster_import.phase = roster_import.summary.get("phase")
    return render(
        request,
        "members/imports/_progress.html",
        {"imp": roster_import, "progress": _progress(roster_import)},
    )


@require_GET
def import_errors_xlsx(request, pk):
    roster_import = selectors.get_import_or_404(request.user, pk)
    if roster_import.status != ImportStatus.INVALID or not roster_import.summary.get("header_row"):
        raise Http404("该导入没有可下载的错误说明。")
    out = io.BytesIO()
    services.roster_import_error_file(user=request.user, roster_import=roster_import, out=out)
    return _xlsx(out, f"{Path(roster_import.original_name).stem}-错误说明.xlsx")


@require_GET
def export_xlsx(request, pk):
    """A branch's roster, or every branch's under a general branch or committee."""
    org = access.get_organisation_or_404(request.user, pk)
    full = access.can_record(request.user, org)
    if org.kind == "party_group" or not (full or access.can_review(request.user, org)):
        raise Http404("没有找到该组织的花名册，或您无权导出。")
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    services.roster_export(user=request.user, organisation=org, out=out, masked=not full)
    suffix = "" if full else "-脱敏"
    return _xlsx(out, f"{org.name}-党员花名册-{timezone.localdate():%Y%m%d}{suffix}.xlsx")


urls = [
    path("import/template.xlsx", import_template, name="import_template"),
    path("org/<int:pk>/import/", import_upload, name="import_upload"),
    path("imports/<int:pk>/", import_detail, name="import_detail"),
    path("imports/<int:pk>/confirm/", import_confirm, name="import_confirm"),
    path("imports/<int:pk>/status/", import_status, name="import_status"),
    path("imports/<int:pk>/errors.xlsx", import_errors_xlsx, name="import_errors_xlsx"),
    path("org/<int:pk>/export.xlsx", export_xlsx, name="export_xlsx"),
]
