"""Transfer and mobility pages for the allowed role, the refused role and the outsider (404)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import Role
from members.models import Member, Transfer
from members.services import transfers as services
from tests.factories import UserFactory, grant, make_member

D = dt.date


def url(name, *args):
    return reverse(f"members:{name}", args=args)


@pytest.fixture
def receiver(tree):
    user = UserFactory(username="receiver")
    grant(user, tree["other_branch"], Role.SECRETARY)
    return user


@pytest.fixture
def pending(tree, roster, secretary):
    return services.transfer_out_internal(
        member=roster["members"][2],
        to_organisation=tree["other_branch"],
        on=D(2026, 3, 1),
        requested_by=secretary,
    )


def today():
    return timezone.localdate().isoformat()


# --- the transfers page --------------------------------------------------------------------------


def test_both_sides_see_the_pending_transfer(login, secretary, receiver, pending, tree):
    out = login(secretary).get(url("transfers", tree["branch"].pk), {"box": "outgoing"})
    assert out.status_code == 200 and f'data-transfer-id="{pending.pk}"' in out.content.decode()
    assert url("transfer_decide", pending.pk) not in out.content.decode()  # the sender does not decide
    incoming = login(receiver).get(url("transfers", tree["other_branch"].pk))
    html = incoming.content.decode()
    assert f'data-transfer-id="{pending.pk}"' in html and url("transfer_decide", pending.pk) in html
    assert incoming.context["counts"]["incoming_pending"] == 1


def test_reviewer_reads_transfers(login, reviewer, pending, tree):
    response = login(reviewer).get(url("transfers", tree["other_branch"].pk))
    assert response.status_code == 200 and url("transfer_decide", pending.pk) not in response.content.decode()


@pytest.mark.parametrize("who", ["outsider", "member_user"])
def test_transfers_page_404(request, login, pending, tree, who):
    assert login(request.getfixturevalue(who)).get(url("transfers", tree["branch"].pk)).status_code == 404


# --- deciding: only the receiving side -----------------------------------------------------------


def test_receiver_accepts(login, receiver, pending, tree):
    client = login(receiver)
    page = client.get(url("transfer_decide", pending.pk))
    assert page.status_code == 200 and pending.member.name in page.content.decode()
    # The receiving secretary is not yet the member's secretary: the ID number is masked.
    assert pending.member.id_number not in page.content.decode()
    response = client.post(url("transfer_decide", pending.pk), {"decision": "accept", "accept-on": today()})
    assert response.status_code == 302 and response["Location"] == url("transfers", tree["other_branch"].pk)
    assert Transfer.objects.get(pk=pending.pk).status == "accepted"
    assert Member.objects.get(pk=pending.member_id).organisation == tree["other_branch"]
    # Decided: the page is gone for everyone.
    assert client.get(url("transfer_decide", pending.pk)).status_code == 404


def test_receiver_refuses_with_reason(login, receiver, pending, tree):
    client = login(receiver)
    response = client.post(url("transfer_decide", pending.pk), {"decision": "refuse", "refuse-on": today()})
    assert response.status_code == 200 and "退回时请填写原因" in response.content.decode()
    response = client.post(
        url("transfer_decide", pending.pk),
        {"decision": "refuse", "refuse-on": today(), "refuse-reason": "查无此人"},
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get(pk=pending.pk)
    assert (transfer.status, transfer.refuse_reason) == ("refused", "查无此人")
    assert Member.objects.get(pk=pending.member_id).organisation == tree["branch"]


@pytest.mark.parametrize("who", ["secretary", "reviewer", "outsider", "member_user"])
def test_nobody_else_decides(request, login, pending, who):
    """The sender, the reviewer above both branches, an outsider, a member: 404 on GET and POST."""
    client = login(request.getfixturevalue(who))
    assert client.get(url("transfer_decide", pending.pk)).status_code == 404
    assert (
        client.post(
            url("transfer_decide", pending.pk), {"decision": "accept", "accept-on": today()}
        ).status_code
        == 404
    )
    assert Transfer.objects.get(pk=pending.pk).status == "pending"


# --- transferring out and in ---------------------------------------------------------------------


def test_secretary_transfers_out_internally(login, secretary, roster, tree):
    member = roster["members"][3]
    client = login(secretary)
    page = client.get(url("transfer_out", member.pk))
    assert page.status_code == 200 and tree["other_branch"].code in page.content.decode()  # suggested target
    response = client.post(
        url("transfer_out", member.pk),
        {"kind": "internal", "internal-to_code": "nope", "internal-on": today()},
    )
    assert response.status_code == 200 and "没有该组织代码" in response.content.decode()
    response = client.post(
        url("transfer_out", member.pk),
        {"kind": "internal", "internal-to_code": tree["other_branch"].code.lower(), "internal-on": today()},
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get(member=member)
    assert (transfer.status, transfer.to_organisation) == ("pending", tree["other_branch"])


def test_secretary_transfers_out_of_the_portal(login, secretary, roster):
    member = roster["members"][3]
    response = login(secretary).post(
        url("transfer_out", member.pk),
        {
            "kind": "external",
            "external-external_organisation": "中共外省某委员会",
            "external-letter_no": "外字9号",
            "external-on": today(),
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.status, member.leave_kind) == ("left", "transferred_out")


def test_pipeline_person_has_no_transfer_page(login, secretary, roster):
    assert login(secretary).get(url("transfer_out", roster["members"][5].pk)).status_code == 404


def test_secretary_transfers_in(login, secretary, tree):
    client = login(secretary)
    assert client.get(url("transfer_in", tree["branch"].pk)).status_code == 200
    response = client.post(
        url("transfer_in", tree["branch"].pk),
        {
            "external_organisation": "中共外县某镇委员会",
            "letter_no": "外组转〔2026〕7号",
            "on": today(),
            "name": "转入者",
            "gender": "female",
            "ethnicity": "汉族",
            "birth_date": "1990-05-06",
            "dues_category": "employed",
            "stage": "probationary",
            "admitted_on": "2026-01-06",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    transfer = Transfer.objects.get(direction="in_external")
    assert transfer.member.name == "转入者" and transfer.member.organisation == tree["branch"]


@pytest.mark.parametrize("who", ["reviewer", "member_user", "outsider"])
def test_others_cannot_transfer(request, login, roster, tree, who):
    client = login(request.getfixturevalue(who))
    member = roster["members"][3]
    assert client.get(url("transfer_out", member.pk)).status_code == 404
    data = {
        "kind": "external",
        "external-external_organisation": "x",
        "external-letter_no": "1",
        "external-on": today(),
    }
    assert client.post(url("transfer_out", member.pk), data).status_code == 404
    assert client.get(url("transfer_in", tree["branch"].pk)).status_code == 404
    assert client.post(url("transfer_in", tree["branch"].pk), {"name": "x"}).status_code == 404
    assert Member.objects.get(pk=member.pk).status == "active"
    assert not Transfer.objects.exists()


# --- mobility ------------------------------------------------------------------------------------


def test_secretary_sets_mobile_and_records_report(login, secretary, roster):
    member = roster["members"][2]
    client = login(secretary)
    assert client.get(url("mobility", member.pk)).status_code == 200
    response = client.post(url("mobility", member.pk), {"action": "status", "is_mobile": "on"})
    assert response.status_code == 200
    assert "请填写外出流向" in response.content.decode() and "请填写外出日期" in response.content.decode()
    response = client.post(
        url("mobility", member.pk),
        {
            "action": "status",
            "is_mobile": "on",
            "mobile_destination": "广东省深圳市",
            "mobile_since": "2024-03-01",
            "last_report_on": "2024-06-01",
        },
    )
    assert response.status_code == 302
    page = client.get(url("mobility", member.pk))
    assert 'data-testid="report-missing"' in page.content.decode()
    assert (
        client.post(url("mobility", member.pk), {"action": "report", "report-on": today()}).status_code == 302
    )
    member.refresh_from_db()
    assert member.last_report_on == timezone.localdate()
    assert 'data-testid="report-missing"' not in client.get(url("mobility", member.pk)).content.decode()


def test_secretary_marks_lost(login, secretary, roster):
    member = roster["members"][2]
    response = login(secretary).post(
        url("mobility", member.pk), {"action": "status", "is_lost": "on", "lost_since": "2025-05-01"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_lost and member.lost_since == D(2025, 5, 1) and not member.is_mobile


@pytest.mark.parametrize("who", ["reviewer", "member_user", "outsider"])
def test_others_cannot_set_mobility(request, login, roster, who):
    client = login(request.getfixturevalue(who))
    member = roster["members"][1]  # 李四, member_user's own record
    assert client.get(url("mobility", member.pk)).status_code == 404
    assert (
        client.post(
            url("mobility", member.pk), {"action": "status", "is_lost": "on", "lost_since": "2025-05-01"}
        ).status_code
        == 404
    )
    assert not Member.objects.get(pk=member.pk).is_lost


# --- every object URL of this work answers 404 to the outsider -----------------------------------

OBJECT_URLS = {
    "pipeline": "branch",
    "stage_advance": "member",
    "probation_extend": "member",
    "transfers": "branch",
    "transfer_out": "member",
    "transfer_in": "branch",
    "transfer_decide": "transfer",
    "mobility": "member",
    "flags": "branch",
}


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_foreign_objects_are_404(login, outsider, tree, roster, pending, name):
    target = {
        "branch": tree["branch"].pk,
        "member": make_member(tree["branch"], stage="probationary", admitted_on=D(2025, 1, 1)).pk,
        "transfer": pending.pk,
    }[OBJECT_URLS[name]]
    client = login(outsider)
    assert client.get(url(name, target)).status_code == 404
    assert (
        client.post(
            url(name, target), {"decision": "accept", "kind": "internal", "action": "status"}
        ).status_code
        == 404
    )


def test_missing_ids_are_404(login, admin_user):
    client = login(admin_user)
    for name in OBJECT_URLS:
        assert client.get(url(name, 999999)).status_code == 404, name


def test_transfers_page_queries_do_not_grow(login, receiver, tree, django_assert_max_num_queries):
    for i in range(110):
        member = make_member(tree["branch"], name=f"转接{i:03d}")
        services.transfer_out_internal(member=member, to_organisation=tree["other_branch"], on=D(2026, 3, 1))
    client = login(receiver)
    with django_assert_max_num_queries(12) as captured:
        response = client.get(url("transfers", tree["other_branch"].pk))
    assert response.status_code == 200 and len(response.context["page"]) == 50
    assert response.context["counts"]["incoming_pending"] == 110
    print(f"transfers page, 110 transfers: {len(captured)} queries")
