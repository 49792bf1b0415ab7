"""Pages timed in-process through the Django test client: middleware, view and template included.

Each measurement logs the user in once, warms up, then times ``runs`` requests with their
queries counted. A page answering anything but the expected status stops the bench: a 404 or
a form error timed as a success would be a false figure.
"""

from __future__ import annotations

import contextlib

from django.test import Client, override_settings
from django.urls import reverse

from branches.models import Organisation
from branches.rules import BRANCH_KINDS
from config.celery import app as celery_app
from meetings.models import Attendance, Meeting
from meetings.tasks import refresh_compliance

from . import floors, meeting_form
from .rows import BRANCH_PAGE, DASHBOARD, Row
from .stats import time_calls
from .subjects import Subjects


class PageError(RuntimeError):
    """A measured page did not answer as a user would see it work."""


@contextlib.contextmanager
def in_process():
    """The test client's host allowed and no HTTPS redirect, whatever the production-like settings say."""
    with override_settings(ALLOWED_HOSTS=["*"], SECURE_SSL_REDIRECT=False):
        yield


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _getter(client: Client, url: str, status: int = 200):
    def call():
        response = client.get(url)
        if response.status_code != status:
            raise PageError(f"{url} 返回 {response.status_code}（应为 {status}）")
        return response

    return call


def dashboards(subjects: Subjects, *, runs: int) -> list[Row]:
    """The root's and the county's 考核看板, each beside the plain SQL aggregates it replaces."""
    rows = []
    for label, node, user in (
        ("省级根节点", subjects.root, subjects.root_user),
        ("县", subjects.county, subjects.county_user),
    ):
        branches = Organisation.objects.subtree_of(node).filter(kind__in=BRANCH_KINDS).count()
        rows.append(dashboard(f"{label}（{branches:,} 个支部）", node, user, subjects.year, runs=runs))
    return rows


def dashboard(label: str, node, user, year: int, *, runs: int) -> Row:
    url = reverse("assessment:dashboard", args=[node.pk])
    with in_process():
        timing = time_calls(_getter(_client(user), url), runs=runs)
    floor = floors.measure(node, year, runs=runs)
    return Row.timed(
        f"考核看板 · {label}",
        timing,
        floor=floors.describe(floor),
        target=DASHBOARD,
        figures={
            "floor_by_child_ms": floor["by_child"].median_ms,
            "floor_trend_ms": floor["trend"].median_ms,
        },
    )


def branch_pages(subjects: Subjects, *, runs: int) -> list[Row]:
    """The secretary's pages of the bench branch."""
    pk = subjects.branch.pk
    pages = (
        ("组织生活日历", reverse("meetings:calendar", args=[pk])),
        ("党员花名册", reverse("members:roster", args=[pk])),
        ("党费月度收缴", reverse("members:dues_month", args=[pk])),
        ("记录会议表单（GET）", f"{reverse('meetings:record', args=[pk])}?kind={meeting_form.KIND}"),
    )
    rows = []
    with in_process():
        client = _client(subjects.secretary)
        for name, url in pages:
            timing = time_calls(_getter(client, url), runs=runs)
            rows.append(Row.timed(name, timing, target=BRANCH_PAGE))
    return rows


@contextlib.contextmanager
def tasks_queued():
    """Follow-up tasks queued, not run in the request, as with a broker and a worker.

    Without REDIS_URL the portal runs tasks eagerly, so a save would include the compliance
    refresh that a worker does afterwards in production. With the in-memory broker they are
    queued in this process and never run; the refresh is timed on its own (``refresh_row``).
    """
    eager = celery_app.conf.task_always_eager
    if str(celery_app.conf.broker_url).startswith("memory://"):
        celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = eager


def meeting_save(subjects: Subjects, *, runs: int) -> list[Row]:
    """POST the real meeting form with 50 present, once a run; every run must save one meeting."""
    url = f"{reverse('meetings:record', args=[subjects.branch.pk])}?kind={meeting_form.KIND}"
    before = set(bench_meetings(subjects.branch).values_list("pk", flat=True))
    with in_process(), tasks_queued():
        client = _client(subjects.secretary)
        data = meeting_form.payload(_getter(client, url)().content.decode(), day=subjects.today)

        def save():
            response = client.post(url, data)
            if response.status_code != 302:
                raise PageError(f"保存会议返回 {response.status_code}（应为 302 跳转），表单可能有误")

        timing = time_calls(save, runs=runs)
    saved = bench_meetings(subjects.branch).exclude(pk__in=before)
    count = saved.count()
    attendance = Attendance.objects.filter(meeting__in=saved)
    present = attendance.filter(presence="present").count()
    if count != runs + 1:
        raise PageError(f"{runs + 1} 次提交只保存了 {count} 次会议")
    note = (
        f"每次新建 1 次会议、{attendance.count() // count} 条出勤（出席 {present // count}）；"
        f"共保存 {count} 次（含预热）；合规刷新任务入队不在请求内执行"
    )
    return [
        Row.timed("保存会议（50 人出席）", timing, target=BRANCH_PAGE, note=note),
        refresh_row(subjects, runs=runs),
    ]


def refresh_row(subjects: Subjects, *, runs: int) -> Row:
    """What a worker does after each save: the branch's compliance for the year (and what it updates)."""
    branch, year = subjects.branch.pk, subjects.year
    timing = time_calls(lambda: refresh_compliance(branch, year), runs=runs)
    return Row.timed(
        "会后合规刷新（Celery 任务，单个支部）", timing, note="refresh_compliance，保存后由 worker 执行"
    )


def bench_meetings(branch):
    return Meeting.objects.filter(branch=branch, topic=meeting_form.TOPIC)


def remove_bench_meetings(subjects: Subjects) -> int:
    """Delete the meetings the bench saved and recompute the branch: the next run measures the same data."""
    deleted = bench_meetings(subjects.branch).count()
    bench_meetings(subjects.branch).delete()
    refresh_compliance(subjects.branch.pk, subjects.year)
    return deleted
