"""组织关系转接: inside the portal (pending → accepted / refused), out of the portal, into it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from branches.models import Grant, Notice, Role
from members.models import Appointment, Member, Transfer
from members.services import members as member_services
from members.services import transfers as services
from tests.factories import UserFactory, grant, make_member

D = dt.date


@pytest.fixture
def receiver(tree):
    """西村党支部's secretary: receives the transfers from 东村."""
    user = UserFactory(username="receiver")
    grant(user, tree["other_branch"], Role.SECRETARY)
    return user


@pytest.fixture
def mover(tree):
    return make_member(tree["branch"], name="迁出者", party_group=tree["group"])


MARCH_1 = D(2026, 3, 1)


def send(member, to, on=MARCH_1, **kw):
    return services.transfer_out_internal(member=member, to_organisation=to, on=on, **kw)


def test_internal_transfer_is_pending_and_notifies_receiver(tree, secretary, receiver, mover):
    transfer = send(mover, tree["other_branch"], letter_no="介字001号", requested_by=secretary)
    assert (transfer.status, transfer.direction) == ("pending", "out_internal")
    assert transfer.from_organisation == tree["branch"] and transfer.to_organisation == tree["other_branch"]
    mover.refresh_from_db()
    assert mover.organisation == tree["branch"]  # not moved until accepted
    notice = Notice.objects.get(recipient=receiver)
    assert notice.dedupe_key == f"transfer-in-{transfer.pk}" and "迁出者" in notice.title
    assert notice.organisation == tree["other_branch"]
    assert not Notice.objects.filter(recipient=secretary).exists()


def test_accept_moves_member_clears_group_keeps_history(tree, secretary, receiver, mover):
    from members.services.members import appointment_add

    term = member_services.current_term(tree["branch"])
    appointment_add(term=term, member=mover, position="propaganda", appointed_on=D(2024, 1, 10))
    member_user = UserFactory(username="mover")
    mover.user = member_user
    mover.save(update_fields=["user"])
    grant(member_user, tree["branch"], Role.MEMBER)

    transfer = send(mover, tree["other_branch"])
    done = services.transfer_decide(transfer=transfer, accept=True, on=D(2026, 3, 5), decided_by=receiver)
    assert (done.status, done.decided_on, done.decided_by) == ("accepted", D(2026, 3, 5), receiver)
    mover.refresh_from_db()
    assert mover.organisation == tree["other_branch"] and mover.party_group is None
    assert mover.status == "active"
    assert Appointment.objects.get(member=mover).ended_on == D(2026, 3, 5)
    # The member's own login follows them.
    assert set(Grant.objects.filter(user=member_user).values_list("organisation", "role")) == {
        (tree["other_branch"].pk, "member")
    }
    # The sending branch still has the history, and hears of the outcome.
    assert Transfer.objects.filter(from_organisation=tree["branch"], member=mover).exists()
    assert Notice.objects.filter(recipient=secretary, dedupe_key=f"transfer-accepted-{transfer.pk}").exists()


def test_refuse_needs_reason_and_keeps_member(tree, secretary, receiver, mover):
    transfer = send(mover, tree["other_branch"])
    with pytest.raises(ValidationError) as error:
        services.transfer_decide(transfer=transfer, accept=False, on=D(2026, 3, 5), reason=" ")
    assert "原因" in " ".join(error.value.messages)
    done = services.transfer_decide(
        transfer=transfer, accept=False, on=D(2026, 3, 5), reason="介绍信抬头有误", decided_by=receiver
    )
    assert (done.status, done.refuse_reason) == ("refused", "介绍信抬头有误")
    mover.refresh_from_db()
    assert mover.organisation == tree["branch"] and mover.party_group == tree["group"]
    notice = Notice.objects.get(recipient=secretary)
    assert "退回" in notice.title and "介绍信抬头有误" in notice.body
    # Refused, so a new transfer may be sent.
    assert send(mover, tree["other_branch"], on=D(2026, 3, 6)).status == "pending"


def test_decided_once(tree, receiver, mover):
    transfer = send(mover, tree["other_branch"])
    services.transfer_decide(transfer=transfer, accept=True, on=D(2026, 3, 5))
    with pytest.raises(ValidationError) as error:
        services.transfer_decide(transfer=transfer, accept=False, on=D(2026, 3, 5), reason="x")
    assert "已经办理" in " ".join(error.value.messages)
    assert Transfer.objects.get(pk=transfer.pk).status == "accepted"


