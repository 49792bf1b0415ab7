"""The compliance calendar, its cells, the refresh button and the organisation page's panel."""

import datetime as dt

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import Role
from meetings import compliance
from meetings.models import ComplianceRecord, MeetingKind
from meetings.panels import organisational_life_panel
from meetings.rules import LOCAL_TZ
from meetings.services.meetings import meeting_save
from members.services import members as member_services
from tests.factories import UserFactory, grant, make_member


def past_year():
    return timezone.localdate().year - 1  # a whole past year: every month can hold a meeting


def url(name, *args):
    return reverse(f"meetings:{name}", args=args)


def at(year, month, day=10, hour=19):
    return dt.datetime(year, month, day, hour, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def members(tree):
    branch = tree["branch"]
    return [make_member(branch, name=n) for n in ("张三", "李四", "王五", "赵六")]


@pytest.fixture
def committee(tree, members):
    """Three of the four members form the branch committee (支部委员会)."""
    term = member_services.current_term(tree["branch"])
    for member, position in zip(members, ("secretary", "organisation", "propaganda"), strict=False):
        member_services.appointment_add(
            term=term, member=member, position=position, appointed_on=dt.date(2024, 2, 1)
        )
    return members[:3]


@pytest.fixture
def member_user(tree, members):
    user = UserFactory(username="zhangsan")
    member = members[0]
    member.user = user
    member.save(update_fields=["user"])
    grant(user, tree["branch"], Role.MEMBER)
    return user


def record(org, code, when, *, by=None, topic="学习贯彻党的二十大精神", late=False):
    """A submitted meeting, entered an hour after it ended (or two months later: 补录)."""
    now = when + (dt.timedelta(days=60) if late else dt.timedelta(hours=1))
    return meeting_save(
        organisation=org,
        kind=MeetingKind.objects.get(code=code),
        starts_at=when,
        topic=topic,
        submit=True,
        by=by,
        now=now,
    )


def refresh(org, year=None):
    year = year or past_year()
    compliance.refresh([org.pk], year, today=timezone.localdate())


def calendar_html(client, org, year=None):
    year = year or past_year()
    response = client.get(url("calendar", org.pk), {"year": year})
    assert response.status_code == 200
    return response.content.decode()


def cell_status(html, code, month):
    """The data-status of the calendar cell of requirement ``code`` that holds ``month``."""
    row = html.split(f'data-requirement="{code}"', 1)[1].split("</tr>", 1)[0]
    for chunk in row.split("<td")[1:]:
        first = int(chunk.split('data-month="', 1)[1].split('"', 1)[0])
        span = (
            int(chunk.split('colspan="', 1)[1].split('"', 1)[0]) if 'colspan="' in chunk.split(">")[0] else 1
        )
        if first <= month < first + span:
            return chunk.split('data-status="', 1)[1].split('"', 1)[0]
    raise AssertionError(f"no cell for month {month}")


# --- access ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["secretary", "reviewer", "admin_user"])
def test_allowed_roles_read_the_calendar(request, login, tree, who):
    response = login(request.getfixturevalue(who)).get(url("calendar", tree["branch"].pk))
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["outsider", "member_user"])
def test_outsider_and_member_get_404(request, login, tree, who):
    client = login(request.getfixturevalue(who))
    assert client.get(url("calendar", tree["branch"].pk)).status_code == 404
    assert client.post(url("refresh", tree["branch"].pk), {"year": past_year()}).status_code == 404


def test_a_party_group_has_no_calendar(login, secretary, tree):
    assert login(secretary).get(url("calendar", tree["group"].pk)).status_code == 404


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(url("calendar", tree["branch"].pk))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- empty state and refresh ----------------------------------------------------------------------


