"""Small helpers the assessment views share."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404

from branches import selectors as branch_selectors


def refused_as_404(view):
    """A service's PermissionDenied (a role lost between the page and the click) answers 404, never 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            raise Http404("没有找到该页面，或您无权操作。") from None

    return wrapped


def crumbs(request, org, crumb: str) -> dict:
    """The breadcrumb context of a page under ``org``, ending in ``crumb``."""
    return {"breadcrumb": branch_selectors.organisation_crumbs(request.user, org), "current_crumb": crumb}
