"""How the matrix asks and judges: the URL of a case for a scope, the expected answer, one request.

Every request runs in a savepoint that is rolled back, so each one meets the same world; the
database snapshot that proves a refused POST wrote nothing is taken inside the savepoint, before
the rollback.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .cases import Case
from .world import ROLES, SCOPES, World

# Django's own pages that the matrix does not own; static and media are served by middleware.
SKIPPED_NAMESPACES = {"admin"}
NOT_SNAPSHOT = {"sessions"}  # a request may touch its own session; nothing else
REFUSED = frozenset({404, 405})  # never 403: it would confirm that the object exists
LOGIN_URL = settings.LOGIN_URL


def resolver_names(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    """Every named URL pattern of the project, ``namespace:name``, walked from the root resolver."""
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in SKIPPED_NAMESPACES:
                continue
            names |= resolver_names(pattern, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"an unnamed URL pattern: {pattern.pattern}"
            names.add(prefix + pattern.name)
    return names


def scopes_of(case: Case) -> tuple[str, ...]:
    """A URL that names an object is asked for one in each scope (see world.SCOPES)."""
    return SCOPES if case.has_object and case.scoped and not case.public else ("in",)


def url_for(case: Case, world: World, scope: str) -> str:
    side = world.side(scope)
    if case.args is not None:
        kwargs = case.args(side)
    elif case.target is not None:
        kwargs = {"pk": side[case.target].pk}
    else:
        kwargs = {}
    url = reverse(case.name, kwargs=kwargs)
    if case.query is not None:
        url += "?" + urlencode(case.query(side))
    return url


def expected(case: Case, role: str, scope: str, method: str) -> frozenset[int]:
    """The answer DOMAIN §8 asks for (see cases.py)."""
    if (role, scope, method) in case.special:
        return case.special[(role, scope, method)]
    allowed = case.get if method == "get" else case.post
    if role == "anonymous" and not case.public:
        return frozenset({302})
    if allowed is None:
        return frozenset({405})
    ok = case.get_ok if method == "get" else case.post_ok
    if case.public:
        return ok
    if case.scoped and case.has_object and not in_scope(role, scope):
        return frozenset({404})
    return ok if role in allowed else frozenset({404})


def in_scope(role: str, scope: str) -> bool:
    """The admin sees everything; the reviewer the committee's subtree; the secretary and the member one branch."""
    return role == "admin" or scope == "in" or (scope == "near" and role == "reviewer")


def is_refusal(case: Case, role: str, scope: str, method: str) -> bool:
    """Is the expected answer a refusal (404, 405; the login page for the anonymous user)?"""
    codes = expected(case, role, scope, method)
    if role == "anonymous" and not case.public:
        return True
    return codes <= REFUSED


@dataclass
class Answer:
    status: int
    location: str
    changed: list[str] | None  # the tables a request changed; None: not measured


def snapshot() -> dict[str, tuple[int, str]]:
    """Each table's row count and a checksum of its rows (sessions excepted)."""
    state = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label in NOT_SNAPSHOT or meta.proxy or not meta.managed:
            continue
        rows = list(model._base_manager.order_by("pk").values_list())
        state[meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return state


def ask(client, method: str, url: str, *, data=None, before=None) -> Answer:
    """One request in a savepoint that is rolled back; with ``before``, whether it changed the database."""
    with transaction.atomic():
        response = client.get(url) if method == "get" else client.post(url, data or {})
        changed = None if before is None else diff(before, snapshot())
        transaction.set_rollback(True)
    return Answer(response.status_code, response.get("Location", ""), changed)


def diff(before: dict, after: dict) -> list[str]:
    """The tables whose rows differ."""
    return sorted(label for label in before.keys() | after.keys() if before.get(label) != after.get(label))


def combos(case: Case):
    for role in ROLES:
        for scope in scopes_of(case):
            yield role, scope


def judge(case: Case, role: str, answer: Answer, want, where: str, *, refused: bool) -> list[str]:
    """What is wrong with one answer: its status, a login redirect elsewhere, a write that was refused."""
    failures = []
    if answer.status not in want:
        failures.append(f"{where}: {answer.status}, expected {sorted(want)}")
    elif role == "anonymous" and not case.public and not answer.location.startswith(resolve_url(LOGIN_URL)):
        failures.append(f"{where}: redirected to {answer.location}, not to the login page")
    if refused and answer.changed:
        failures.append(f"{where}: refused, yet it changed {answer.changed}")
    return failures
