"""The benchmark suite (scale/bench, manage.py bench): its statistics, its table, and a real run of the
page measurements on a tiny tree. No assertion on a time: only that each row was measured."""

import datetime as dt
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from branches.models import Organisation, Role
from meetings.models import Attendance, ComplianceRecord, ComplianceStatus
from members.models import Member
from scale.bench import database, floors, http, ledger, meeting_form, pages, report, subjects
from scale.bench.rows import BRANCH_PAGE, DASHBOARD, LEDGER, Row
from scale.bench.stats import duration, median, percentile, time_calls
from tests.assessment.dashboard_fixture import generate
from tests.factories import UserFactory, grant, make_member

# --- statistics ---------------------------------------------------------------------------------------


def test_median_of_odd_and_even_lists():
    assert median([3, 1, 2]) == 2
    assert median([4, 1, 3, 2]) == 2.5
    assert median([7]) == 7


def test_p95_is_a_measured_value_by_nearest_rank():
    twenty = list(range(1, 21))
    assert percentile(twenty, 95) == 19  # the 19th of 20, not an interpolation towards 20
    assert percentile(list(range(100, 0, -1)), 95) == 95  # order of the input does not matter
    assert percentile(twenty, 100) == 20
    assert percentile(twenty, 50) == 10
    assert percentile([42.0], 95) == 42.0
    assert percentile([1, 2, 3, 1000], 95) == 1000


def test_statistics_refuse_empty_lists_and_bad_percentiles():
    with pytest.raises(ValueError):
        median([])
    with pytest.raises(ValueError):
        percentile([], 95)
    with pytest.raises(ValueError):
        percentile([1, 2], 0)


def test_time_calls_counts_each_runs_queries_and_leaves_the_warmup_out(db):
    calls = []

    def two_queries():
        calls.append(1)
        Organisation.objects.count()
        Member.objects.count()

    timing = time_calls(two_queries, runs=4, warmup=2)
    assert len(calls) == 6
    assert timing.runs == 4
    assert timing.queries == [2, 2, 2, 2]
    assert timing.query_range == (2, 2)
    assert all(t > 0 for t in timing.times_ms)
    assert timing.p95_ms == max(timing.times_ms)  # 95th of 4 by nearest rank is the 4th


def test_duration_text():
    assert duration(None) == "—"
    assert duration(3.14) == "3.1 ms"
    assert duration(123.4) == "123 ms"
    assert duration(1234) == "1.23 s"
    assert duration(12345) == "12.3 s"


# --- rows, targets and the table ------------------------------------------------------------------------


def test_targets_mark_rows_met_or_missed():
    assert Row("看板", median_ms=299.9, target=DASHBOARD).met is True
    assert Row("看板", median_ms=300, target=DASHBOARD).met is False
    assert Row("花名册", median_ms=99, target=BRANCH_PAGE).met is True
    assert Row("花名册", median_ms=101, target=BRANCH_PAGE).met is False
    assert Row("SQL", median_ms=5).met is None
    ok = {"ratio": 1.5, "peak_mb": 199.0}
    assert Row("台账", median_ms=9000, target=LEDGER, figures=ok).met is True
    assert Row("台账", median_ms=9000, target=LEDGER, figures={**ok, "ratio": 1.51}).met is False
    assert Row("台账", median_ms=9000, target=LEDGER, figures={**ok, "peak_mb": 200.0}).met is False


def test_table_has_the_columns_and_a_mark_per_target():
    rows = [
        Row(
            "考核看板",
            runs=20,
            median_ms=120,
            p95_ms=150,
            queries=(12, 12),
            floor="按下级 110 ms",
            target=DASHBOARD,
        ),
        Row("保存会议", runs=20, median_ms=140, p95_ms=180, queries=(14, 16), target=BRANCH_PAGE, note="a|b"),
        Row("HTTP", runs=512, median_ms=40, p95_ms=90),
    ]
    lines = report.table(rows).splitlines()
    assert lines[0] == "| " + " | ".join(report.COLUMNS) + " |"
    assert lines[1].count("---") == len(report.COLUMNS)
    cells = [line.strip("|").split(" | ") for line in lines[2:]]
    assert [len(c) for c in cells] == [len(report.COLUMNS)] * 3
    board, save, load = (dict(zip(report.COLUMNS, [c.strip() for c in row], strict=True)) for row in cells)
    assert (
        board["达标"] == "✓" and board["查询数"] == "12" and board["原始 SQL 聚合（对照）"] == "按下级 110 ms"
    )
    assert board["目标"] == "中位数 < 300 ms" and board["中位数"] == "120 ms" and board["P95"] == "150 ms"
    assert save["达标"] == "✗" and save["查询数"] == "14–16"
    assert save["说明"] == "a\\|b"  # a pipe in a note does not break the table
    assert load["达标"] == "" and load["次数"] == "512"


