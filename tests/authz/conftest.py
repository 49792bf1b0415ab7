"""One world per test module, kept in a transaction that is rolled back when the module ends.

pytest-django wraps each test in its own atomic block; opened inside ours, those become savepoints,
so every test starts from the same world and nothing a test writes survives it. Building the world
once a module (about a second) instead of once a test keeps the 141 URLs × 5 users × 3 scopes fast.
"""

import pytest
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings

from .world import ROLES, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world of world.py, its files in a temporary MEDIA_ROOT, rolled back after the module."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("authz_media")):
        atomic = transaction.atomic()
        with django_db_blocker.unblock():
            atomic.__enter__()
            try:
                built = build_world()
            except BaseException:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                raise
        try:
            yield built
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)


@pytest.fixture
def clients(world, db):
    """A logged-in client per role (the anonymous one logged in as no one)."""
    made = {}
    for role in ROLES:
        client = Client()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        made[role] = client
    return made
