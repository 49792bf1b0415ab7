"""Views: documents (being written)."""

from django.http import Http404


def document_list(request, pk=None):
    raise Http404


def document_upload(request, pk=None):
    raise Http404


def document_detail(request, pk=None):
    raise Http404


def document_download(request, pk=None):
    raise Http404


def document_delete(request, pk=None):
    raise Http404
