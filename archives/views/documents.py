"""三本五盒 (document boxes): the list of an organisation's filed documents, filing, a document's
record, its download, and an admin's deletion.

Everything is found through ``archives.selectors``: a branch's secretary keeps the branch's
boxes, a reviewer those of the whole subtree; anyone else — a member's grant included — gets
404. Only an admin deletes, and everyone else is answered 404 on that page too.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from assessment.exports import content_disposition
from assessment.views.common import crumbs, refused_as_404
from branches import access
from branches.forms import add_errors

from .. import rules, selectors
from ..forms_documents import DocumentDeleteForm, DocumentUploadForm
from ..models import BoxKind
from ..services import documents as services

PAGE_SIZE = 20
TYPE_LABELS = {ct: (ext, label) for ext, (ct, label) in rules.DOCUMENT_TYPES.items()}
TYPE_ICONS = {
    ".pdf": "bi-file-earmark-pdf",
    ".docx": "bi-file-earmark-word",
    ".xlsx": "bi-file-earmark-excel",
    ".jpg": "bi-file-earmark-image",
    ".png": "bi-file-earmark-image",
}


def _url(name: str, org_pk: int, *, year=None, category=None) -> str:
    query = urlencode({k: v for k, v in (("year", year), ("category", category)) if v})
    url = reverse(name, args=[org_pk])
    return f"{url}?{query}" if query else url


def _list_url(org_pk: int, *, year=None, category=None) -> str:
    return _url("archives:document_list", org_pk, year=year, category=category)


def _year_param(value: str | None, today) -> int | None:
    """A year from the query string, or None when it is missing or not a year documents may have."""
    if not value:
        return None
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if rules.year_error(year, today=today) is None else None


def _type_of(document) -> tuple[str, str, str]:
    ext, label = TYPE_LABELS.get(document.content_type, ("", "文件"))
    return ext, label, TYPE_ICONS.get(ext, "bi-file-earmark")


@require_GET
def document_list(request, pk):
    org = selectors.get_archive_org_or_404(request.user, pk)
    today = timezone.localdate()
    documents = selectors.documents(request.user, org)
    cats = list(selectors.categories())

    raw_year = request.GET.get("year", "").strip()
    year = _year_param(raw_year, today)
    if raw_year and year is None:
        messages.warning(request, f"年度“{raw_year[:20]}”无效，已显示全部年度。")
    raw_category = request.GET.get("category", "").strip()
    category = next((c for c in cats if c.code == raw_category), None)
    if raw_category and category is None:
        messages.warning(request, f"没有“{raw_category[:30]}”这个档案类别，已显示全部类别。")

    in_year = documents.filter(year=year) if year else documents
    # Counts of what is on file (deleted records left out), grouped in the database.
    counts = dict(
        in_year.filter(deleted_at__isnull=True)
        .order_by()
        .values_list("category_id")
        .annotate(n=Count("pk"))
        .values_list("category_id", "n")
    )
    years = set(documents.order_by().values_list("year", flat=True).distinct())
    years.add(today.year)
    if year:
        years.add(year)

    shown = in_year.filter(category=category) if category else in_year
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    for document in page:
        document.type_ext, document.type_label, document.type_icon = _type_of(document)

    code = category.code if category else None
    cards = [
        {
            "category": c,
            "count": counts.get(c.pk, 0),
            "active": c == category,
            "url": _list_url(org.pk, year=year, category=None if c == category else c.code),
        }
        for c in cats
    ]
    return render(
        request,
        "archives/documents/list.html",
        {
            "org": org,
            "page": page,
            "year": year,
            "category": category,
            "kinds": [
                (
                    "三本",
                    "bi-journal-bookmark",
                    [card for card in cards if card["category"].kind == BoxKind.BOOK],
                    "row-cols-3 row-cols-lg-5 row-cols-xl-3",
                ),
                (
                    "五盒",
                    "bi-archive",
                    [card for card in cards if card["category"].kind == BoxKind.BOX],
                    "row-cols-3 row-cols-lg-5",
                ),
            ],
            "year_links": [("全部年度", not year, _list_url(org.pk, category=code))]
            + [(f"{y}年", y == year, _list_url(org.pk, year=y, category=code)) for y in sorted(years)[::-1]],
            "all_categories_url": _list_url(org.pk, year=year),
            "upload_url": _url("archives:document_upload", org.pk, year=year, category=code),
            "max_size": services.size_text(services.max_bytes()),
            "accepted": services.ACCEPTED,
            "is_admin": access.is_admin(request.user),
            **crumbs(request, org, "三本五盒"),
        },
    )


@require_http_methods(["GET", "POST"])
@refused_as_404
def document_upload(request, pk):
    org = selectors.get_archive_org_or_404(request.user, pk)
    today = timezone.localdate()
    if request.method == "POST":
        form = DocumentUploadForm(request.POST, request.FILES, today=today)
        if form.is_valid():
            data = form.cleaned_data
            try:
                document = services.document_upload(
                    user=request.user,
                    organisation=org,
                    year=data["year"],
                    category=data["category"],
                    title=data["title"],
                    tags=data["tags"],
                    file=data["file"],
                    today=today,
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request,
                    f"已将“{document.title}”归入{document.category.name}（{document.year}年）。",
                )
                return redirect(_list_url(org.pk, year=document.year, category=document.category.code))
    else:
        initial = {"year": _year_param(request.GET.get("year"), today) or today.year}
        code = request.GET.get("category", "")
        found = next((c for c in selectors.categories() if c.code == code), None) if code else None
        if found is not None:
            initial["category"] = found.pk
        form = DocumentUploadForm(initial=initial, today=today)
    return render(
        request,
        "archives/documents/upload.html",
        {
            "org": org,
            "form": form,
            "categories": selectors.categories(),
            "list_url": _list_url(org.pk),
            "boxes_url": _list_url(org.pk),
            **crumbs(request, org, "上传档案"),
        },
    )


@require_GET
def document_detail(request, pk):
    document = selectors.get_document_or_404(request.user, pk)
    org = document.organisation
    document.type_ext, document.type_label, document.type_icon = _type_of(document)
    return render(
        request,
        "archives/documents/detail.html",
        {
            "org": org,
            "doc": document,
            "download_name": services.download_name(document),
            "can_delete": access.is_admin(request.user) and not document.is_deleted,
            "list_url": _list_url(org.pk, year=document.year, category=document.category.code),
            "boxes_url": _list_url(org.pk),
            **crumbs(request, org, "档案文件"),
        },
    )


def _ascii_fallback(name: str, pk: int, ext: str) -> str:
    """The plain ``filename=`` for old clients: the name itself when it is printable ASCII."""
    if name.isascii() and name.isprintable() and not any(ch in name for ch in '"\\;'):
        return name
    return f"document-{pk}{ext}"


@require_GET
def document_download(request, pk):
    """The stored file, found through the user's scope (never by its path); 404 once deleted."""
    document = selectors.get_document_or_404(request.user, pk)
    if document.is_deleted or not document.file:
        raise Http404("该文件已被删除，只保留档案记录。")
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("该文件在存储中已不存在。") from None
    ext = _type_of(document)[0]
    name = services.download_name(document)
    response = FileResponse(handle, content_type=document.content_type)
    response["Content-Disposition"] = content_disposition(name, _ascii_fallback(name, document.pk, ext))
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@refused_as_404
def document_delete(request, pk):
    document = selectors.get_document_or_404(request.user, pk)
    if not access.is_admin(request.user):
        raise Http404("没有找到该页面，或您无权操作。")
    if document.is_deleted:
        messages.info(request, "该文件已经删除，不能重复删除。")
        return redirect("archives:document_detail", document.pk)
    form = DocumentDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_delete(user=request.user, document=document, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已删除“{document.title}”；档案记录和删除原因已保留。")
            return redirect(_list_url(document.organisation_id, year=document.year))
    document.type_ext, document.type_label, document.type_icon = _type_of(document)
    return render(
        request,
        "archives/documents/delete.html",
        {
            "org": document.organisation,
            "doc": document,
            "form": form,
            "boxes_url": _list_url(document.organisation_id),
            **crumbs(request, document.organisation, "删除档案文件"),
        },
    )
