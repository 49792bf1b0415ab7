"""Reads of the archives, each scoped through branches.access: outside the user's scope is 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from branches import access
from branches.models import Organisation

from .models import Document, DocumentCategory, LedgerFile


def get_archive_org_or_404(user, pk) -> Organisation:
    """An organisation whose archive the user keeps; 404 for anything else (also a party group)."""
    org = access.get_organisation_or_404(user, pk)
    if not access.can_keep_archives(user, org):
        raise Http404("没有找到该组织的档案，或您无权查看。")
    return org


def ledger_files(user, org: Organisation) -> QuerySet[LedgerFile]:
    """The organisation's ledger versions, newest first (the caller checked the organisation)."""
    return (
        LedgerFile.objects.filter(organisation=org, organisation__in=access.archive_organisations(user))
        .select_related("requested_by")
        .order_by("-year", "format", "-version")
    )


def get_ledger_or_404(user, pk) -> LedgerFile:
    try:
        return LedgerFile.objects.select_related("organisation", "requested_by").get(
            pk=pk, organisation__in=access.archive_organisations(user)
        )
    except (LedgerFile.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该台账文件，或您无权查看。") from None


def categories() -> QuerySet[DocumentCategory]:
    return DocumentCategory.objects.filter(active=True).order_by("order", "pk")


def documents(user, org: Organisation) -> QuerySet[Document]:
    return Document.objects.filter(
        organisation=org, organisation__in=access.archive_organisations(user)
    ).select_related("category", "uploaded_by", "deleted_by")


def get_document_or_404(user, pk) -> Document:
    try:
        return Document.objects.select_related("organisation", "category", "uploaded_by", "deleted_by").get(
            pk=pk, organisation__in=access.archive_organisations(user)
        )
    except (Document.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该档案文件，或您无权查看。") from None
