"""Placeholder: the election pages (filled by their owner)."""

from django.http import Http404
from django.urls import path


def election_detail(request, pk):
    raise Http404


urls = [path("elections/<int:pk>/", election_detail, name="election_detail")]