def test_document_names_machine_date_data_and_misses():
    rows = [
        Row("考核看板 · 省", runs=20, median_ms=120, target=DASHBOARD),
        Row("保存会议", runs=20, median_ms=140, target=BRANCH_PAGE),
    ]
    context = report.Context(
        when=timezone.localtime(),
        machine={
            "cpu": "AMD EPYC",
            "cores": "2",
            "ram": "22.0 GB",
            "database": "PostgreSQL 15.4",
            "python": "3.11",
            "django": "5.2",
            "os": "Linux",
        },
        root_name="省级性能测试（10000个支部）",
        size={"branches": 10000, "party_members": 180000},
        runs=20,
        debug=False,
        seeded="seed_scale 用时 9.5 分钟",
    )
    text = report.document(rows, context)
    assert "AMD EPYC，2 核，内存 22.0 GB；PostgreSQL 15.4" in text
    assert f"{context.when:%Y-%m-%d}" in text
    assert "支部 10,000，党员 180,000" in text
    assert "seed_scale 用时 9.5 分钟" in text
    assert "DEBUG=0" in text
    assert "未达标：保存会议" in text
    assert report.table(rows) in text


def test_rows_survive_the_json_of_a_child_run():
    row = Row(
        "台账", runs=1, median_ms=9000.0, queries=(3, 4), target=LEDGER, figures={"ratio": 1.2, "peak_mb": 90}
    )
    again = Row.from_json(row.as_json())
    assert again == row
    assert again.met is True


def test_the_100k_database_is_the_same_server_under_another_name():
    url = "postgres://postgres@127.0.0.1:5432/zhibutong_bench"
    assert (
        database.with_name(url, "zhibutong_bench100k")
        == "postgres://postgres@127.0.0.1:5432/zhibutong_bench100k"
    )
    assert (
        database.with_name(f"{url}?sslmode=disable", "x")
        == "postgres://postgres@127.0.0.1:5432/x?sslmode=disable"
    )


# --- the data the bench reads ----------------------------------------------------------------------------


def test_prefix_bounds_cover_exactly_the_subtree():
    assert floors.prefix_bounds("0001") == ("0001", "0002")
    low, high = floors.prefix_bounds("0001000Z")
    assert (low, high) == ("0001000Z", "0001001")  # the trailing Z cannot grow: its left neighbour does
    assert low <= "0001000Z0001" < "0001000ZZZZZ" < high <= "00010010"
    assert floors.prefix_bounds("000Z") == ("000Z", "001")
    low, high = floors.prefix_bounds("ZZZZ")
    assert low <= "ZZZZ0001" < high


@pytest.fixture
def generated(db):
    year = timezone.localdate().year
    made = generate(seed=3, branches=12, years=(year,), today=timezone.localdate())
    return made, year


def test_plain_aggregates_count_the_compliance_rows_of_the_subtree(generated):
    made, year = generated
    root = made.root
    by_child = floors.rate_by_child(root, year)
    by_month = floors.monthly_trend(root, year)
    rows = ComplianceRecord.objects.filter(org_path__startswith=root.path, year=year)
    met = rows.filter(status=ComplianceStatus.MET).count()
    short = rows.filter(status=ComplianceStatus.SHORT).count()
    assert met > 0 and short > 0
    assert sum(r[1] for r in by_child) == met and sum(r[2] for r in by_child) == short
    assert sum(r[1] for r in by_month) == met and sum(r[2] for r in by_month) == short
    children = set(Organisation.objects.filter(parent=root).values_list("path", flat=True))
    assert {r[0] for r in by_child} <= children
    assert "按下级" in floors.describe(floors.measure(root, year, runs=2))


