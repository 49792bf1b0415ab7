"""Files over 1,000 rows go through Celery tasks (eager in tests; a real worker when REDIS_URL is set)."""

import os
import time

import pytest
from django.urls import reverse

from config.celery import app
from members.models import ImportStatus, Member, RosterImport
from members.services import roster_import as services
from members.tasks import imports as tasks

from .test_import_support import media_root, person, upload_file, workbook_bytes  # noqa: F401

ROWS = 2000


@pytest.fixture(scope="module")
def big_file() -> bytes:
    return workbook_bytes([person(n) for n in range(1, ROWS + 1)])


@pytest.fixture
def spy(monkeypatch):
    """Which task ran (through apply_async), and the progress each reported."""
    seen = {"sent": [], "progress": []}
    for task in (tasks.validate_roster_import, tasks.run_roster_import):
        original = task.apply_async

        def apply_async(*args, _task=task, _original=original, **kwargs):
            seen["sent"].append(_task.name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(task, "apply_async", apply_async)
        monkeypatch.setattr(
            task,
            "update_state",
            lambda state=None, meta=None, _task=task, **kw: seen["progress"].append(
                (_task.name, state, meta)
            ),
        )
    return seen


@pytest.mark.django_db
def test_a_2000_row_file_is_validated_and_imported_by_tasks(
    login, secretary, tree, big_file, spy, django_capture_on_commit_callbacks
):
    client = login(secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("members:import_upload", args=[tree["branch"].pk]), {"file": upload_file(big_file)}
        )
    roster_import = RosterImport.objects.get()
    assert response.url == reverse("members:import_detail", args=[roster_import.pk])
    assert spy["sent"] == ["members.tasks.imports.validate_roster_import"]
    assert roster_import.task_id
    assert roster_import.status == ImportStatus.VALIDATED, roster_import.summary["errors"][:3]
    assert roster_import.summary["counts"]["new"] == ROWS
    assert not Member.objects.exists()
    steps = {meta["step"] for _, state, meta in spy["progress"]}
    assert steps == {"reading", "checking"} and {s for _, s, _ in spy["progress"]} == {"PROGRESS"}

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("members:import_confirm", args=[roster_import.pk]))
    roster_import.refresh_from_db()
    assert spy["sent"][-1] == "members.tasks.imports.run_roster_import"
    assert roster_import.status == ImportStatus.DONE
    assert Member.objects.filter(organisation=tree["branch"]).count() == ROWS
    last = spy["progress"][-1][2]
    assert last == {"step": "writing", "done": ROWS, "total": ROWS}

    # A second delivery of the task (acks_late, a worker restart) writes nothing more.
    assert tasks.run_roster_import.apply(args=[roster_import.pk]).get() == ImportStatus.DONE
    assert Member.objects.count() == ROWS
    page = client.get(reverse("members:import_detail", args=[roster_import.pk])).content.decode()
    assert "新增 2000 人" in page and "1 / 40" in page


@pytest.mark.django_db
def test_the_page_shows_progress_while_the_task_runs(login, secretary, tree, big_file, monkeypatch):
    monkeypatch.setattr(services.transaction, "on_commit", lambda func: None)  # the worker has not started
    roster_import = services.roster_import_upload(
        organisation=tree["branch"], file=upload_file(big_file), uploaded_by=secretary
    )
    assert roster_import.status == ImportStatus.RUNNING
    page = login(secretary).get(reverse("members:import_detail", args=[roster_import.pk])).content.decode()
    assert "正在校验文件" in page and 'hx-trigger="load delay:1s"' in page
    assert '<noscript><meta http-equiv="refresh"' in page


@pytest.mark.django_db
def test_a_bad_row_in_a_large_file_is_reported_and_nothing_saved(
    secretary, tree, django_capture_on_commit_callbacks
):
    rows = [person(n) for n in range(1, 1201)]
    rows[1100]["身份证号"] = 110105195001020018
    with django_capture_on_commit_callbacks(execute=True):
        roster_import = services.roster_import_upload(
            organisation=tree["branch"], file=upload_file(workbook_bytes(rows)), uploaded_by=secretary
        )
    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.INVALID
    assert [e[0] for e in roster_import.summary["errors"]] == [1102]
    assert not Member.objects.exists()


# --- A real worker on Redis ---------------------------------------------------------------------


def wait_while_running(roster_import, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        roster_import.refresh_from_db()
        if roster_import.status != ImportStatus.RUNNING:
            return roster_import
        time.sleep(0.2)
    raise AssertionError(f"still running after {seconds} s: {roster_import.summary.get('phase')}")


@pytest.mark.worker
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL not set: no broker to test against")
@pytest.mark.django_db(transaction=True)
def test_large_import_through_a_real_worker(celery_worker, tree, secretary, big_file):
    assert app.conf.broker_url.startswith("redis://")
    roster_import = services.roster_import_upload(
        organisation=tree["branch"], file=upload_file(big_file), uploaded_by=secretary
    )
    assert roster_import.status == ImportStatus.RUNNING  # sent to the worker, not run in-process
    roster_import = wait_while_running(roster_import)
    assert roster_import.status == ImportStatus.VALIDATED, roster_import.summary.get("errors", [])[:3]

    services.roster_import_confirm(roster_import=roster_import, confirmed_by=secretary)
    with pytest.raises(Exception, match="不能重复导入"):
        services.roster_import_confirm(roster_import=roster_import, confirmed_by=secretary)
    roster_import = wait_while_running(roster_import)
    assert roster_import.status == ImportStatus.DONE
    assert Member.objects.filter(organisation=tree["branch"]).count() == ROWS
    assert app.AsyncResult(roster_import.task_id).get(timeout=10) == ImportStatus.DONE
