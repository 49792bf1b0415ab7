"""修改记录: the history page of an object, for admins and reviewers over its organisation."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors
from .subjects import can_read_history, subject_or_404

PER_PAGE = 50
EXPORTS_SHOWN = 50


@require_GET
def history(request, kind, pk):
    subject = subject_or_404(kind)
    obj = subject.get(request.user, pk)
    organisation = subject.organisation(obj)
    if not can_read_history(request.user, organisation):
        raise Http404("没有找到该记录，或您无权查看其修改记录。")
    entries = selectors.history_entries(request.user, subject, obj)
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    exports = exports_total = None
    if subject.exports:
        logged = selectors.exports_of(organisation)
        exports, exports_total = list(logged[:EXPORTS_SHOWN]), logged.count()
    return render(
        request,
        "audit/history.html",
        {
            "subject": subject,
            "obj": obj,
            "organisation": organisation,
            "page": page,
            "exports": exports,
            "exports_total": exports_total,
            "back": obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else None,
        },
    )
