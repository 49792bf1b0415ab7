"""``make load`` in small: 3 secretaries and 1 reviewer for 5 seconds against a live server.

The load runs over real HTTP (pytest-django's ``live_server``) on a tiny seeded tree; the test
asserts no failed request and that the saves answered with a redirect to a meeting are exactly
the meetings in the database. No assertion on a time.
"""

import pytest
from django.core.management import call_command
from django.core.servers.basehttp import WSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread, _StaticFilesHandler
from django.urls import reverse
from django.utils import timezone

from branches.models import Grant, Organisation, Role
from meetings.models import Meeting
from scale.bench import subjects
from scale.load import clients, meetings, report, run, users

BRANCHES = 6


@pytest.fixture
def root(transactional_db):
    call_command("seed_scale", "--branches", str(BRANCHES), "--members-per-branch", "16", "--years", "1")
    return subjects.root_of(BRANCHES)


class _SerialServer(WSGIServer):
    """One request at a time: the in-memory SQLite database is one connection shared with the server."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)


class _SerialServerThread(LiveServerThread):
    server_class = _SerialServer


@pytest.fixture
def server_url(request, transactional_db):
    """pytest-django's live server; on in-memory SQLite the same server answering one request at a time.

    The threaded live server hands SQLite's single shared connection to concurrent threads, which then
    open transactions inside each other's; PostgreSQL gives each thread its own connection.
    """
    shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    if not shared:
        yield request.getfixturevalue("live_server").url
        return
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread = _SerialServerThread("127.0.0.1", _StaticFilesHandler, connections_override=shared)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()
    for conn in shared.values():
        conn.dec_thread_sharing()


def test_a_short_load_saves_every_meeting_it_answers_for_and_fails_nothing(root, server_url):
    cast = users.prepare(root, secretaries=3, reviewers=1)
    since = timezone.now()

    result = run.run(server_url, cast, seconds=5)

    assert result.failures == []
    assert [f"{s.kind} {s.error}" for s in result.errors] == []
    kinds = {s.kind for s in result.samples}
    assert kinds == {clients.FORM, clients.SAVE, clients.DASHBOARD}
    check = meetings.check(result, cast, since)
    assert check.redirected > 0
    assert check.redirected == check.in_database
    assert check.missing == []
    assert check.equal
    text = report.table(result)
    assert clients.SAVE in text and "合计" in text

    assert meetings.remove(cast, timezone.localdate().year) == check.in_database
    assert not Meeting.objects.filter(topic=clients.TOPIC).exists()


def test_prepare_is_idempotent_and_gives_distinct_branches(root):
    first = users.prepare(root, secretaries=3, reviewers=2)
    again = users.prepare(root, secretaries=3, reviewers=2)
    assert first == again
    assert len(set(first.branch_ids)) == 3
    assert first.reviewers[0].organisation_id == root.pk
    for account in first.secretaries:
        assert Grant.objects.filter(user__username=account.username).count() == 1
        assert Grant.objects.get(user__username=account.username).role == Role.SECRETARY
    with pytest.raises(users.NotEnoughData):
        users.prepare(root, secretaries=BRANCHES + 1, reviewers=1)


def test_a_save_that_shows_the_form_again_or_goes_elsewhere_is_an_error():
    meeting = reverse("meetings:detail", args=[7])
    assert clients._saved(302, {"Location": meeting}) == (7, "")
    assert clients._saved(200, {})[1].startswith("未保存")
    assert clients._saved(302, {"Location": reverse("login")})[1].startswith("跳转到")


def test_a_redirect_to_a_meeting_missing_from_the_database_fails_the_check(root):
    cast = users.prepare(root, secretaries=1, reviewers=1)
    since = timezone.now()
    result = run.Result(samples=[clients.Sample(clients.SAVE, 0.0, 1.0, status=302, meeting_id=999_999)])
    check = meetings.check(result, cast, since)
    assert (check.redirected, check.in_database, check.missing) == (1, 0, [999_999])
    assert not check.equal
    assert "不一致" in report.check_text(check)
    assert Organisation.objects.filter(pk__in=cast.branch_ids).count() == 1
