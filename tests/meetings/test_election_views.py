"""换届选举 pages: who may see and do what, the whole flow through the views, bad input, the PDF.

The secretary of 东村党支部 (C1B1) drafts, requests, links the meeting, counts and reports; the town's
reviewer approves and confirms; another branch's secretary and a member's grant get 404.
"""

import datetime as dt
import re
import shutil
import subprocess

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import Grant, Role
from meetings.models import BallotRound, Election, ElectionEvent, ElectionStatus
from meetings.panels_elections import election_panel
from meetings.services import elections as services
from tests.factories import UserFactory, grant, make_member

from .conftest import local

DOC = "东村支〔2026〕1号"


def _approved_on(election, day=dt.date(2026, 11, 1)):
    """The approval happened 'on' a fixed day, so the meeting dates below need no real clock."""
    ElectionEvent.objects.filter(election=election, action="approve").update(
        at=local(day.year, day.month, day.day)
    )


@pytest.fixture
def draft(tree, secretary, ten, kinds):
    return services.election_start(
        organisation=tree["branch"],
        seats=3,
        has_deputy=False,
        member_ids=[m.pk for m in ten[:4]],
        by=secretary,
    )


@pytest.fixture
def approved(draft, secretary, reviewer):
    services.election_request(election=draft, doc_no=DOC, by=secretary)
    services.election_approve(election=draft, doc_no="镇委〔2026〕9号", by=reviewer)
    _approved_on(draft)
    draft.refresh_from_db()
    return draft


@pytest.fixture
def general_meeting(tree, record_meeting):
    return record_meeting(
        tree["branch"], "general", local(2026, 11, 10), topic="换届选举党员大会", place="村委会"
    )


@pytest.fixture
def held(approved, secretary, general_meeting):
    services.election_meeting_set(election=approved, meeting=general_meeting, by=secretary)
    cands = list(approved.candidates.all())
    votes = dict(zip([c.pk for c in cands], [(9, 1, 0), (8, 2, 0), (7, 3, 0), (3, 7, 0)], strict=True))
    services.round_record(election=approved, issued=10, returned=10, counts=votes, by=secretary)
    approved.refresh_from_db()
    assert approved.status == ElectionStatus.HELD
    return approved


@pytest.fixture
def member_user(tree, ten):
    user = UserFactory(username="member")
    grant(user, tree["branch"], Role.MEMBER)
    return user


def _urls(e):
    org = e.organisation_id
    return {
        "list": reverse("meetings:election_list", args=[org]),
        "start": reverse("meetings:election_start", args=[org]),
        "detail": reverse("meetings:election_detail", args=[e.pk]),
        "edit": reverse("meetings:election_edit", args=[e.pk]),
        "cancel": reverse("meetings:election_cancel", args=[e.pk]),
        "confirm": reverse("meetings:election_confirm", args=[e.pk]),
        "pdf": reverse("meetings:election_result_pdf", args=[e.pk]),
    }


POSTS = ("request", "approve", "return", "meeting", "round", "reduce", "report", "confirm", "cancel")


def _post(client, e, step, data=None):
    return client.post(reverse(f"meetings:election_{step}", args=[e.pk]), data or {})


# ---------------------------------------------------------------- access


def test_anonymous_goes_to_login(client, draft):
    for url in _urls(draft).values():
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


@pytest.mark.parametrize("who", ["outsider", "member_user"])
def test_outsider_and_member_grant_get_404_everywhere(request, login, held, who):
    client = login(request.getfixturevalue(who))
    for name, url in _urls(held).items():
        assert client.get(url).status_code == 404, name
    for step in POSTS:
        assert _post(client, held, step).status_code == 404, step
    assert Election.objects.get(pk=held.pk).status == ElectionStatus.HELD


def test_another_branchs_election_is_404(login, tree, draft, kinds):
    other_secretary = UserFactory(username="west")
    grant(other_secretary, tree["other_branch"], Role.SECRETARY)
    client = login(other_secretary)
    assert client.get(_urls(draft)["detail"]).status_code == 404
    assert _post(client, draft, "request", {"doc_no": "x"}).status_code == 404
    assert client.get(reverse("meetings:election_list", args=[tree["branch"].pk])).status_code == 404


