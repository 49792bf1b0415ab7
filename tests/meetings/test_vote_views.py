"""Votes of a general meeting: the resolution and exclusion pages, with counts derived from the roster.

DOMAIN §3: yes votes must exceed half of all eligible voters (应到会); for admitting and
confirming, written opinions of absent voters count.
"""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from meetings import rules
from meetings.models import MeetingKind, Resolution, VoterExclusion
from meetings.services import meetings as services
from members.models import Member, StageChange
from tests.factories import make_member


def url(name, *args):
    return reverse(f"meetings:{name}", args=args)


def yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(14, 0), tzinfo=rules.LOCAL_TZ)


@pytest.fixture
def branch_people(tree):
    """8 full members (the voters), a 发展对象 and a 预备党员 whose year of probation is over."""
    branch = tree["branch"]
    voters = [make_member(branch, name=f"正式党员{i}") for i in range(8)]
    candidate = make_member(
        branch,
        name="发展对象甲",
        stage="candidate",
        applied_on=dt.date(2023, 3, 1),
        activist_on=dt.date(2023, 9, 1),
        candidate_on=dt.date(2025, 3, 1),
    )
    probationary = make_member(
        branch, name="预备党员乙", stage="probationary", admitted_on=yesterday() - dt.timedelta(days=400)
    )
    return {"voters": voters, "candidate": candidate, "probationary": probationary}


@pytest.fixture
def general(tree, branch_people, secretary):
    """A general meeting yesterday: 5 of the 8 voters present, 3 absent."""
    absent = branch_people["voters"][5:]
    return services.meeting_save(
        organisation=tree["branch"],
        kind=MeetingKind.objects.get(code="general"),
        starts_at=at(yesterday()),
        topic="讨论接收预备党员",
        attendance={m.pk: services.Mark("absent") for m in absent},
        submit=True,
        by=secretary,
    )


def vote(**fields):
    data = {"kind": "admit", "yes": 0, "no": 0, "abstain": 0, "written_yes": 0, "written_no": 0}
    data.update(fields)
    return data


def messages_of(response):
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


# --- who may ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["resolution_add", "exclusion_add"])
def test_secretary_opens(login, secretary, general, name):
    assert login(secretary).get(url(name, general.pk)).status_code == 200


@pytest.mark.parametrize("name", ["resolution_add", "exclusion_add"])
@pytest.mark.parametrize("who", ["reviewer", "outsider"])
def test_others_get_404(request, login, general, name, who, branch_people):
    client = login(request.getfixturevalue(who))
    assert client.get(url(name, general.pk)).status_code == 404
    data = vote(subject=branch_people["candidate"].pk, yes=5)
    assert client.post(url(name, general.pk), data).status_code == 404
    assert not Resolution.objects.exists() and not VoterExclusion.objects.exists()


@pytest.mark.parametrize("name", ["resolution_add", "exclusion_add"])
def test_anonymous_goes_to_login(client, general, name):
    response = client.get(url(name, general.pk))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_only_a_general_meeting_votes(login, secretary, tree, branch_people):
    theme_day = services.meeting_save(
        organisation=tree["branch"],
        kind=MeetingKind.objects.get(code="theme_day"),
        starts_at=at(yesterday()),
        topic="主题党日",
        submit=True,
    )
    client = login(secretary)
    assert client.get(url("resolution_add", theme_day.pk)).status_code == 404
    assert client.get(url("exclusion_add", theme_day.pk)).status_code == 404
    assert url("resolution_add", theme_day.pk) not in client.get(url("detail", theme_day.pk)).content.decode()


# --- the derived counts -------------------------------------------------------------------------------


def test_page_shows_derived_counts_and_subjects(login, secretary, general, branch_people):
    response = login(secretary).get(url("resolution_add", general.pk))
    turnout = response.context["turnout"]
    assert (turnout["eligible"], turnout["present"], turnout["needed"], turnout["quorum"]) == (8, 5, 5, True)
    html = response.content.decode()
    assert "8 人" in html and "≥ 5 票" in html and "可以表决" in html
    assert "发展对象甲" in html and "预备党员乙" in html
    assert "正式党员0" not in html  # full members are not subjects


# --- admission -----------------------------------------------------------------------------------------


def test_admission_with_written_yes_passes(login, secretary, general, branch_people):
    candidate = branch_people["candidate"]
    data = vote(subject=candidate.pk, yes=4, no=1, written_yes=1)
    response = login(secretary).post(url("resolution_add", general.pk), data)
    assert response.status_code == 302 and response["Location"] == url("detail", general.pk)
    resolution = Resolution.objects.get()
    assert resolution.passed and (resolution.eligible, resolution.present, resolution.yes) == (8, 5, 4)
    candidate.refresh_from_db()
    assert candidate.stage == "probationary" and candidate.admitted_on == yesterday()
    assert StageChange.objects.filter(member=candidate, stage="probationary").exists()
    [(level, text)] = messages_of(response)
    assert level == "success" and "通过" in text