def test_one_pending_transfer_per_member(tree, mover):
    send(mover, tree["other_branch"])
    with pytest.raises(ValidationError) as error:
        send(mover, tree["sibling_branch"])
    assert "待接收" in " ".join(error.value.messages)
    with pytest.raises(ValidationError):
        services.transfer_out_external(
            member=mover, external_organisation="外省某支部", letter_no="1", on=D(2026, 3, 2)
        )
    assert Transfer.objects.filter(member=mover).count() == 1


def test_database_guards_one_pending_too(tree, mover):
    from django.db import IntegrityError, transaction

    send(mover, tree["other_branch"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            member=mover,
            direction="out_internal",
            to_organisation=tree["sibling_branch"],
            requested_on=D(2026, 3, 1),
        )


@pytest.mark.parametrize("target", ["branch", "group", "town"])
def test_internal_target_must_be_another_branch(tree, mover, target):
    with pytest.raises(ValidationError):
        send(mover, tree[target])


def test_pipeline_people_do_not_transfer(tree):
    activist = make_member(tree["branch"], stage="activist", activist_on=D(2025, 1, 1))
    with pytest.raises(ValidationError) as error:
        send(activist, tree["other_branch"])
    assert "只有党员" in " ".join(error.value.messages)


def test_member_gone_before_acceptance(tree, mover):
    transfer = send(mover, tree["other_branch"])
    member_services.member_leave(member=mover, kind="deceased", on=D(2026, 3, 3), reason="病故")
    with pytest.raises(ValidationError):
        services.transfer_decide(transfer=transfer, accept=True, on=D(2026, 3, 5))
    assert Transfer.objects.get(pk=transfer.pk).status == "pending"  # rolled back with the refusal


def test_external_transfer_out_leaves_roster(tree, secretary, mover):
    with pytest.raises(ValidationError) as error:
        services.transfer_out_external(member=mover, external_organisation="", letter_no="", on=D(2026, 3, 1))
    assert set(error.value.error_dict) == {"external_organisation", "letter_no"}
    transfer = services.transfer_out_external(
        member=mover,
        external_organisation="中共某市某区某街道某社区委员会",
        letter_no="浙组转〔2026〕0123号",
        on=D(2026, 3, 1),
        requested_by=secretary,
    )
    assert (transfer.direction, transfer.status, transfer.letter_no) == (
        "out_external",
        "completed",
        "浙组转〔2026〕0123号",
    )
    mover.refresh_from_db()
    assert (mover.status, mover.leave_kind, mover.left_on) == ("left", "transferred_out", D(2026, 3, 1))
    assert "浙组转〔2026〕0123号" in mover.leave_reason and "某社区" in mover.leave_reason


def test_transfer_in_from_outside(tree, secretary):
    transfer = services.transfer_in_external(
        organisation=tree["branch"],
        external_organisation="中共外县某镇委员会",
        letter_no="外组转〔2026〕7号",
        on=D(2026, 4, 1),
        requested_by=secretary,
        name="转入者",
        gender="female",
        birth_date=D(1990, 5, 6),
        stage="full",
        admitted_on=D(2015, 7, 1),
        confirmed_on=D(2016, 7, 1),
    )
    member = transfer.member
    assert (transfer.direction, transfer.status, transfer.to_organisation) == (
        "in_external",
        "completed",
        tree["branch"],
    )
    assert (
        transfer.external_organisation == "中共外县某镇委员会" and transfer.letter_no == "外组转〔2026〕7号"
    )
    assert (member.organisation, member.status, member.stage) == (tree["branch"], "active", "full")


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"stage": "activist"}, "stage"),
        ({"admitted_on": None}, "admitted_on"),
        ({"confirmed_on": None}, "confirmed_on"),
        ({"letter_no": ""}, "letter_no"),
    ],
)
def test_transfer_in_checks(tree, fields, error_field):
    data = {
        "organisation": tree["branch"],
        "external_organisation": "外组织",
        "letter_no": "1号",
        "on": D(2026, 4, 1),
        "name": "转入者",
        "gender": "male",
        "birth_date": D(1990, 5, 6),
        "stage": "full",
        "admitted_on": D(2015, 7, 1),
        "confirmed_on": D(2016, 7, 1),
        **fields,
    }
    with pytest.raises(ValidationError) as error:
        services.transfer_in_external(**data)
    assert error_field in error.value.error_dict
    assert not Member.objects.filter(name="转入者").exists()


def test_future_date_refused(tree, mover):
    with pytest.raises(ValidationError):
        send(mover, tree["other_branch"], on=D(2099, 1, 1))


def test_incoming_transfer_notice_links_to_the_transfers_page(tree, roster, outsider):
    import datetime as dt

    from django.urls import reverse

    from branches.models import Notice
    from members.services import transfers

    transfers.transfer_out_internal(
        member=roster["members"][0], to_organisation=tree["sibling_branch"], on=dt.date(2026, 11, 1)
    )
    notice = Notice.objects.get(recipient=outsider)
    assert notice.link == reverse("members:transfers", args=[tree["sibling_branch"].pk])