def test_secretary_sees_list_detail_and_start_button(login, tree, secretary, kinds, ten):
    client = login(secretary)
    response = client.get(reverse("meetings:election_list", args=[tree["branch"].pk]))
    assert response.status_code == 200 and 'data-testid="election-start"' in response.content.decode()
    assert client.get(reverse("meetings:election_start", args=[tree["branch"].pk])).status_code == 200


def test_reviewer_reads_but_secretary_steps_are_404(login, draft, reviewer, tree):
    client = login(reviewer)
    urls = _urls(draft)
    assert client.get(urls["detail"]).status_code == 200
    page = client.get(urls["list"]).content.decode()
    assert 'data-testid="election-start"' not in page
    assert client.get(urls["start"]).status_code == 404
    assert client.get(urls["edit"]).status_code == 404
    assert client.get(urls["cancel"]).status_code == 404
    assert _post(client, draft, "request", {"doc_no": DOC}).status_code == 404
    assert _post(client, draft, "round", {"issued": 1}).status_code == 404
    assert Election.objects.get(pk=draft.pk).status == ElectionStatus.DRAFT
    committee = client.get(reverse("meetings:election_list", args=[tree["town"].pk]))
    assert committee.status_code == 200 and tree["branch"].name in committee.content.decode()


def test_secretary_cannot_approve_or_confirm(login, secretary, draft):
    services.election_request(election=draft, doc_no=DOC, by=secretary)
    client = login(secretary)
    assert _post(client, draft, "approve", {"doc_no": "x"}).status_code == 404
    assert _post(client, draft, "return", {"reason": "x"}).status_code == 404
    assert client.get(_urls(draft)["confirm"]).status_code == 404
    assert Election.objects.get(pk=draft.pk).status == ElectionStatus.REQUESTED


def test_detail_shows_only_the_forms_of_the_step(login, secretary, reviewer, draft):
    page = login(secretary).get(_urls(draft)["detail"]).content.decode()
    assert 'data-testid="form-request"' in page and 'data-testid="form-approve"' not in page
    page = login(reviewer).get(_urls(draft)["detail"]).content.decode()
    assert 'data-testid="form-request"' not in page and 'data-testid="form-approve"' not in page
    services.election_request(election=draft, doc_no=DOC, by=secretary)
    page = login(reviewer).get(_urls(draft)["detail"]).content.decode()
    assert 'data-testid="form-approve"' in page and 'data-testid="form-return"' in page


def test_no_id_numbers_or_phones_on_the_page(login, secretary, draft, ten):
    page = login(secretary).get(_urls(draft)["detail"]).content.decode()
    assert ten[0].name in page and ten[0].id_number not in page


# ---------------------------------------------------------------- the flow through the views


