"""The read-replica router (config/db_router.py): replica reads only where asked for, writes on the primary.

The ``replica`` alias is configured as settings.py does it from DATABASE_REPLICA_URL, with
``TEST: {MIRROR: "default"}``, and pointed at the test database as Django's test setup does
for a mirror (``set_as_test_mirror``): a second connection to the same database. It is added
for this module only — configured for the whole run, every dashboard test would have to list
the replica among its databases. Tests that query it commit their rows (``transaction=True``):
a mirror is another connection and does not see a test's open transaction.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archives.defaults import ensure_defaults as ensure_archive_defaults
from archives.models import LedgerFile, LedgerStatus
from archives.services.ledgers import ledger_request
from assessment.defaults import ensure_defaults as ensure_assessment_defaults
from branches.models import Organisation
from config.replica import REPLICA, reads_from_replica
from meetings.defaults import ensure_defaults as ensure_meeting_defaults
from members.models import Member
from tests.assessment.dashboard_fixture import generate
from tests.factories import make_member, make_org

YEAR = 2025
TODAY = dt.date(2026, 11, 20)
BOTH = ["default", REPLICA]
WRITES = {"INSERT", "UPDATE", "DELETE"}


@pytest.fixture(scope="module")
def replica(django_db_setup):
    """The ``replica`` alias as a test mirror of default, for this module's tests (module scoped, so it
    exists before pytest-django checks the databases a test asks for)."""
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    connections.settings[REPLICA] = {**primary, "TEST": {**primary["TEST"], "MIRROR": DEFAULT_DB_ALIAS}}
    connections[REPLICA].creation.set_as_test_mirror(primary)
    yield REPLICA
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@contextmanager
def no_replica():
    """No replica configured (DATABASE_REPLICA_URL unset): the alias taken out for a while."""
    saved = connections.settings.pop(REPLICA)
    try:
        yield
    finally:
        connections.settings[REPLICA] = saved


@pytest.fixture
def without_replica(replica):
    with no_replica():
        yield


def replica_queries():
    return CaptureQueriesContext(connections[REPLICA])


def writes(captured: CaptureQueriesContext) -> list[str]:
    """The statements that changed data (reads are SELECTs, or server-side cursors' DECLAREs)."""
    return [q["sql"] for q in captured.captured_queries if q["sql"].split()[0].upper() in WRITES]


# ---- where the router sends a query ------------------------------------------------------------


def test_reads_go_to_the_replica_inside_the_context_only(replica):
    assert router.db_for_read(Organisation) == "default"
    with reads_from_replica():
        assert router.db_for_read(Organisation) == REPLICA
        assert router.db_for_read(Member) == REPLICA
        assert router.db_for_write(Organisation) == "default"
    assert router.db_for_read(Organisation) == "default"


def test_the_context_is_also_a_decorator_and_nests(replica):
    @reads_from_replica()
    def read():
        with reads_from_replica(keep_on_primary=(LedgerFile,)):
            inner = router.db_for_read(Organisation), router.db_for_read(LedgerFile)
        return inner, router.db_for_read(LedgerFile)

    assert read() == ((REPLICA, "default"), REPLICA)
    assert router.db_for_read(LedgerFile) == "default"


def test_without_the_alias_every_read_goes_to_default(without_replica):
    with reads_from_replica():
        assert router.db_for_read(Organisation) == "default"
        assert router.db_for_write(Organisation) == "default"


def test_models_kept_on_the_primary_are_read_there(replica):
    with reads_from_replica(keep_on_primary=(LedgerFile,)):
        assert router.db_for_read(LedgerFile) == "default"
        assert router.db_for_read(Organisation) == REPLICA


def test_migrations_only_on_default_and_relations_across_aliases(replica):
    assert router.allow_migrate("default", "branches", model_name="organisation")
    assert not router.allow_migrate(REPLICA, "branches", model_name="organisation")
    assert router.allow_relation(Organisation(), Member())


# ---- queries on the two connections ------------------------------------------------------------


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_reads_in_the_context_query_the_replica_connection(replica):
    org = make_org(name="县委组织部")
    with replica_queries() as on_replica, reads_from_replica():
        found = Organisation.objects.get(pk=org.pk)
    assert found.name == "县委组织部" and found._state.db == REPLICA
    assert len(on_replica.captured_queries) == 1
    with replica_queries() as on_replica:
        assert Organisation.objects.get(pk=org.pk)._state.db == "default"
    assert on_replica.captured_queries == []


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_writes_inside_the_context_go_to_default(replica):
    with replica_queries() as on_replica, reads_from_replica():
        county = make_org(name="县委组织部")  # the service reads and writes
        branch = make_org(county, name="东村党支部")
        Organisation.objects.filter(pk=branch.pk).update(short_name="东村")
        loaded = Organisation.objects.get(pk=branch.pk)  # from the replica …
        loaded.name = "东村联合党支部"
        loaded.save()  # … and saved to the primary
    assert writes(on_replica) == []
    assert county._state.db == branch._state.db == "default"
    primary = Organisation.objects.using("default").get(pk=branch.pk)
    assert (primary.name, primary.short_name) == ("东村联合党支部", "东村")


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_transaction_on_the_primary_reads_its_own_writes(replica):
    with reads_from_replica(), replica_queries() as on_replica:
        with transaction.atomic():
            org = make_org(name="镇党委")
            assert router.db_for_read(Organisation) == "default"
            assert Organisation.objects.get(pk=org.pk).name == "镇党委"
        assert router.db_for_read(Organisation) == REPLICA
    assert on_replica.captured_queries == []


# ---- the two users of the replica: the dashboard and the ledger builds --------------------------


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_dashboard_answers_from_the_replica(replica, monkeypatch, login, reviewer, tree):
    monkeypatch.setattr("assessment.views.dashboard.timezone.localdate", lambda: TODAY)
    generate(seed=5, branches=8, years=(2026,), today=TODAY, parent=tree["town"], members=(3, 6))
    client = login(reviewer)
    url = reverse("assessment:dashboard", args=[tree["town"].pk])
    with replica_queries() as on_replica:
        response = client.get(url)
    assert response.status_code == 200
    assert "镇党委" in response.content.decode()
    assert len(on_replica.captured_queries) >= 3
    # The same figures as from the primary: the replica is its mirror here.
    with no_replica():
        plain = client.get(url)
    assert plain.context["chart_data"] == response.context["chart_data"]
    export = client.get(reverse("assessment:weakest_export", args=[tree["town"].pk]))
    assert export.status_code == 200


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_ledger_reads_its_data_from_the_replica_and_its_own_row_from_the_primary(replica, reviewer, tree):
    """A subtree PDF (a chord, eager here) reads its ledger row back after each part: never from the replica."""
    ensure_archive_defaults()
    ensure_meeting_defaults()
    ensure_assessment_defaults(YEAR)
    make_member(tree["branch"], name="张三")
    make_member(tree["other_branch"], name="李四")
    with replica_queries() as on_replica:
        # Eager Celery in tests: the tasks run here, after the request's commit.
        (ledger,) = ledger_request(user=reviewer, organisation=tree["town"], year=YEAR, formats=["pdf"])
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.DONE, ledger.error
    assert (ledger.parts_total, ledger.parts_done) == (2, 2)
    sql = [q["sql"] for q in on_replica.captured_queries]
    assert any("members_member" in s for s in sql)
    assert not any("archives_ledgerfile" in s for s in sql)
    assert writes(on_replica) == []