class TestWithdraw:
    @pytest.fixture
    def pending(self, tree, roster):
        import datetime as dt

        from members.services import transfers

        return transfers.transfer_out_internal(
            member=roster["members"][0], to_organisation=tree["sibling_branch"], on=dt.date(2026, 11, 1)
        )

    def test_sender_withdraws_and_receiver_hears(self, login, secretary, outsider, pending):
        from django.urls import reverse

        from branches.models import Notice

        client = login(secretary)
        url = reverse("members:transfer_withdraw", args=[pending.pk])
        assert "确认撤回" in client.get(url).content.decode()
        client.post(url, {"on": "2026-11-02", "reason": "转错支部"})  # no confirmation: nothing happens
        pending.refresh_from_db()
        assert pending.status == "pending"
        client.post(url, {"on": "2026-11-02", "reason": "转错支部", "confirm": "on"})
        pending.refresh_from_db()
        assert pending.status == "withdrawn" and "转错支部" in pending.refuse_reason
        assert Notice.objects.filter(
            recipient=outsider, dedupe_key=f"transfer-withdrawn-{pending.pk}"
        ).exists()
        pending.member.refresh_from_db()
        assert pending.member.organisation_id == pending.from_organisation_id and pending.member.is_active

    def test_receiver_cannot_withdraw(self, login, outsider, pending):
        from django.urls import reverse

        url = reverse("members:transfer_withdraw", args=[pending.pk])
        assert (
            login(outsider).post(url, {"on": "2026-11-02", "reason": "x", "confirm": "on"}).status_code == 404
        )
        pending.refresh_from_db()
        assert pending.status == "pending"

    def test_decided_transfer_cannot_be_withdrawn(self, login, secretary, outsider, pending):
        import datetime as dt

        from django.urls import reverse

        from members.services import transfers

        transfers.transfer_decide(
            transfer=pending, accept=True, on=dt.date(2026, 11, 2), reason="", decided_by=outsider
        )
        url = reverse("members:transfer_withdraw", args=[pending.pk])
        assert login(secretary).get(url).status_code == 404

    def test_service_refuses_after_the_receiver_decided(self, pending, outsider):
        import datetime as dt

        from django.core.exceptions import ValidationError

        from members.services import transfers

        transfers.transfer_decide(
            transfer=pending, accept=False, on=dt.date(2026, 11, 2), reason="不符", decided_by=outsider
        )
        with pytest.raises(ValidationError, match="已被对方办理"):
            transfers.transfer_withdraw(transfer=pending, on=dt.date(2026, 11, 3), reason="x")


class TestReturningFromOutside:
    """A member who transferred out of the portal and comes back keeps their one record."""

    def _back(self, tree, member, **extra):
        import datetime as dt

        from members.services import transfers

        fields = {
            "name": member.name,
            "gender": member.gender,
            "birth_date": member.birth_date,
            "id_number": member.id_number,
            "stage": "full",
            "admitted_on": dt.date(2014, 7, 1),
            "confirmed_on": dt.date(2015, 7, 1),
        }
        fields.update(extra)
        return transfers.transfer_in_external(
            organisation=tree["other_branch"],
            external_organisation="外省某党支部",
            letter_no="外转〔2026〕8号",
            on=dt.date(2026, 11, 20),
            **fields,
        )

    def test_comes_back_on_the_same_record(self, tree, roster):
        import datetime as dt

        from members.services import transfers

        member = roster["members"][2]
        transfers.transfer_out_external(
            member=member,
            external_organisation="外省某党支部",
            letter_no="转〔2026〕1号",
            on=dt.date(2026, 3, 1),
        )
        transfer = self._back(tree, member)
        member.refresh_from_db()
        assert transfer.member_id == member.pk
        assert member.is_active and member.organisation == tree["other_branch"] and member.leave_kind == ""
        assert Member.objects.filter(id_number=member.id_number).count() == 1

    def test_someone_still_on_a_roster_cannot_arrive_from_outside(self, tree, roster):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError, match="仍在其他支部花名册上"):
            self._back(tree, roster["members"][0])

    def test_deceased_cannot_return(self, tree, roster):
        import datetime as dt

        from django.core.exceptions import ValidationError

        from members.services.members import member_leave

        member = roster["members"][3]
        member_leave(member=member, kind="deceased", on=dt.date(2026, 1, 1), reason="病故")
        with pytest.raises(ValidationError, match="已去世"):
            self._back(tree, member)