def test_full_flow_through_the_views(login, client, tree, secretary, reviewer, ten, record_meeting):
    branch = tree["branch"]
    c = login(secretary)
    response = c.post(
        reverse("meetings:election_start", args=[branch.pk]),
        {"seats": "3", "candidates": [m.pk for m in ten[:4]], "note": "第二届届满"},
    )
    election = Election.objects.get(organisation=branch)
    assert response.status_code == 302 and response["Location"] == election.get_absolute_url()
    assert _post(c, election, "request", {"doc_no": DOC}).status_code == 302

    c = login(reviewer)
    assert _post(c, election, "approve", {"doc_no": "镇委〔2026〕9号", "note": "同意"}).status_code == 302
    _approved_on(election)
    meeting = record_meeting(branch, "general", local(2026, 11, 10), absent=ten[9:])

    c = login(secretary)
    assert _post(c, election, "meeting", {"meeting": meeting.pk}).status_code == 302
    page = c.get(election.get_absolute_url()).content.decode()
    assert 'data-testid="entitled">10<' in page and 'data-testid="present">9<' in page
    assert 'data-testid="needed">8<' in page and 'data-testid="to-win">6<' in page
    cands = list(election.candidates.order_by("order"))
    data = {"issued": "9", "returned": "9", "checked": "on"}
    for cand, (y, n, a) in zip(cands, [(9, 0, 0), (8, 1, 0), (7, 2, 0), (2, 7, 0)], strict=True):
        data |= {f"yes_{cand.pk}": y, f"no_{cand.pk}": n, f"abstain_{cand.pk}": a}
    assert _post(c, election, "round", data).status_code == 302
    election.refresh_from_db()
    assert election.status == ElectionStatus.HELD
    positions = {f"position_{cands[0].pk}": "organisation", f"position_{cands[1].pk}": "secretary"}
    positions |= {f"position_{cands[2].pk}": "propaganda", "doc_no": "东村支〔2026〕3号"}
    assert _post(c, election, "report", positions).status_code == 302

    c = login(reviewer)
    assert c.get(_urls(election)["confirm"]).status_code == 200
    response = c.post(_urls(election)["confirm"], {"doc_no": "镇委〔2026〕12号"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    page = response.content.decode()
    ten[1].refresh_from_db()
    new_user = ten[1].user
    assert new_user is not None and f'data-testid="login-name">{new_user.username}<' in page
    assert 'data-testid="initial-password"' in page
    election.refresh_from_db()
    assert election.status == ElectionStatus.CONFIRMED
    assert Grant.objects.filter(user=new_user, organisation=branch, role=Role.SECRETARY).exists()
    assert not Grant.objects.filter(user=secretary, organisation=branch, role=Role.SECRETARY).exists()
    # the password is not shown again
    assert "initial-password" not in c.get(election.get_absolute_url()).content.decode()
    # the old secretary no longer keeps the branch's records
    assert login(secretary).get(reverse("members:roster", args=[branch.pk])).status_code == 404


def test_round_with_too_few_present_shows_the_quorum_error(
    login, approved, secretary, tree, ten, record_meeting
):
    meeting = record_meeting(tree["branch"], "general", local(2026, 11, 10), absent=ten[7:])  # 7 of 10
    services.election_meeting_set(election=approved, meeting=meeting, by=secretary)
    page = login(secretary).get(approved.get_absolute_url()).content.decode()
    assert 'data-testid="quorum-error"' in page and 'data-testid="form-round"' not in page
    assert 'data-testid="needed">8<' in page


# ---------------------------------------------------------------- bad input never 500


def test_start_with_bad_seats_or_a_foreign_candidate(login, tree, secretary, ten, kinds):
    stranger = make_member(tree["other_branch"], name="外村党员")
    c = login(secretary)
    url = reverse("meetings:election_start", args=[tree["branch"].pk])
    response = c.post(url, {"seats": "abc", "candidates": [m.pk for m in ten[:4]], "note": "留下的说明"})
    assert response.status_code == 200 and "留下的说明" in response.content.decode()
    assert response.content.decode().count(" checked>") == 4  # the ticks are kept
    response = c.post(url, {"seats": "3", "candidates": [ten[0].pk, stranger.pk]})
    assert response.status_code == 200 and "不是本组织的正式党员" in response.content.decode()
    assert not Election.objects.exists()


def test_start_with_too_few_candidates_warns_after_saving(login, tree, secretary, ten, kinds):
    c = login(secretary)
    response = c.post(
        reverse("meetings:election_start", args=[tree["branch"].pk]),
        {"seats": "5", "candidates": [m.pk for m in ten[:5]]},
        follow=True,
    )
    assert response.status_code == 200 and "候选人应不少于6名" in response.content.decode()
    election = Election.objects.get()
    response = _post(c, election, "request", {"doc_no": DOC})
    assert response.status_code == 200 and "不少于6名" in response.content.decode()
    assert Election.objects.get().status == ElectionStatus.DRAFT


def test_bad_ballots_never_500(login, approved, secretary, general_meeting):
    services.election_meeting_set(election=approved, meeting=general_meeting, by=secretary)
    c = login(secretary)
    cands = list(approved.candidates.all())
    good = {f"{k}_{cd.pk}": 1 for cd in cands for k in ("yes", "no", "abstain")}
    for data in (
        {"issued": "-1", "returned": "5", "checked": "on", **good},
        {"issued": "abc", "returned": "5", "checked": "on", **good},
        {"issued": "10", "returned": "10", "checked": "on"},  # counts missing
        {"issued": "10", "returned": "10", **good},  # not confirmed as checked
        {"issued": "10", "returned": "2", "checked": "on", **good},  # more marks than ballots
        {"issued": "11", "returned": "10", "checked": "on", **good},  # more than present
    ):
        response = _post(c, approved, "round", data)
        assert response.status_code == 200, data
        assert f'value="{data["issued"]}"' in response.content.decode()
    assert not BallotRound.objects.exists()
    response = _post(c, approved, "meeting", {"meeting": "999999"})
    assert response.status_code == 200


def test_wrong_step_is_a_message_not_a_500(login, held, secretary):
    response = _post(login(secretary), held, "request", {"doc_no": DOC})
    assert response.status_code == 302
    response = login(secretary).get(held.get_absolute_url())
    assert "只有在" in response.content.decode()


def test_edit_after_the_request_goes_back_with_a_message(login, draft, secretary):
    services.election_request(election=draft, doc_no=DOC, by=secretary)
    c = login(secretary)
    for method in (c.get, c.post):
        response = method(_urls(draft)["edit"], follow=True)
        assert response.status_code == 200 and "只有在" in response.content.decode()


def test_report_needs_exactly_one_secretary(login, held, secretary):
    cands = [c for c in held.candidates.all() if c.elected]
    data = {f"position_{c.pk}": "other" for c in cands} | {"doc_no": "x"}
    response = _post(login(secretary), held, "report", data)
    assert response.status_code == 200 and "有且只有一名书记" in response.content.decode()


def test_cancel_asks_for_a_reason_on_its_own_page(login, draft, secretary):
    c = login(secretary)
    assert c.get(_urls(draft)["cancel"]).status_code == 200
    assert c.post(_urls(draft)["cancel"], {"reason": ""}).status_code == 200
    assert c.post(_urls(draft)["cancel"], {"reason": "合并支部"}).status_code == 302
    assert Election.objects.get().status == ElectionStatus.CANCELLED


# ---------------------------------------------------------------- list query count


def _elections(org, n):
    Election.objects.bulk_create(
        Election(organisation=org, seats=3, status=ElectionStatus.CANCELLED) for _ in range(n)
    )


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_list_queries_do_not_grow(login, tree, secretary, reviewer, kinds):
    c = login(secretary)
    url = reverse("meetings:election_list", args=[tree["branch"].pk])
    _elections(tree["branch"], 2)
    small = _count(c, url)
    _elections(tree["branch"], 6)
    assert _count(c, url) == small
    c = login(reviewer)
    url = reverse("meetings:election_list", args=[tree["town"].pk])
    Election.objects.create(organisation=tree["branch"], seats=3)
    small = _count(c, url)
    Election.objects.create(organisation=tree["other_branch"], seats=3)
    assert _count(c, url) == small


# ---------------------------------------------------------------- the PDF


def test_pdf_only_after_the_election(login, draft, secretary):
    assert login(secretary).get(_urls(draft)["pdf"]).status_code == 404


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_result_pdf_has_the_names_and_an_embedded_cjk_font(login, held, reviewer, tmp_path, ten):
    response = login(reviewer).get(_urls(held)["pdf"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "result.pdf"
    path.write_bytes(response.content)
    text = _poppler("pdftotext", "-layout", path, "-")
    assert "东村党支部" in text and "选举结果" in text
    for m in ten[:4]:
        assert m.name in text
    assert "监票人" in text and "计票人" in text and "大会主持人" in text
    fonts = _poppler("pdffonts", path)
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk)
    pages = _poppler("pdfinfo", path)
    assert re.search(r"^Pages:\s+1$", pages, re.M)


# ---------------------------------------------------------------- the organisation page's card


def _poppler(tool: str, *args) -> str:
    return subprocess.run(  # noqa: S603 — a fixed poppler tool on a file this test wrote
        [shutil.which(tool), *map(str, args)], capture_output=True, text=True, check=True
    ).stdout


def _panel(user, org):
    request = RequestFactory().get("/")
    request.user = user
    return election_panel(request, org)


def test_panel(tree, secretary, reviewer, member_user, draft, admin_user):
    assert "正在进行" in _panel(secretary, tree["branch"])
    assert "正在进行" in _panel(reviewer, tree["branch"])
    assert _panel(member_user, tree["branch"]) == ""
    assert _panel(tree and secretary, tree["group"]) == ""
    # 西村党支部's term is overdue: the start button for whoever records there, nothing for a reader
    assert "发起换届" in _panel(admin_user, tree["other_branch"])
    assert _panel(reviewer, tree["other_branch"]) == ""
