"""Shared fixtures: the healthchecks cast — a branch's secretary, an outsider, a reviewer above, an admin."""

import datetime as dt

import pytest
from celery.contrib.testing.worker import start_worker

from branches.models import Role
from config.celery import app
from tests.factories import UserFactory, grant, make_org, make_term


@pytest.fixture
def tree(db):
    """county → town committee → (branch with a party group, second branch); a sibling committee."""
    county = make_org(name="县委组织部", code="C0")
    town = make_org(county, kind="committee", name="镇党委", code="C1", sector="village")
    branch = make_org(town, name="东村党支部", code="C1B1", sector="village")
    group = make_org(branch, kind="party_group", name="第一党小组", code="C1B1G1", sector="village")
    other_branch = make_org(town, name="西村党支部", code="C1B2", sector="village")
    sibling = make_org(county, kind="committee", name="国企党委", code="C2", sector="state_enterprise")
    sibling_branch = make_org(sibling, name="发电党支部", code="C2B1", sector="state_enterprise")
    for org in (county, town, branch, sibling, sibling_branch):
        make_term(org)
    make_term(other_branch, elected_on=dt.date(2018, 1, 10))  # 5 years in a village: overdue since 2023
    return {
        "county": county,
        "town": town,
        "branch": branch,
        "group": group,
        "other_branch": other_branch,
        "sibling": sibling,
        "sibling_branch": sibling_branch,
    }


@pytest.fixture
def secretary(tree):
    user = UserFactory(username="secretary")
    grant(user, tree["branch"], Role.SECRETARY)
    return user


@pytest.fixture
def outsider(tree):
    """Another branch's secretary."""
    user = UserFactory(username="outsider")
    grant(user, tree["sibling_branch"], Role.SECRETARY)
    return user


@pytest.fixture
def reviewer(tree):
    """The town committee's reviewer: sees the town's subtree, not the sibling committee."""
    user = UserFactory(username="reviewer")
    grant(user, tree["town"], Role.REVIEWER)
    return user


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def celery_worker():
    """A real Celery worker (solo pool) on the broker of REDIS_URL, tasks no longer eager, for one test.

    It consumes every queue, as `make worker` does: the default one and each queue a route names
    (settings.CELERY_TASK_ROUTES). The queues are always given, because the worker's selection
    stays on the app from one test to the next.
    """
    routed = {route["queue"] for route in (app.conf.task_routes or {}).values()}
    queues = [app.conf.task_default_queue, *sorted(routed)]
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=queues
        ) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = previous