def test_subtree_near_picks_the_committee_closest_to_the_asked_size(generated):
    made, _year = generated
    counts = {
        c.pk: Member.objects.party_members().filter(organisation__path__startswith=c.path).count()
        for c in Organisation.objects.filter(pk__in=made.committee_ids)
    }
    asked = sorted(counts.values())[len(counts) // 2]
    found, members = ledger.subtree_near(made.root, asked)
    assert members == asked
    assert found.path.startswith(made.root.path) and not found.is_branch
    whole, total = ledger.subtree_near(made.root, 10**9)
    assert whole == made.root and total == sum(counts.values())


def test_data_size_counts_the_subtree(generated):
    made, year = generated
    size = subjects.data_size(made.root, year)
    assert size["branches"] == 12
    assert (
        size["party_members"]
        == Member.objects.party_members().filter(organisation_id__in=made.branch_ids).count()
    )
    assert (
        size["compliance_year"]
        == ComplianceRecord.objects.filter(org_path__startswith=made.root.path).count()
    )
    assert size["meetings"] == 0


def test_meeting_payload_marks_the_first_fifty_present():
    html = "".join(
        f'<input name="a-{pk}" value="present"><input name="a-{pk}" value="absent">' for pk in range(1, 56)
    )
    data = meeting_form.payload(html, day=dt.date(2026, 3, 2))
    marks = [data[f"a-{pk}"] for pk in range(1, 56)]
    assert marks == ["present"] * 50 + ["absent"] * 5
    assert data["day"] == data["roster_day"] == "2026-03-02"
    with pytest.raises(ValueError):
        meeting_form.payload("<form></form>", day=dt.date(2026, 3, 2))


# --- a real run of the page measurements on a tiny tree ----------------------------------------------


@pytest.fixture
def bench_subjects(tree, secretary, reviewer):
    for n in range(4):
        make_member(tree["branch"], name=f"测试党员{n}")
    root_user = UserFactory(username="scale_root")
    grant(root_user, tree["county"], Role.REVIEWER)
    return subjects.Subjects(
        root=tree["county"],
        county=tree["town"],
        branch=tree["branch"],
        root_user=root_user,
        county_user=reviewer,
        secretary=secretary,
        year=timezone.localdate().year,
    )


def test_page_measurements_give_times_and_query_counts(bench_subjects):
    rows = [
        *pages.dashboards(bench_subjects, runs=3),
        *pages.branch_pages(bench_subjects, runs=3),
        *pages.meeting_save(bench_subjects, runs=3),
    ]
    names = [r.name for r in rows]
    assert names[0].startswith("考核看板 · 省级根节点（3 个支部）")
    assert "组织生活日历" in names and "党员花名册" in names and "党费月度收缴" in names
    assert "保存会议（50 人出席）" in names
    for row in rows:
        assert row.runs == 3, row.name
        assert row.median_ms > 0 and row.p95_ms >= row.median_ms, row.name
        assert row.queries is not None and row.queries[0] > 0, row.name
    assert all("按下级" in r.floor for r in rows[:2])
    save = rows[names.index("保存会议（50 人出席）")]
    assert "4 条出勤（出席 4）" in save.note
    saved = pages.bench_meetings(bench_subjects.branch)
    assert saved.count() == 4  # the warm-up and three runs
    assert Attendance.objects.filter(meeting__in=saved).count() == 16
    assert pages.remove_bench_meetings(bench_subjects) == 4
    assert not pages.bench_meetings(bench_subjects.branch).exists()


def test_a_page_that_does_not_answer_stops_the_bench(bench_subjects, outsider):
    bench_subjects.secretary = outsider  # another branch's secretary: the pages are 404 to her
    with pytest.raises(pages.PageError, match="404"):
        pages.branch_pages(bench_subjects, runs=1)


def test_command_writes_the_table(bench_subjects, tmp_path):
    UserFactory(username="scale_county").grants.create(organisation=bench_subjects.county, role=Role.REVIEWER)
    UserFactory(username="scale_secretary").grants.create(
        organisation=bench_subjects.branch, role=Role.SECRETARY
    )
    Organisation.objects.filter(pk=bench_subjects.root.pk).update(code="SCALE-3")
    out = tmp_path / "benchmarks.md"
    call_command(
        "bench",
        "--branches",
        "3",
        "--skip-seed",
        "--only",
        "dashboard,pages,save",
        "--runs",
        "2",
        "--out",
        str(out),
    )
    text = out.read_text()
    assert "# 性能基准" in text and ("PostgreSQL" in text or "SQLite" in text)
    assert text.count("| 考核看板 · ") == 2
    assert "| 保存会议（50 人出席） | 2 |" in text
    assert "✓" in text or "✗" in text
    assert not pages.bench_meetings(bench_subjects.branch).exists()  # cleaned up after the run


def test_command_refuses_a_missing_tree_with_skip_seed(db, tmp_path):
    with pytest.raises(CommandError, match="SCALE-7"):
        call_command("bench", "--branches", "7", "--skip-seed", "--out", str(tmp_path / "b.md"))
    with pytest.raises(CommandError, match="--only"):
        call_command("bench", "--only", "dashbord")


# --- wrk's summary, against a local server -------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server interface
        self.send_response(200 if self.path == "/ok" else 404)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is installed by make bench (./.ci/apt-ensure wrk)"
)
def test_wrk_summary_counts_requests_and_error_answers():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    load = http.Load(duration=1, connections=2, threads=1)
    try:
        good = http.run_wrk(f"{base}/ok", load=load, cookie="sessionid=x")
        bad = http.run_wrk(f"{base}/missing", load=load, cookie="sessionid=x")
    finally:
        server.shutdown()
        server.server_close()
    assert good["requests"] > 0 and good["status"] == 0
    assert good["p50_us"] <= good["p95_us"] <= good["max_us"]
    assert bad["requests"] > 0 and bad["status"] == bad["requests"]
    row = http._row("HTTP", bad, load)
    assert row.runs == bad["requests"] and row.figures["non_2xx_3xx"] == bad["status"]
