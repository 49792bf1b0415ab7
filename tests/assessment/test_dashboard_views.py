"""考核看板 pages: access, the query count at two sizes, drill-down links, filters, the .xlsx export."""

import datetime as dt
import io
import json
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from assessment import selectors_dashboard as dash
from branches.models import Organisation, Role
from tests.assessment.dashboard_fixture import generate
from tests.factories import UserFactory, grant, make_org

TODAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """The view asks for today's date; the tests give it a fixed one."""
    monkeypatch.setattr("assessment.views.dashboard.timezone.localdate", lambda: TODAY)


@pytest.fixture
def town_tree(tree):
    """A generated subtree of 30 branches under the town committee of tests/conftest.py."""
    return generate(seed=11, branches=30, years=(2026,), today=TODAY, parent=tree["town"], members=(3, 8))


def url(org, **params):
    base = reverse("assessment:dashboard", args=[org.pk])
    if params:
        base += "?" + "&".join(f"{k}={quote(str(v))}" for k, v in params.items())
    return base


# ---- access ------------------------------------------------------------------------------------


def test_reviewer_and_admin_see_it(login, reviewer, admin_user, tree, town_tree):
    assert login(reviewer).get(url(tree["town"])).status_code == 200
    assert login(admin_user).get(url(tree["town"])).status_code == 200
    assert login(admin_user).get(url(tree["county"])).status_code == 200


@pytest.mark.parametrize("who", ["secretary", "outsider", "sibling_reviewer", "member"])
def test_others_get_404(who, login, tree, town_tree, secretary, outsider):
    users = {"secretary": secretary, "outsider": outsider}
    if who == "sibling_reviewer":
        users[who] = UserFactory(username="sibling_reviewer")
        grant(users[who], tree["sibling"], Role.REVIEWER)
    if who == "member":
        users[who] = UserFactory(username="member")
        grant(users[who], tree["branch"], Role.MEMBER)
    client = login(users[who])
    for org in (tree["town"], tree["branch"], town_tree.root):
        assert client.get(url(org)).status_code == 404
        assert client.get(reverse("assessment:weakest_export", args=[org.pk])).status_code == 404


def test_reviewer_of_town_gets_404_above_and_beside(login, reviewer, tree):
    client = login(reviewer)
    assert client.get(url(tree["county"])).status_code == 404
    assert client.get(url(tree["sibling"])).status_code == 404
    assert client.get(reverse("assessment:weakest_export", args=[tree["sibling"].pk])).status_code == 404
    assert client.get(reverse("assessment:dashboard", args=[999999])).status_code == 404


def test_anonymous_goes_to_login(client, tree):
    for target in (url(tree["town"]), reverse("assessment:weakest_export", args=[tree["town"].pk])):
        response = client.get(target)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


def test_post_is_refused(login, reviewer, tree):
    assert login(reviewer).post(url(tree["town"])).status_code == 405


# ---- query count -------------------------------------------------------------------------------


def _count(client, org, user):
    with CaptureQueriesContext(connection) as page:
        response = client.get(url(org))
    assert response.status_code == 200
    assert not response.context["board"].is_empty
    with CaptureQueriesContext(connection) as selector:
        dash.dashboard(user, org, 2026, today=TODAY)
    return len(page.captured_queries), len(selector.captured_queries)


def test_query_count_does_not_grow_from_50_to_500_branches(login, admin_user):
    client = login(admin_user)
    small = generate(seed=21, branches=50, years=(2026,), today=TODAY, members=(3, 6), dues_months=3)
    large = generate(seed=22, branches=500, years=(2026,), today=TODAY, members=(3, 6), dues_months=3)
    assert Organisation.objects.filter(path__startswith=large.root.path, kind="branch").count() > 400
    small_counts = _count(client, small.root, admin_user)
    large_counts = _count(client, large.root, admin_user)
    assert small_counts == large_counts
    assert large_counts[1] <= 25


# ---- drill-down and breadcrumb ----------------------------------------------------------------


def test_child_bars_lead_to_the_child_dashboard_or_the_branch(login, reviewer, tree, town_tree):
    client = login(reviewer)
    response = client.get(url(town_tree.root, year=2026, sector="village"))
    data = _json(response, "dashboard-data")
    assert data["children"], "the root's committees have compliance rows"
    committees = set(town_tree.committee_ids)
    for child in data["children"]:
        assert child["pk"] in committees
        assert (
            child["url"] == reverse("assessment:dashboard", args=[child["pk"]]) + "?year=2026&sector=village"
        )
        assert f'href="{child["url"].replace("&", "&amp;")}"' in response.content.decode()
    # One level down the children are general branches (a dashboard) and branches (their page).
    committee = Organisation.objects.get(pk=data["children"][0]["pk"])
    response = client.get(url(committee))
    data = _json(response, "dashboard-data")
    kinds = dict(
        Organisation.objects.filter(pk__in=[c["pk"] for c in data["children"]]).values_list("pk", "kind")
    )
    for child in data["children"]:
        if kinds[child["pk"]] in ("branch", "joint_branch"):
            assert child["url"] == reverse("branches:org_detail", args=[child["pk"]])
            assert child["branch"] is True
        else:
            assert child["url"].startswith(reverse("assessment:dashboard", args=[child["pk"]]))
    # The breadcrumb climbs to the reviewer's scope root (the town), each step a dashboard.
    crumbs = response.context["crumbs"]
    assert [o for o, _u in crumbs] == [tree["town"], town_tree.root]
    assert crumbs[0][1] == reverse("assessment:dashboard", args=[tree["town"].pk]) + "?year=2026"
    html = response.content.decode()
    crumb_html = html[html.index('data-testid="dashboard-breadcrumb"') :]
    crumb_html = crumb_html[: crumb_html.index("</ol>")]
    assert tree["town"].name in crumb_html and tree["county"].name not in crumb_html


