"""年度台账 pages: who may ask for and download which ledger, versions, bad input, failures, queries.

The cast of tests/conftest.py: the branch's secretary (C1B1), an outsider (secretary of C2B1),
the town's reviewer (C1, not C2), a member-role user of C1B1, and an admin.
"""

import datetime as dt
import io
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from archives import excel
from archives.models import LedgerFile, LedgerStatus
from archives.panels import archive_panel
from archives.services import ledgers as services
from assessment.exports import content_disposition
from branches.models import Role
from tests.factories import UserFactory, grant, make_member

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def this_year():
    return timezone.localdate().year


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def member_user(tree):
    """A member-role grant on the branch: sees the branch, keeps none of its archive."""
    user = UserFactory(username="member")
    grant(user, tree["branch"], Role.MEMBER)
    return user


@pytest.fixture
def build(django_capture_on_commit_callbacks):
    """Ask for a ledger through the service and run its (eager) task, as the request's commit would."""

    def _build(org, user, *, year=None, formats=("xlsx",)):
        year = year or this_year()
        with django_capture_on_commit_callbacks(execute=True):
            made = services.ledger_request(user=user, organisation=org, year=year, formats=list(formats))
        for ledger in made:
            ledger.refresh_from_db()
        return made if len(made) > 1 else made[0]

    return _build


def list_url(org):
    return reverse("archives:ledger_list", args=[org.pk])


def ledger_urls(ledger):
    return [reverse(f"archives:ledger_{name}", args=[ledger.pk]) for name in ("detail", "status", "download")]