def test_admission_without_written_fails_and_changes_nothing(login, secretary, general, branch_people):
    candidate = branch_people["candidate"]
    changes = StageChange.objects.filter(member=candidate).count()
    data = vote(subject=candidate.pk, yes=4, no=1)
    response = login(secretary).post(url("resolution_add", general.pk), data)
    assert response.status_code == 302
    resolution = Resolution.objects.get()
    assert not resolution.passed and "未通过" in resolution.outcome
    candidate.refresh_from_db()
    assert candidate.stage == "candidate" and candidate.admitted_on is None
    assert StageChange.objects.filter(member=candidate).count() == changes
    [(level, text)] = messages_of(response)
    assert level == "warning" and "未通过" in text
    html = login(secretary).get(url("detail", general.pk)).content.decode()
    assert f'data-resolution="{resolution.pk}"' in html and "未通过" in html


def test_confirmation_passes(login, secretary, general, branch_people):
    member = branch_people["probationary"]
    data = vote(kind="confirm", subject=member.pk, yes=5)
    assert login(secretary).post(url("resolution_add", general.pk), data).status_code == 302
    member.refresh_from_db()
    assert member.stage == "full" and member.confirmed_on == yesterday()


def test_subject_of_the_wrong_stage_is_refused(login, secretary, general, branch_people):
    data = vote(kind="admit", subject=branch_people["probationary"].pk, yes=5)
    response = login(secretary).post(url("resolution_add", general.pk), data)
    assert response.status_code == 200 and "表决对象须是本支部的发展对象" in response.content.decode()
    assert not Resolution.objects.exists()
    assert Member.objects.get(pk=branch_people["probationary"].pk).stage == "probationary"


def test_more_votes_than_present_keeps_input(login, secretary, general, branch_people):
    data = vote(subject=branch_people["candidate"].pk, yes=6, written_yes=1)
    response = login(secretary).post(url("resolution_add", general.pk), data)
    assert response.status_code == 200 and "超过实到会有表决权的党员5人" in response.content.decode()
    assert response.context["form"]["yes"].value() == "6" and not Resolution.objects.exists()


def test_other_matter_needs_a_title_and_no_written_votes(login, secretary, general):
    client = login(secretary)
    untitled = client.post(url("resolution_add", general.pk), vote(kind="other", yes=5))
    assert untitled.status_code == 200 and "请填写表决事项" in untitled.content.decode()
    written = client.post(
        url("resolution_add", general.pk), vote(kind="other", title="评选", yes=4, written_yes=1)
    )
    assert written.status_code == 200 and "书面表决意见只适用于" in written.content.decode()
    ok = client.post(url("resolution_add", general.pk), vote(kind="other", title="评选优秀党员", yes=5))
    assert ok.status_code == 302 and Resolution.objects.get().passed


# --- exclusions ------------------------------------------------------------------------------------------


def test_exclusion_lowers_the_eligible_count(login, secretary, general, branch_people):
    away = branch_people["voters"][7]  # absent
    client = login(secretary)
    page = client.get(url("exclusion_add", general.pk))
    assert "发展对象甲" not in page.content.decode()  # only voters may be left out
    empty = client.post(url("exclusion_add", general.pk), {"member": away.pk, "reason": "", "approval": ""})
    assert empty.status_code == 200 and not VoterExclusion.objects.exists()
    data = {"member": away.pk, "reason": "出国务工一年", "approval": "镇党委同意（2026年第3号）"}
    response = client.post(url("exclusion_add", general.pk), data)
    assert response.status_code == 302 and response["Location"] == url("resolution_add", general.pk)
    page = client.get(url("resolution_add", general.pk))
    assert page.context["turnout"]["eligible"] == 7
    assert "出国务工一年" in page.content.decode()


@pytest.mark.parametrize("who", ["secretary", "admin_user"])
def test_garbage_never_gives_500(request, login, general, who):
    client = login(request.getfixturevalue(who))
    client.raise_request_exception = False
    garbage = {
        "kind": "zzz",
        "subject": "abc",
        "member": "abc",
        "yes": "-1",
        "no": "abc",
        "abstain": "9" * 30,
        "written_yes": "x",
        "title": "\x00",
        "reason": "x" * 300,
    }
    for name in ("resolution_add", "exclusion_add"):
        for method in ("get", "post"):
            assert getattr(client, method)(url(name, general.pk), garbage).status_code < 500
    huge = vote(subject="999999", yes=10**12, written_yes=10**12)
    assert client.post(url("resolution_add", general.pk), huge).status_code < 500
