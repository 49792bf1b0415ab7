"""Members fixtures on top of tests/conftest.py's tree: a roster in the secretary's branch."""

import datetime as dt

import pytest

from branches.models import Role
from tests.factories import UserFactory, grant, make_member


@pytest.fixture
def roster(tree):
    """Six members in 东村党支部 (four full, one probationary, one activist), one in the sibling branch."""
    branch = tree["branch"]
    members = [
        make_member(branch, name="张三", party_group=tree["group"]),
        make_member(
            branch, name="李四", gender="female", birth_date=dt.date(1990, 2, 28), phone="13812345678"
        ),
        make_member(branch, name="王五"),
        make_member(branch, name="赵六"),
        make_member(branch, name="钱七", stage="probationary", admitted_on=dt.date(2026, 1, 10)),
        make_member(branch, name="孙八", stage="activist", activist_on=dt.date(2025, 11, 1)),
    ]
    foreign = make_member(tree["sibling_branch"], name="外支部党员")
    return {"branch": branch, "members": members, "foreign": foreign}


@pytest.fixture
def member_user(roster):
    """李四 logs in as a member: she sees her own record only."""
    user = UserFactory(username="lisi")
    member = roster["members"][1]
    member.user = user
    member.save(update_fields=["user"])
    grant(user, roster["branch"], Role.MEMBER)
    return user