def page_messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# --- The owner: the branch's secretary ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_secretary_asks_for_the_branch_ledger_and_downloads_it(tree, secretary, login, settings, tmp_path):
    """The whole request in eager mode (no worker): the ledger is built before the redirect."""
    branch = tree["branch"]
    make_member(branch, name="王建华")
    client = login(secretary)

    response = client.get(list_url(branch))
    assert response.status_code == 200
    assert response.context["form"].fields["year"].choices[0] == (this_year(), f"{this_year()}年")
    assert "还没有生成过年度台账" in response.content.decode()

    response = client.post(list_url(branch), {"year": this_year(), "format": "xlsx"}, follow=True)
    ledger = LedgerFile.objects.get()
    assert response.redirect_chain == [(reverse("archives:ledger_detail", args=[ledger.pk]), 302)]
    assert ledger.status == LedgerStatus.DONE, ledger.error
    assert (ledger.organisation, ledger.year, ledger.format, ledger.version) == (
        branch,
        this_year(),
        "xlsx",
        1,
    )
    assert ledger.requested_by == secretary
    assert f"{this_year()}年度台账已生成：Excel第1版。" in page_messages(response)
    html = response.content.decode()
    assert 'data-testid="ledger-done"' in html
    assert 'aria-valuenow="100"' in html
    assert ledger.sha256 in html
    assert 'hx-get="' not in html  # nothing left to poll

    response = client.get(reverse("archives:ledger_download", args=[ledger.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    filename = f"东村党支部-{this_year()}年度台账-第1版.xlsx"
    assert ledger.filename == filename
    assert response["Content-Disposition"] == content_disposition(
        filename, f"ledger-C1B1-{this_year()}-v1.xlsx"
    )
    assert quote(filename) in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert len(body) == ledger.size
    workbook = load_workbook(io.BytesIO(body), read_only=True)
    assert "党员花名册" in workbook.sheetnames
    cells = [str(cell) for row in workbook["党员花名册"].iter_rows(values_only=True) for cell in row]
    assert "王建华" in cells


def test_secretary_sees_the_versions_of_the_branch(tree, secretary, login, build):
    branch = tree["branch"]
    first = build(branch, secretary)
    second = build(branch, secretary)
    assert (first.version, second.version) == (1, 2)
    response = login(secretary).get(list_url(branch))
    html = response.content.decode()
    assert f'data-ledger-id="{first.pk}" data-version="1"' in html
    assert f'data-ledger-id="{second.pk}" data-version="2"' in html
    # Newest version first; each done version has its download link, short hash and full hash in a title.
    assert html.index(f'data-ledger-id="{second.pk}"') < html.index(f'data-ledger-id="{first.pk}"')
    for ledger in (first, second):
        assert reverse("archives:ledger_download", args=[ledger.pk]) in html
        assert f'title="{ledger.sha256}">{ledger.sha256[:12]}</span>' in html
    assert "第2版" in html
    # Both files stay downloadable, each its own.
    client = login(secretary)
    bodies = [
        b"".join(client.get(reverse("archives:ledger_download", args=[x.pk])).streaming_content)
        for x in (first, second)
    ]
    assert [len(b) for b in bodies] == [first.size, second.size]


def test_asking_for_both_formats_makes_two_ledgers(
    tree, secretary, login, django_capture_on_commit_callbacks
):
    branch = tree["branch"]
    with django_capture_on_commit_callbacks(execute=False):
        response = login(secretary).post(list_url(branch), {"year": this_year(), "format": "both"})
    made = list(LedgerFile.objects.order_by("pk"))
    assert [(m.format, m.version) for m in made] == [("xlsx", 1), ("pdf", 1)]
    assert response.status_code == 302
    assert response.url == reverse("archives:ledger_detail", args=[made[0].pk])


# --- Refused roles and foreign objects: 404 --------------------------------------------------------


def test_outsider_gets_404_for_another_branch(tree, secretary, outsider, login, build):
    branch = tree["branch"]
    ledger = build(branch, secretary)
    client = login(outsider)
    assert client.get(list_url(branch)).status_code == 404
    for url in ledger_urls(ledger):
        assert client.get(url).status_code == 404, url
    response = client.post(list_url(branch), {"year": this_year(), "format": "xlsx"})
    assert response.status_code == 404
    assert LedgerFile.objects.count() == 1
    # Their own branch is theirs.
    assert client.get(list_url(tree["sibling_branch"])).status_code == 200


def test_secretary_cannot_see_the_committee_or_the_neighbour(tree, secretary, login):
    client = login(secretary)
    for org in ("town", "county", "other_branch", "group"):
        assert client.get(list_url(tree[org])).status_code == 404, org


def test_reviewer_keeps_the_subtree_only(tree, reviewer, outsider, login, build):
    client = login(reviewer)
    for org in ("town", "branch", "other_branch"):
        assert client.get(list_url(tree[org])).status_code == 200, org
    for org in ("sibling", "sibling_branch", "county", "group"):
        assert client.get(list_url(tree[org])).status_code == 404, org
    foreign = build(tree["sibling_branch"], outsider)
    for url in ledger_urls(foreign):
        assert client.get(url).status_code == 404, url
    # A committee's ledger, asked for by the reviewer: the subtree's workbook.
    own = build(tree["town"], reviewer)
    assert own.subtree and own.status == LedgerStatus.DONE
    for url in ledger_urls(own):
        assert client.get(url, follow=True).status_code == 200, url


def test_member_role_gets_404(tree, secretary, member_user, login, build):
    ledger = build(tree["branch"], secretary)
    client = login(member_user)
    assert client.get(list_url(tree["branch"])).status_code == 404
    assert client.get(reverse("archives:home")).status_code == 404
    for url in ledger_urls(ledger):
        assert client.get(url).status_code == 404, url
    assert client.post(list_url(tree["branch"]), {"year": this_year(), "format": "xlsx"}).status_code == 404
    assert LedgerFile.objects.count() == 1


def test_anonymous_is_sent_to_login(tree, client, secretary, build):
    ledger = build(tree["branch"], secretary)
    for url in [reverse("archives:home"), list_url(tree["branch"]), *ledger_urls(ledger)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_admin_keeps_every_archive_but_a_party_groups(tree, admin_user, outsider, login, build):
    client = login(admin_user)
    for org in ("county", "town", "branch", "sibling", "sibling_branch"):
        assert client.get(list_url(tree[org])).status_code == 200, org
    assert client.get(list_url(tree["group"])).status_code == 404
    ledger = build(tree["sibling_branch"], outsider)
    for url in ledger_urls(ledger):
        assert client.get(url, follow=True).status_code == 200, url
    response = client.post(list_url(tree["branch"]), {"year": this_year() - 1, "format": "xlsx"})
    assert response.status_code == 302
    assert LedgerFile.objects.filter(organisation=tree["branch"], year=this_year() - 1).exists()


@pytest.mark.parametrize(
    ("who", "where"),
    [("secretary", "branch"), ("outsider", "sibling_branch"), ("reviewer", "town"), ("admin_user", "county")],
)
def test_archive_home_lands_on_the_users_organisation(request, tree, login, who, where):
    response = login(request.getfixturevalue(who)).get(reverse("archives:home"))
    assert response.status_code == 302
    assert response.url == list_url(tree[where])


def test_archive_home_of_a_reviewer_who_is_also_a_member_below(tree, login):
    """A member grant is no archive of one's own: the reviewer lands on the committee, not the branch."""
    user = UserFactory(username="both")
    grant(user, tree["branch"], Role.MEMBER)
    grant(user, tree["town"], Role.REVIEWER)
    assert login(user).get(reverse("archives:home")).url == list_url(tree["town"])


# --- Bad input: a message, no new ledger, never a 500 ---------------------------------------------


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"year": "abc", "format": "xlsx"}, "之间的年度"),
        ({"year": "1999", "format": "xlsx"}, "之间的年度"),
        ({"year": "99999", "format": "xlsx"}, "之间的年度"),
        ({"year": str(this_year() + 1), "format": "xlsx"}, "之间的年度"),
        ({"year": "", "format": "xlsx"}, "请选择年度"),
        ({"year": str(this_year()), "format": "exe"}, "请选择台账格式"),
        ({"year": str(this_year())}, "请选择台账格式"),
    ],
)
def test_bad_input_is_refused_with_a_message(tree, secretary, login, data, said):
    response = login(secretary).post(list_url(tree["branch"]), data)
    assert response.status_code == 200
    assert said in page_messages(response)
    assert said in response.content.decode()  # also next to the field
    assert not LedgerFile.objects.exists()


