"""谈心谈话, 民主评议党员 and 我的出勤."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils.timezone import localdate as today

from branches.models import Role
from meetings.models import Appraisal, MeetingKind, Talk
from meetings.rules import LOCAL_TZ
from meetings.services.meetings import Mark, meeting_save
from meetings.services.talks import talk_record
from tests.factories import UserFactory, grant, make_member


def url(name, *args):
    return reverse(f"meetings:{name}", args=args)


@pytest.fixture
def members(tree):
    branch = tree["branch"]
    return [make_member(branch, name=n) for n in ("张三", "李四", "王五")] + [
        make_member(branch, name="孙八", stage="activist", activist_on=dt.date(2025, 11, 1))
    ]


@pytest.fixture
def member_user(tree, members):
    user = UserFactory(username="zhangsan")
    member = members[0]
    member.user = user
    member.save(update_fields=["user"])
    grant(user, tree["branch"], Role.MEMBER)
    return user


def talk_post(a, b, **extra):
    return {"member_a": a.pk, "member_b": b.pk, "on": today().isoformat(), "occasion": "regular", **extra}


# --- talks ----------------------------------------------------------------------------------------


def test_secretary_sees_coverage_and_who_is_left(login, secretary, tree, members):
    talk_record(organisation=tree["branch"], member_a=members[0], member_b=members[1], on=today())
    response = login(secretary).get(url("talks", tree["branch"].pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["talked"] == 2 and response.context["expected"] == 3
    assert [m.name for m in response.context["not_yet"]] == ["王五"]
    assert "已谈 <span" in html and url("talk_add", tree["branch"].pk) in html
    assert html.count("data-talk-id=") == 1


def test_last_year_has_its_own_list(login, secretary, tree, members):
    talk_record(organisation=tree["branch"], member_a=members[0], member_b=members[1], on=today())
    response = login(secretary).get(url("talks", tree["branch"].pk), {"year": today().year - 1})
    assert response.context["talked"] == 0 and "data-talk-id=" not in response.content.decode()


def test_reviewer_reads_talks_without_the_add_button(login, reviewer, tree, members):
    response = login(reviewer).get(url("talks", tree["branch"].pk))
    assert response.status_code == 200 and url("talk_add", tree["branch"].pk) not in response.content.decode()
    assert login(reviewer).get(url("talk_add", tree["branch"].pk)).status_code == 404


@pytest.mark.parametrize("who", ["outsider", "member_user"])
def test_outsider_and_member_get_404(request, login, tree, members, who):
    client = login(request.getfixturevalue(who))
    branch = tree["branch"]
    for name in ("talks", "talk_add", "appraisals"):
        assert client.get(url(name, branch.pk)).status_code == 404
    assert client.post(url("talk_add", branch.pk), talk_post(members[0], members[1])).status_code == 404
    assert not Talk.objects.exists()


def test_a_party_group_or_committee_has_no_talks(login, secretary, reviewer, tree):
    assert login(secretary).get(url("talks", tree["group"].pk)).status_code == 404
    assert login(reviewer).get(url("talks", tree["town"].pk)).status_code == 404


def test_anonymous_is_sent_to_login(client, tree):
    for name in ("talks", "talk_add", "appraisals"):
        response = client.get(url(name, tree["branch"].pk))
        assert response.status_code == 302 and reverse("login") in response["Location"]
    response = client.get(url("my_attendance"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_talk_add_records_a_talk(login, secretary, tree, members):
    client = login(secretary)
    form = client.get(url("talk_add", tree["branch"].pk))
    assert form.status_code == 200 and "孙八" in form.content.decode()  # every active member may talk
    response = client.post(
        url("talk_add", tree["branch"].pk), talk_post(members[0], members[2], note="谈工作")
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url('talks', tree['branch'].pk)}?year={today().year}"
    talk = Talk.objects.get()
    assert (talk.member_a, talk.member_b, talk.recorded_by, talk.note) == (
        members[0],
        members[2],
        secretary,
        "谈工作",
    )


def test_talk_with_the_same_person_twice_writes_nothing(login, secretary, tree, members):
    response = login(secretary).post(
        url("talk_add", tree["branch"].pk), talk_post(members[0], members[0], note="我的笔记")
    )
    html = response.content.decode()
    assert response.status_code == 200 and "谈话双方不能是同一人" in html
    assert "我的笔记" in html  # the input stays
    assert not Talk.objects.exists()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"on": lambda: (today() + dt.timedelta(days=1)).isoformat()}, "谈话日期不能晚于今天"),
        ({"member_b": ""}, "请选择谈话对象"),
        ({"occasion": "zzz"}, "zzz"),
    ],
)
def test_talk_add_refuses_bad_input(login, secretary, tree, members, change, message):
    change = {key: value() if callable(value) else value for key, value in change.items()}  # dated when run
    response = login(secretary).post(
        url("talk_add", tree["branch"].pk), {**talk_post(members[0], members[1]), **change}
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not Talk.objects.exists()


def test_talk_add_refuses_a_member_of_another_branch(login, secretary, tree, members):
    foreign = make_member(tree["sibling_branch"], name="外支部党员")
    response = login(secretary).post(url("talk_add", tree["branch"].pk), talk_post(members[0], foreign))
    assert response.status_code == 200 and not Talk.objects.exists()


# --- appraisals -----------------------------------------------------------------------------------


def test_appraisals_post_saves_and_re_renders(login, secretary, tree, members):
    client = login(secretary)
    page = client.get(url("appraisals", tree["branch"].pk))
    html = page.content.decode()
    assert page.status_code == 200 and "张三" in html and "孙八" not in html  # party members only
    data = {
        f"result_{members[0].pk}": "excellent",
        f"note_{members[0].pk}": "表现突出",
        f"result_{members[1].pk}": "qualified",
        f"result_{members[2].pk}": "",
    }
    response = client.post(url("appraisals", tree["branch"].pk), data, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == f"{url('appraisals', tree['branch'].pk)}?year={today().year}"
    assert "已保存" in html and "表现突出" in html
    saved = {a.member_id: a.result for a in Appraisal.objects.filter(year=today().year)}
    assert saved == {members[0].pk: "excellent", members[1].pk: "qualified"}
    assert response.context["appraised"] == 2
    assert {value: n for _, n, value in response.context["counts"]} == {
        "excellent": 1,
        "qualified": 1,
        "basic": 0,
        "unqualified": 0,
    }
    assert 'value="excellent" checked' in html
    # Clearing a result removes it.
    client.post(url("appraisals", tree["branch"].pk), {f"result_{members[0].pk}": ""})
    assert not Appraisal.objects.filter(member=members[0]).exists()


def test_appraisals_refuse_an_unknown_grade(login, secretary, tree, members):
    response = login(secretary).post(
        url("appraisals", tree["branch"].pk), {f"result_{members[0].pk}": "great"}
    )
    assert response.status_code == 200 and not Appraisal.objects.exists()


def test_reviewer_reads_appraisals_but_may_not_save(login, reviewer, tree, members):
    client = login(reviewer)
    response = client.get(url("appraisals", tree["branch"].pk))
    assert response.status_code == 200 and "保存评议结果" not in response.content.decode()
    assert (
        client.post(
            url("appraisals", tree["branch"].pk), {f"result_{members[0].pk}": "qualified"}
        ).status_code
        == 404
    )
    assert not Appraisal.objects.exists()


# --- my attendance --------------------------------------------------------------------------------


def test_a_member_sees_own_attendance(login, member_user, secretary, tree, members):
    when = dt.datetime(today().year, 1, 20, 19, tzinfo=LOCAL_TZ)
    meeting_save(
        organisation=tree["branch"],
        kind=MeetingKind.objects.get(code="general"),
        starts_at=when,
        topic="一月党员大会",
        attendance={members[0].pk: Mark("leave", "出差")},
        submit=True,
        by=secretary,
        now=when + dt.timedelta(hours=2),
    )
    response = login(member_user).get(url("my_attendance"))
    html = response.content.decode()
    assert response.status_code == 200 and "一月党员大会" in html and "出差" in html
    assert response.context["counts"] == {"present": 0, "leave": 1, "absent": 0, "total": 1}
    assert url("my_attendance") in html  # the link in the user menu


def test_my_attendance_is_404_without_a_member_record(login, secretary):
    assert login(secretary).get(url("my_attendance")).status_code == 404
