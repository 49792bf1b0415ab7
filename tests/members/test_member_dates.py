"""A member's dates, entered through the form as through the import: none later than today, none
before the birth date, the stage dates in the pipeline's order (DOMAIN §2). The import always
checked this; the form and the service now do the same (found by the hostile-input tests: a
member admitted on 9999-12-31 was saved)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from members.models import Member
from members.services.members import member_update
from tests.factories import make_member

BIRTH = dt.date(1985, 6, 15)


def today():
    return timezone.localdate()


@pytest.mark.parametrize(
    ("days", "ok"),
    [(-1, True), (0, True), (1, False)],
    ids=["yesterday", "today", "tomorrow"],
)
def test_a_stage_date_may_be_today_not_tomorrow(tree, days, ok):
    admitted = today() + dt.timedelta(days=days)
    if ok:
        assert make_member(tree["branch"], stage="probationary", admitted_on=admitted).admitted_on == admitted
    else:
        with pytest.raises(ValidationError) as error:
            make_member(tree["branch"], stage="probationary", admitted_on=admitted)
        assert error.value.message_dict == {"admitted_on": ["入党日期（接收为预备党员）不能晚于今天。"]}
        assert not Member.objects.exists()


@pytest.mark.parametrize(("days", "ok"), [(-1, False), (0, True)], ids=["day-before", "birthday"])
def test_a_date_may_not_come_before_the_birth_date(tree, days, ok):
    member = make_member(tree["branch"], birth_date=BIRTH)
    since = BIRTH + dt.timedelta(days=days)
    if ok:
        assert member_update(member=member, is_mobile=True, mobile_destination="杭州", mobile_since=since)
    else:
        with pytest.raises(ValidationError) as error:
            member_update(member=member, is_mobile=True, mobile_destination="杭州", mobile_since=since)
        assert error.value.message_dict == {"mobile_since": ["外出日期不能早于出生日期。"]}


def test_confirmation_may_not_come_before_admission(tree):
    with pytest.raises(ValidationError) as error:
        make_member(
            tree["branch"], stage="full", admitted_on=dt.date(2016, 7, 1), confirmed_on=dt.date(2016, 6, 30)
        )
    assert error.value.message_dict == {"confirmed_on": ["转正日期不能早于入党日期（接收为预备党员）。"]}
    same_day = make_member(
        tree["branch"], stage="full", admitted_on=dt.date(2016, 7, 1), confirmed_on=dt.date(2016, 7, 1)
    )
    assert same_day.pk


def test_the_form_shows_the_message_and_keeps_what_was_typed(login, secretary, tree):
    future = (today() + dt.timedelta(days=1)).isoformat()
    data = {
        "name": "王五",
        "gender": "male",
        "ethnicity": "汉族",
        "birth_date": BIRTH.isoformat(),
        "id_number": "",
        "phone": "13812345678",
        "work_unit": "东村合作社",
        "dues_category": "employed",
        "stage": "full",
        "admitted_on": "2015-07-01",
        "confirmed_on": future,
    }
    response = login(secretary).post(reverse("members:create", args=[tree["branch"].pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "转正日期不能晚于今天。" in html and 'value="东村合作社"' in html
    assert not Member.objects.exists()