def test_never_computed_shows_the_empty_state_and_refresh_fills_it(login, secretary, tree, members):
    client = login(secretary)
    html = calendar_html(client, tree["branch"])
    assert 'data-testid="calendar-empty"' in html and "每晚" in html
    assert url("refresh", tree["branch"].pk) in html
    response = client.post(url("refresh", tree["branch"].pk), {"year": past_year()}, follow=True)
    assert response.redirect_chain[-1][0] == f"{url('calendar', tree['branch'].pk)}?year={past_year()}"
    assert "已开始计算" in response.content.decode()
    assert ComplianceRecord.objects.filter(organisation=tree["branch"], year=past_year()).exists()
    html = calendar_html(client, tree["branch"])
    assert 'data-testid="calendar"' in html and 'data-testid="calendar-empty"' not in html


def test_refresh_is_post_only(login, secretary, tree):
    assert login(secretary).get(url("refresh", tree["branch"].pk)).status_code == 405


def test_reviewer_may_refresh(login, reviewer, tree):
    response = login(reviewer).post(url("refresh", tree["branch"].pk), {"year": past_year()})
    assert response.status_code == 302
    assert ComplianceRecord.objects.filter(organisation=tree["branch"], year=past_year()).exists()


def test_garbage_year_falls_back_to_this_year(login, secretary, tree):
    response = login(secretary).get(url("calendar", tree["branch"].pk), {"year": "abc"})
    assert response.status_code == 200 and response.context["year"] == timezone.localdate().year
    response = login(secretary).get(url("calendar", tree["branch"].pk), {"year": "99999"})
    assert response.context["year"] == timezone.localdate().year


# --- the cells ------------------------------------------------------------------------------------


def test_a_committee_meeting_turns_its_month_green(login, secretary, tree, committee):
    branch = tree["branch"]
    refresh(branch)
    client = login(secretary)
    before = calendar_html(client, branch)
    assert cell_status(before, "committee", 3) == "short"
    record(branch, "committee", at(past_year(), 3, 12), by=secretary, topic="研究三月工作")
    refresh(branch)
    after = calendar_html(client, branch)
    assert cell_status(after, "committee", 3) == "met"
    assert cell_status(after, "committee", 4) == "short"
    assert "table-success" in after and "bi-check-circle-fill" in after  # colour and icon, not colour alone


def test_a_quarter_requirement_spans_three_months(login, secretary, tree, members):
    refresh(tree["branch"])
    html = calendar_html(login(secretary), tree["branch"])
    row = html.split('data-requirement="lecture"', 1)[1].split("</tr>", 1)[0]
    assert row.count("<td") == 4 and row.count('colspan="3"') == 4
    year_row = html.split('data-requirement="life"', 1)[1].split("</tr>", 1)[0]
    assert year_row.count("<td") == 1 and 'colspan="12"' in year_row


def test_this_year_has_pending_cells(login, secretary, tree, members):
    this_year = timezone.localdate().year
    refresh(tree["branch"], this_year)
    html = calendar_html(login(secretary), tree["branch"], this_year)
    assert cell_status(html, "life", 12) == "pending"