def test_years_before_the_founding_are_not_offered(tree, secretary, login):
    branch = tree["branch"]
    branch.founded_on = dt.date(2015, 3, 1)
    branch.save(update_fields=["founded_on"])
    client = login(secretary)
    years = [y for y, _ in client.get(list_url(branch)).context["form"].fields["year"].choices]
    assert (years[0], years[-1]) == (this_year(), 2015)
    response = client.post(list_url(branch), {"year": "2014", "format": "xlsx"})
    assert f"请选择2015—{this_year()}年之间的年度" in page_messages(response)
    assert not LedgerFile.objects.exists()


def test_a_refusal_of_the_service_is_shown_on_the_form(tree, secretary, login, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError({"year": "该年度的台账正在整理，请稍后再试。"})

    monkeypatch.setattr(services, "ledger_request", refuse)
    response = login(secretary).post(list_url(tree["branch"]), {"year": this_year(), "format": "xlsx"})
    assert response.status_code == 200
    assert "该年度的台账正在整理" in page_messages(response)
    assert response.context["form"].errors["year"] == ["该年度的台账正在整理，请稍后再试。"]


# --- Failures, progress, the status fragment ------------------------------------------------------


def test_a_failure_shows_its_reason_and_earlier_versions_stay(tree, secretary, login, build, monkeypatch):
    branch = tree["branch"]
    good = build(branch, secretary)

    def broken(scope, out, *, progress=None):
        progress(20, "正在写入：党员花名册")
        raise OSError("磁盘已满")

    monkeypatch.setattr(excel, "write_workbook", broken)
    bad = build(branch, secretary)
    assert (bad.version, bad.status) == (2, LedgerStatus.FAILED)
    assert "磁盘已满" in bad.error

    client = login(secretary)
    response = client.get(reverse("archives:ledger_detail", args=[bad.pk]))
    html = response.content.decode()
    assert 'data-testid="ledger-failed"' in html
    assert "磁盘已满" in html
    assert 'data-testid="ledger-retry"' in html
    assert f'name="year" value="{this_year()}"' in html and 'name="format" value="xlsx"' in html
    assert reverse("archives:ledger_download", args=[good.pk]) in html  # the other version, listed
    assert client.get(reverse("archives:ledger_download", args=[bad.pk])).status_code == 404
    assert client.get(reverse("archives:ledger_download", args=[good.pk])).status_code == 200

    listing = client.get(list_url(branch)).content.decode()
    assert 'data-status="failed"' in listing and "磁盘已满" in listing
    assert reverse("archives:ledger_download", args=[good.pk]) in listing

    # 重新生成: the same year and format, a third version.
    monkeypatch.undo()
    response = client.post(list_url(branch), {"year": this_year(), "format": "xlsx"})
    assert response.status_code == 302
    assert LedgerFile.objects.filter(organisation=branch).count() == 3


def test_a_lost_file_is_a_404_not_a_500(tree, secretary, login, build):
    ledger = build(tree["branch"], secretary)
    ledger.file.storage.delete(ledger.file.name)
    assert login(secretary).get(reverse("archives:ledger_download", args=[ledger.pk])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_eager_failure_is_said_in_the_message(tree, secretary, login, monkeypatch):
    """In eager mode the task has run when the request returns: the message says it failed and why."""

    def broken(scope, out, *, progress=None):
        raise OSError("磁盘已满")

    monkeypatch.setattr(excel, "write_workbook", broken)
    response = login(secretary).post(
        list_url(tree["branch"]), {"year": this_year(), "format": "xlsx"}, follow=True
    )
    assert "Excel第1版生成失败" in page_messages(response)
    assert "磁盘已满" in page_messages(response)


def test_a_running_ledger_polls_its_progress(tree, secretary, login):
    branch = tree["branch"]
    [ledger] = services.ledger_request(
        user=secretary, organisation=branch, year=this_year(), formats=["xlsx"]
    )
    LedgerFile.objects.filter(pk=ledger.pk).update(
        status=LedgerStatus.RUNNING, percent=45, step="正在写入：三会一课"
    )
    client = login(secretary)
    status_url = reverse("archives:ledger_status", args=[ledger.pk])
    html = client.get(reverse("archives:ledger_detail", args=[ledger.pk])).content.decode()
    assert f'hx-get="{status_url}"' in html and 'hx-trigger="load delay:1s"' in html
    assert 'role="progressbar"' in html and 'aria-valuenow="45"' in html
    assert '<span class="fw-semibold text-nowrap small" data-testid="ledger-percent">45%</span>' in html
    assert "正在写入：三会一课" in html

    fragment = client.get(status_url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    text = fragment.content.decode()
    assert "<html" not in text and 'aria-valuenow="45"' in text and f'hx-get="{status_url}"' in text

    LedgerFile.objects.filter(pk=ledger.pk).update(status=LedgerStatus.DONE, percent=100)
    finished = client.get(status_url, headers={"HX-Request": "true"})
    assert finished.status_code == 200 and finished["HX-Refresh"] == "true"
    plain = client.get(status_url)
    assert plain.status_code == 302 and plain.url == reverse("archives:ledger_detail", args=[ledger.pk])
    # Not done: nothing to download yet.
    LedgerFile.objects.filter(pk=ledger.pk).update(status=LedgerStatus.RUNNING)
    assert client.get(reverse("archives:ledger_download", args=[ledger.pk])).status_code == 404


def test_a_subtree_pdf_counts_its_branches(tree, reviewer, login):
    town = tree["town"]
    [ledger] = services.ledger_request(user=reviewer, organisation=town, year=this_year(), formats=["pdf"])
    LedgerFile.objects.filter(pk=ledger.pk).update(
        status=LedgerStatus.RUNNING, percent=47, parts_total=2, parts_done=1, step="已完成：东村党支部"
    )
    client = login(reviewer)
    html = client.get(reverse("archives:ledger_detail", args=[ledger.pk])).content.decode()
    assert "已完成 1 / 2 个党支部" in html
    assert "PDF（ZIP）" in html
    form_html = client.get(list_url(town)).content.decode()
    assert "覆盖下属全部 2 个党支部" in form_html
    assert "ZIP" in form_html and "汇总表" in form_html
    branch_form = client.get(list_url(tree["branch"])).content.decode()
    assert "ZIP" not in branch_form


@pytest.mark.django_db(transaction=True)
def test_a_branch_pdf_request_ends_in_a_pdf(tree, secretary, login):
    client = login(secretary)
    client.post(list_url(tree["branch"]), {"year": this_year(), "format": "pdf"})
    ledger = LedgerFile.objects.get()
    assert ledger.status == LedgerStatus.DONE, ledger.error
    response = client.get(reverse("archives:ledger_download", args=[ledger.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert ledger.filename.endswith(".pdf")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


# --- Pagination and queries -----------------------------------------------------------------------


def make_versions(org, user, n, *, year=None):
    year = year or this_year()
    start = LedgerFile.objects.filter(organisation=org, year=year).count()
    for v in range(start + 1, start + n + 1):
        LedgerFile.objects.create(
            organisation=org,
            year=year,
            format="xlsx",
            version=v,
            status=LedgerStatus.DONE if v % 3 else LedgerStatus.FAILED,
            requested_by=user,
            size=12345 * v,
            sha256=f"{v:064x}",
            error="" if v % 3 else "生成时出错",
            percent=100,
        )


def list_queries(client, org) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(list_url(org)).status_code == 200
    return len(queries)


def test_list_queries_do_not_grow_with_the_versions(tree, secretary, login):
    branch = tree["branch"]
    client = login(secretary)
    make_versions(branch, secretary, 2)
    two = list_queries(client, branch)
    make_versions(branch, UserFactory(), 10)
    twelve = list_queries(client, branch)
    assert two == twelve, (two, twelve)
    assert twelve <= 12


def test_list_pages_by_twenty(tree, secretary, login):
    branch = tree["branch"]
    make_versions(branch, secretary, 25)
    client = login(secretary)
    first = client.get(list_url(branch))
    assert len(first.context["page"].object_list) == 20
    assert "1 / 2" in first.content.decode()
    second = client.get(list_url(branch), {"page": 2})
    assert [x.version for x in second.context["page"].object_list] == [5, 4, 3, 2, 1]
    assert client.get(list_url(branch), {"page": "abc"}).status_code == 200


# --- The organisation page's panel and the navigation ---------------------------------------------


class Request:
    def __init__(self, user):
        self.user = user


def test_panel_shows_the_newest_done_ledger_per_format(tree, secretary, django_assert_num_queries):
    branch = tree["branch"]
    make_versions(branch, secretary, 2, year=this_year() - 1)
    make_versions(branch, secretary, 3, year=this_year())  # v1, v2 done, v3 failed
    pdf = LedgerFile.objects.create(
        organisation=branch,
        year=this_year() - 1,
        format="pdf",
        version=1,
        status=LedgerStatus.DONE,
        size=2048,
    )
    request = Request(secretary)
    archive_panel(request, branch)  # the user's grants, read once a request
    with django_assert_num_queries(1):
        html = archive_panel(request, branch)
    newest = LedgerFile.objects.get(organisation=branch, year=this_year(), version=2)
    assert reverse("archives:ledger_download", args=[newest.pk]) in html
    assert reverse("archives:ledger_download", args=[pdf.pk]) in html
    assert html.count("下载</a>") == 2
    assert reverse("archives:ledger_list", args=[branch.pk]) in html
    assert reverse("archives:document_list", args=[branch.pk]) in html


def test_panel_only_for_archive_keepers(tree, secretary, member_user, outsider, reviewer, login):
    branch = tree["branch"]
    assert 'data-testid="archive-panel"' in login(secretary).get(branch.get_absolute_url()).content.decode()
    assert "尚未生成年度台账" in archive_panel(Request(secretary), branch)
    assert archive_panel(Request(member_user), branch) == ""
    assert archive_panel(Request(outsider), branch) == ""
    assert archive_panel(Request(reviewer), tree["town"]) != ""
    assert archive_panel(Request(reviewer), tree["group"]) == ""
    assert (
        'data-testid="archive-panel"'
        not in login(member_user).get(branch.get_absolute_url()).content.decode()
    )


@pytest.mark.parametrize(
    ("who", "where"), [("secretary", "branch"), ("reviewer", "town"), ("admin_user", "county")]
)
def test_navigation_leads_to_the_users_archive(request, tree, login, who, where):
    html = login(request.getfixturevalue(who)).get(reverse("archives:home"), follow=True).content.decode()
    assert 'data-testid="nav-archives"' in html
    assert f'href="{list_url(tree[where])}"><i class="bi bi-journal-text"></i> 年度台账' in html
    document_list = reverse("archives:document_list", args=[tree[where].pk])
    assert f'href="{document_list}"><i class="bi bi-archive"></i> 文件盒（三本五盒）' in html


def test_navigation_has_no_archive_for_a_member(tree, member_user, login):
    html = login(member_user).get(tree["branch"].get_absolute_url()).content.decode()
    assert 'data-testid="nav-archives"' not in html
