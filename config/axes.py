"""Login protection with django-axes: our backend, the client's address behind proxies, the lockout page.

The settings (limit, cool-off, what a lock is keyed on) are in config/settings.py; this module holds the
three pieces of code axes lets a project supply.
"""

import ipaddress

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.shortcuts import render


class LoginAttemptsBackend(AxesStandaloneBackend):
    """Refuse a locked-out login over HTTP; leave logins made by code alone.

    axes raises an error when `authenticate()` gets no request. Every login a person makes goes through
    a view that passes one (LoginView, the admin's login); calls without a request come from our own
    code and tests (`Client.login()`, checking a freshly issued password), which no one outside can
    drive, so they are neither counted nor refused. The backend only watches: ModelBackend after it
    checks the password.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def _valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_ip(request) -> str | None:
    """The address of the person logging in, also behind TRUSTED_PROXY_COUNT reverse proxies.

    Each proxy appends the address it received the request from to X-Forwarded-For, so the entry
    TRUSTED_PROXY_COUNT from the right is the one our first proxy saw; entries further left are
    whatever the client sent and cannot be trusted. Without proxies, or when the header is short or
    not an address (a request that bypassed the proxies), REMOTE_ADDR is the answer. Behind a load
    balancer without this, every login would seem to come from the balancer.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= count and _valid_ip(hops[-count]):
            return hops[-count]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """The Chinese lockout page, HTTP 429, saying how long to wait and who can unlock sooner."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)
