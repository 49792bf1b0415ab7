"""Panels that higher apps add to the organisation page.

branches may not import the apps above it, so they register here from their
AppConfig.ready(): ``register(func)`` where ``func(request, organisation)``
returns rendered HTML or "" (nothing to show).
"""

from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

_panels: list[Callable] = []


def register(func: Callable) -> Callable:
    if func not in _panels:
        _panels.append(func)
    return func


def render_panels(request, organisation) -> list[SafeString]:
    return [mark_safe(html) for func in _panels if (html := func(request, organisation))]  # noqa: S308 - our templates


_homes: list[Callable] = []


def register_home(func: Callable) -> Callable:
    """``func(user)`` returns the URL where the user should land, or None to pass."""
    if func not in _homes:
        _homes.append(func)
    return func


def home_url(user) -> str | None:
    return next((url for func in _homes if (url := func(user))), None)
