"""Views: ledgers (being written)."""

from django.http import Http404


def archive_home(request, pk=None):
    raise Http404


def ledger_list(request, pk=None):
    raise Http404


def ledger_detail(request, pk=None):
    raise Http404


def ledger_status(request, pk=None):
    raise Http404


def ledger_download(request, pk=None):
    raise Http404
