"""Styled error pages that work even when the database is down (500 renders no context processors)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


@login_not_required
def not_found(request, exception=None):
    return render(request, "404.html", status=404)


@login_not_required
def server_error(request):
    return HttpResponseServerError(loader.get_template("500.html").render())