def test_late_entry_shows_a_badge(login, secretary, tree, members):
    record(tree["branch"], "general", at(past_year(), 2), by=secretary, late=True)
    refresh(tree["branch"])
    html = calendar_html(login(secretary), tree["branch"])
    row = html.split('data-requirement="general"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="late-badge"' in row and "补录1" in row
    assert 'data-testid="late-badge"' not in html.split('data-requirement="lecture"', 1)[1].split("</tr>")[0]


def test_cell_lists_the_period_meetings(login, secretary, tree, members):
    branch = tree["branch"]
    meeting = record(branch, "general", at(past_year(), 2), by=secretary, topic="第一季度党员大会")
    record(branch, "general", at(past_year(), 5), by=secretary, topic="第二季度党员大会")
    refresh(branch)
    cell = url(
        "cell",
        branch.pk,
        ComplianceRecord.objects.get(
            organisation=branch, requirement__kind__code="general", period_start=dt.date(past_year(), 1, 1)
        ).requirement_id,
        f"{past_year()}-01-01",
    )
    client = login(secretary)
    assert cell in calendar_html(client, branch)
    page = client.get(cell)
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html
    assert "第一季度党员大会" in html and "第二季度党员大会" not in html
    assert url("detail", meeting.pk) in html
    assert "已召开1次 / 应召开1次" in html and "出席率" in html
    assert f"{url('record', branch.pk)}?kind=general" in html
    partial = client.get(cell, headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    assert "第一季度党员大会" in partial.content.decode()


def test_reviewer_reads_a_cell_without_the_record_button(login, reviewer, tree, members):
    branch = tree["branch"]
    refresh(branch)
    rec = ComplianceRecord.objects.filter(organisation=branch, requirement__kind__code="general").first()
    response = login(reviewer).get(url("cell", branch.pk, rec.requirement_id, rec.period_start.isoformat()))
    assert response.status_code == 200 and url("record", branch.pk) not in response.content.decode()


def test_cell_with_a_bad_date_or_requirement_is_404(login, secretary, outsider, tree, members):
    branch = tree["branch"]
    refresh(branch)
    rec = ComplianceRecord.objects.filter(organisation=branch, requirement__kind__code="general").first()
    client = login(secretary)
    assert client.get(url("cell", branch.pk, rec.requirement_id, "2026-02-30")).status_code == 404
    assert client.get(url("cell", branch.pk, rec.requirement_id, f"{past_year()}-02-01")).status_code == 404
    assert client.get(url("cell", branch.pk, 999999, f"{past_year()}-01-01")).status_code == 404
    good = url("cell", branch.pk, rec.requirement_id, rec.period_start.isoformat())
    assert login(outsider).get(good).status_code == 404


# --- a constant number of queries -----------------------------------------------------------------


def _calendar_queries(client, org) -> int:
    with CaptureQueriesContext(connection) as queries:
        calendar_html(client, org)
    return len(queries)


def test_calendar_queries_do_not_grow_with_meetings(login, secretary, tree, members):
    branch = tree["branch"]
    client = login(secretary)
    for month in (1, 2):
        record(branch, "general", at(past_year(), month), by=secretary)
    refresh(branch)
    few = _calendar_queries(client, branch)
    kinds = ["general", "lecture", "theme_day"]
    for i in range(38):
        record(branch, kinds[i % 3], at(past_year(), i % 12 + 1, day=i % 27 + 1), by=secretary)
    refresh(branch)
    many = _calendar_queries(client, branch)
    assert many == few and few <= 10


# --- the organisation page's panel ----------------------------------------------------------------


def _panel(user, org):
    request = RequestFactory().get("/")
    request.user = user
    return organisational_life_panel(request, org)


def test_panel_for_the_secretary_has_the_record_button(
    secretary, tree, members, django_assert_max_num_queries
):
    refresh(tree["branch"], timezone.localdate().year)
    with django_assert_max_num_queries(3):
        html = _panel(secretary, tree["branch"])
    assert url("record", tree["branch"].pk) in html and url("calendar", tree["branch"].pk) in html
    assert url("talks", tree["branch"].pk) in html and url("appraisals", tree["branch"].pk) in html
    assert url("requirements", tree["branch"].pk) in html and url("list", tree["branch"].pk) in html
    assert 'data-testid="life-summary"' in html


def test_panel_for_the_reviewer_reads_only(reviewer, tree, members):
    html = _panel(reviewer, tree["branch"])
    assert url("calendar", tree["branch"].pk) in html and url("record", tree["branch"].pk) not in html
    assert url("review_list", tree["branch"].pk) in html
    assert url("review_list", tree["town"].pk) in _panel(reviewer, tree["town"])


def test_no_panel_for_outsiders_and_members(outsider, member_user, tree):
    assert _panel(outsider, tree["branch"]) == ""
    assert _panel(member_user, tree["branch"]) == ""


def test_panel_shows_on_the_organisation_page(login, secretary, tree):
    html = login(secretary).get(reverse("branches:org_detail", args=[tree["branch"].pk])).content.decode()
    assert 'data-testid="organisational-life"' in html
