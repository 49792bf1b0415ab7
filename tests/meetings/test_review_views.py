"""会议审核: the reviewer's list of the subtree's records; and the navigation to the meetings pages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import Role
from meetings.models import MeetingKind
from meetings.rules import LOCAL_TZ
from meetings.services.meetings import meeting_return, meeting_save
from tests.factories import UserFactory, grant, make_member


def past_year():
    return timezone.localdate().year - 1


def url(name, *args):
    return reverse(f"meetings:{name}", args=args)


def save(org, code, month, topic, *, submit=True, late=False):
    when = dt.datetime(past_year(), month, 10, 19, tzinfo=LOCAL_TZ)
    return meeting_save(
        organisation=org,
        kind=MeetingKind.objects.get(code=code),
        starts_at=when,
        topic=topic,
        submit=submit,
        now=when + (dt.timedelta(days=60) if late else dt.timedelta(hours=2)),
    )


@pytest.fixture
def meetings(tree):
    for org in (tree["branch"], tree["other_branch"], tree["sibling_branch"]):
        make_member(org)
    return {
        "march": save(tree["branch"], "general", 3, "三月党员大会"),
        "late": save(tree["other_branch"], "lecture", 4, "补录的党课", late=True),
        "draft": save(tree["branch"], "general", 5, "草稿会议", submit=False),
        "group": save(tree["group"], "group", 6, "小组学习"),
        "foreign": save(tree["sibling_branch"], "general", 3, "外单位大会"),
    }


def rows(response) -> set[str]:
    return {m.topic for m in response.context["page"].object_list}


@pytest.mark.parametrize("who", ["reviewer", "admin_user"])
def test_reviewer_sees_the_subtree_records(request, login, tree, meetings, who):
    response = login(request.getfixturevalue(who)).get(url("review_list", tree["town"].pk))
    assert response.status_code == 200
    assert rows(response) == {"三月党员大会", "补录的党课", "小组学习"}
    html = response.content.decode()
    assert url("detail", meetings["march"].pk) in html and "补录" in html


def test_a_branch_node_lists_its_own_and_its_groups(login, reviewer, tree, meetings):
    response = login(reviewer).get(url("review_list", tree["branch"].pk))
    assert rows(response) == {"三月党员大会", "小组学习"}


@pytest.mark.parametrize("who", ["secretary", "outsider"])
def test_non_reviewers_get_404(request, login, tree, meetings, who):
    assert login(request.getfixturevalue(who)).get(url("review_list", tree["town"].pk)).status_code == 404
    assert login(request.getfixturevalue(who)).get(url("review_list", tree["branch"].pk)).status_code == 404


def test_another_committee_is_404(login, reviewer, tree, meetings):
    assert login(reviewer).get(url("review_list", tree["sibling"].pk)).status_code == 404


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(url("review_list", tree["town"].pk))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_filters(login, reviewer, admin_user, tree, meetings):
    meeting_return(meeting=meetings["march"], reason="缺少签到表", by=reviewer)
    client = login(reviewer)
    town = url("review_list", tree["town"].pk)
    assert rows(client.get(town, {"status": "returned"})) == {"三月党员大会"}
    assert rows(client.get(town, {"status": "submitted"})) == {"补录的党课", "小组学习"}
    assert rows(client.get(town, {"late": "1"})) == {"补录的党课"}
    assert rows(client.get(town, {"kind": "group"})) == {"小组学习"}
    assert rows(client.get(town, {"month": f"{past_year()}-04"})) == {"补录的党课"}
    garbage = client.get(town, {"status": "draft", "kind": "zzz", "month": "2026-13", "page": "abc"})
    assert garbage.status_code == 200 and rows(garbage) == {"三月党员大会", "补录的党课", "小组学习"}


# --- navigation -----------------------------------------------------------------------------------


def page(client):
    return client.get(reverse("branches:notices")).content.decode()


def test_secretary_nav_has_organisational_life(login, secretary, tree):
    html = page(login(secretary))
    assert url("calendar", tree["branch"].pk) in html
    assert html.index(reverse("members:roster", args=[tree["branch"].pk])) < html.index(
        url("calendar", tree["branch"].pk)
    )
    assert url("overrides") not in html and url("my_attendance") not in html


def test_reviewer_nav_has_the_review_list(login, reviewer, tree):
    html = page(login(reviewer))
    assert url("review_list", tree["town"].pk) in html and url("overrides") not in html


def test_admin_nav_has_the_requirements(login, admin_user):
    assert url("overrides") in page(login(admin_user))


def test_member_nav_has_my_attendance(login, tree):
    user = UserFactory(username="member")
    member = make_member(tree["branch"])
    member.user = user
    member.save(update_fields=["user"])
    grant(user, tree["branch"], Role.MEMBER)
    html = page(login(user))
    assert url("my_attendance") in html and url("calendar", tree["branch"].pk) not in html
