"""members/demo_transfers.seed: one pending transfer, two 流动党员 (one without a yearly report), one 失联党员; twice = once."""

import datetime as dt

from branches.models import Notice, Role
from members import demo_transfers
from members import selectors_pipeline as selectors
from members.models import Member, Transfer
from tests.factories import UserFactory, grant, make_member, make_org


def test_seed_is_idempotent(db):
    today = dt.date(2026, 11, 28)
    assert demo_transfers.seed(today=today) == ""  # no demo tree: nothing to do
    town = make_org(name="城关镇党委", code="XQ01")
    branches = {
        code: make_org(town, name=f"支部{code}", code=code)
        for code in ("XQ0101", "XQ0102", "XQ0104", "XQ0108")
    }
    for branch in branches.values():
        for i in range(3):
            make_member(branch, name=f"{branch.code}-{i}")
    receiver = UserFactory(username="sec_xq0102")
    grant(receiver, branches["XQ0102"], Role.SECRETARY)

    first = demo_transfers.seed(today=today)
    assert "待接收转接 1 笔" in first and "流动党员 2 人" in first and "失联党员 1 人" in first
    assert demo_transfers.seed(today=today) == ""

    transfer = Transfer.objects.get()
    assert (transfer.status, transfer.from_organisation, transfer.to_organisation) == (
        "pending",
        branches["XQ0101"],
        branches["XQ0102"],
    )
    assert Notice.objects.filter(recipient=receiver, dedupe_key=f"transfer-in-{transfer.pk}").count() == 1
    mobile = Member.objects.filter(is_mobile=True)
    assert mobile.count() == 2
    assert [
        selectors.report_missing(m.mobile_since, m.last_report_on, today) for m in mobile.order_by("name")
    ] == [
        True,
        False,
    ]
    assert Member.objects.filter(is_lost=True, organisation=branches["XQ0108"]).count() == 1