def _json(response, element_id):
    html = response.content.decode()
    start = html.index(f'id="{element_id}"')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def test_page_loads_echarts_and_its_script(login, reviewer, town_tree):
    html = login(reviewer).get(url(town_tree.root)).content.decode()
    assert "vendor/echarts/echarts.min.js" in html
    assert "js/dashboard.js" in html
    assert 'id="dashboard-data"' in html
    assert 'role="img"' in html and 'aria-label="逐月达标率' in html
    assert 'data-testid="weakest-table"' in html and 'data-testid="weakest-cards"' in html


# ---- filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"year": "abc"},
        {"year": "1999"},
        {"year": "99999999999999999999999"},
        {"sector": "zzz"},
        {"kind": "committee"},
        {"year": "2026", "sector": "<script>", "kind": "x"},
    ],
)
def test_bad_filters_are_dropped_with_a_message(params, login, reviewer, town_tree):
    response = login(reviewer).get(url(town_tree.root, **params))
    assert response.status_code == 200
    board = response.context["board"]
    assert board.filters == dash.Filters(year=2026)
    assert [str(m) for m in response.context["messages"]]
    assert "<script>" not in response.content.decode().split('id="dashboard-data"')[0].split("<main")[1]


def test_chosen_filters_stay_in_the_form(login, reviewer, town_tree):
    response = login(reviewer).get(url(town_tree.root, year=2026, sector="organ", kind="joint_branch"))
    html = response.content.decode()
    assert response.context["board"].filters == dash.Filters(year=2026, sector="organ", kind="joint_branch")
    assert '<option value="organ" selected>' in html
    assert '<option value="joint_branch" selected>' in html
    assert '<option value="2026" selected>' in html
    assert "year=2026&amp;sector=organ&amp;kind=joint_branch" in html  # the export keeps them


def test_year_without_rows_shows_the_empty_state(login, reviewer, town_tree):
    response = login(reviewer).get(url(town_tree.root, year=2024))
    assert response.status_code == 200
    assert "该年度还没有组织生活达标数据" in response.content.decode()
    assert "echarts.min.js" not in response.content.decode()


def test_subtree_without_branches_shows_the_empty_state(login, reviewer, tree):
    empty = make_org(tree["town"], kind="committee", name="空党委", code="EMPTY1")
    response = login(reviewer).get(url(empty))
    assert response.status_code == 200
    assert "没有符合条件的党支部" in response.content.decode()


def test_a_branch_has_its_own_dashboard(login, reviewer, town_tree):
    branch = Organisation.objects.get(pk=town_tree.branch_ids[0])
    assert login(reviewer).get(url(branch)).status_code == 200


# ---- export ------------------------------------------------------------------------------------


def test_export_has_the_weakest_with_the_same_figures(login, reviewer, town_tree):
    client = login(reviewer)
    board = dash.dashboard(reviewer, town_tree.root, 2026, today=TODAY)
    assert len(board.weakest) == 20
    first = Organisation.objects.get(pk=board.weakest[0].pk)
    Organisation.objects.filter(pk=first.pk).update(name='=HYPERLINK("http://x","点我")')
    response = client.get(reverse("assessment:weakest_export", args=[town_tree.root.pk]) + "?year=2026")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + quote(f"{town_tree.root.name}-2026年薄弱党支部.xlsx") in disposition
    assert 'filename="weakest-' in disposition
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "C3"
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 20
    for row, weak in zip(rows, board.weakest, strict=True):
        assert row[3] == pytest.approx(float(weak.rate))
        assert (row[4], row[5], row[7], row[8], row[9], row[10]) == (
            weak.met,
            weak.short,
            weak.term_overdue_days,
            weak.structure_warnings,
            weak.open_items,
            weak.stars,
        )
    name_cell = sheet.cell(row=3, column=2)
    assert name_cell.value == '=HYPERLINK("http://x","点我")'
    assert name_cell.data_type == "s"
    assert sheet.cell(row=3, column=4).data_type == "n"
    assert sheet.cell(row=3, column=4).number_format == "0.00"
    assert sheet.cell(row=2, column=1).font.bold


def test_export_of_an_empty_year_has_headers_only(login, reviewer, town_tree):
    response = login(reviewer).get(
        reverse("assessment:weakest_export", args=[town_tree.root.pk]) + "?year=2024"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=2).value == "党支部"
    assert list(sheet.iter_rows(min_row=3, values_only=True)) == []


def test_no_inline_script_code(login, reviewer, town_tree):
    html = login(reviewer).get(url(town_tree.root)).content.decode()
    for tag in html.split("<script")[1:]:
        opening = tag.split(">", 1)[0]
        assert "src=" in opening or 'type="application/json"' in opening


def test_year_list_offers_years_with_rows_or_ratings(login, reviewer, tree):
    made = generate(seed=12, branches=6, years=(2024, 2025), today=TODAY, parent=tree["town"], members=(3, 5))
    response = login(reviewer).get(url(made.root))
    assert response.context["board"].years[:3] == [2026, 2025, 2024]
    assert response.context["board"].filters.year == 2026  # the current year by default, even without rows
    assert "该年度还没有组织生活达标数据" in response.content.decode()


def test_content_disposition_has_both_names():
    from assessment.exports import content_disposition

    header = content_disposition("镇党委-2026年薄弱党支部.xlsx", "weakest-C1-2026.xlsx")
    assert header == (
        "attachment; filename=\"weakest-C1-2026.xlsx\"; filename*=UTF-8''"
        + quote("镇党委-2026年薄弱党支部.xlsx", safe="")
    )
