"""Roster, member record, masking, create/edit/leave and appointments — for each role."""

import datetime as dt

import pytest
from django.urls import reverse

from members.models import Appointment, Member
from members.services.members import current_term

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"members:{name}", args=args)


class TestRoster:
    def test_secretary_sees_branch_roster(self, login, secretary, roster):
        body = login(secretary).get(url("roster", roster["branch"].pk)).content.decode()
        assert "张三" in body and "孙八" in body and "外支部党员" not in body
        assert "13812345678" in body  # the secretary sees phone numbers in full

    def test_reviewer_reads_with_masked_phones(self, login, reviewer, roster, tree):
        body = login(reviewer).get(url("roster", tree["town"].pk)).content.decode()
        assert "张三" in body and "138****5678" in body and "13812345678" not in body
        assert "登记党员" not in body

    def test_outsider_404(self, login, outsider, roster):
        assert login(outsider).get(url("roster", roster["branch"].pk)).status_code == 404

    def test_member_cannot_read_roster(self, login, member_user, roster):
        assert login(member_user).get(url("roster", roster["branch"].pk)).status_code == 404

    def test_completeness_worst_first(self, login, secretary, roster):
        Member.objects.filter(name="王五").update(completeness=40)
        response = login(secretary).get(url("roster", roster["branch"].pk), {"order": "completeness"})
        assert [m.name for m in response.context["page"]][0] == "王五"

    def test_filter_by_stage(self, login, secretary, roster):
        response = login(secretary).get(url("roster", roster["branch"].pk), {"stage": "activist"})
        assert [m.name for m in response.context["page"]] == ["孙八"]


class TestMemberRecordMasking:
    def test_secretary_sees_full_id(self, login, secretary, roster):
        member = roster["members"][1]
        body = login(secretary).get(url("detail", member.pk)).content.decode()
        assert member.id_number in body and "13812345678" in body

    def test_reviewer_sees_masked(self, login, reviewer, roster):
        member = roster["members"][1]
        body = login(reviewer).get(url("detail", member.pk)).content.decode()
        assert member.id_number not in body
        assert member.id_number[:6] + "********" + member.id_number[-4:] in body
        assert "138****5678" in body

    def test_member_sees_own_record_in_full(self, login, member_user, roster):
        member = roster["members"][1]
        body = login(member_user).get(url("detail", member.pk)).content.decode()
        assert member.id_number in body and "编辑" not in body

    def test_member_cannot_see_a_colleague(self, login, member_user, roster):
        assert login(member_user).get(url("detail", roster["members"][0].pk)).status_code == 404

    def test_outsider_404(self, login, outsider, roster):
        assert login(outsider).get(url("detail", roster["members"][0].pk)).status_code == 404

    def test_member_lands_on_own_record(self, login, member_user, roster):
        assert login(member_user).get(reverse("home"))["Location"] == roster["members"][1].get_absolute_url()


def person(**extra):
    data = {
        "name": "周新",
        "gender": "female",
        "ethnicity": "汉族",
        "birth_date": "1949-12-31",
        "id_number": "11010519491231002x",
        "education": "bachelor",
        "phone": "13900001111",
        "work_unit": "东村村委会",
        "post": "",
        "party_group": "",
        "dues_category": "retired",
        "stage": "full",
        "confirmed_on": "1985-07-01",
    }
    data.update(extra)
    return data


class TestCreate:
    def test_secretary_registers_member(self, login, secretary, roster):
        response = login(secretary).post(url("create", roster["branch"].pk), person())
        member = Member.objects.get(name="周新")
        assert response["Location"] == member.get_absolute_url()
        assert member.id_number == "11010519491231002X" and member.completeness == 100
        assert member.stage_changes.count() == 1

    def test_birth_date_disagreeing_with_id_refused(self, login, secretary, roster):
        response = login(secretary).post(url("create", roster["branch"].pk), person(birth_date="1949-12-30"))
        assert "出生日期与身份证号不一致" in response.content.decode()
        assert not Member.objects.filter(name="周新").exists()

    def test_bad_check_digit_refused_and_input_kept(self, login, secretary, roster):
        response = login(secretary).post(
            url("create", roster["branch"].pk), person(id_number="110105194912310021")
        )
        body = response.content.decode()
        assert "校验位不正确" in body and 'value="周新"' in body
        assert not Member.objects.filter(name="周新").exists()

    def test_duplicate_id_refused(self, login, secretary, roster):
        foreign = roster["foreign"]
        response = login(secretary).post(
            url("create", roster["branch"].pk),
            person(id_number=foreign.id_number, birth_date=str(foreign.birth_date), gender=foreign.gender),
        )
        assert "已登记在其他党员名下" in response.content.decode()

    def test_group_of_another_branch_refused(self, login, secretary, roster, tree):
        from tests.factories import make_org

        foreign_group = make_org(tree["sibling_branch"], kind="party_group")
        response = login(secretary).post(
            url("create", roster["branch"].pk), person(party_group=foreign_group.pk)
        )
        assert response.status_code == 200
        assert not Member.objects.filter(name="周新").exists()

    def test_reviewer_cannot_register(self, login, reviewer, roster):
        assert login(reviewer).post(url("create", roster["branch"].pk), person()).status_code == 404
        assert not Member.objects.filter(name="周新").exists()


class TestEditAndLeave:
    def test_secretary_edits(self, login, secretary, roster):
        member = roster["members"][0]
        data = person(
            name=member.name,
            gender=member.gender,
            birth_date=str(member.birth_date),
            id_number=member.id_number,
            party_group=member.party_group_id,
            dues_category="employed",
            work_unit="新单位",
        )
        response = login(secretary).post(url("edit", member.pk), data)
        assert response.status_code == 302
        member.refresh_from_db()
        assert member.work_unit == "新单位"

    def test_leave_needs_confirmation_and_keeps_the_row(self, login, secretary, roster):
        member = roster["members"][3]
        client = login(secretary)
        client.post(url("leave", member.pk), {"kind": "deceased", "on": "2026-10-01", "reason": "病故"})
        member.refresh_from_db()
        assert member.is_active
        client.post(
            url("leave", member.pk),
            {"kind": "deceased", "on": "2026-10-01", "reason": "病故", "confirm": "on"},
        )
        member.refresh_from_db()
        assert (member.status, member.leave_kind) == ("left", "deceased")
        assert Member.objects.filter(pk=member.pk).exists()
        listed = client.get(url("roster", roster["branch"].pk)).context["page"]
        assert member not in listed

    def test_reviewer_cannot_edit(self, login, reviewer, roster):
        assert login(reviewer).get(url("edit", roster["members"][0].pk)).status_code == 404

    def test_outsider_cannot_leave(self, login, outsider, roster):
        member = roster["members"][0]
        response = login(outsider).post(
            url("leave", member.pk), {"kind": "deceased", "on": "2026-10-01", "reason": "x", "confirm": "on"}
        )
        assert response.status_code == 404
        member.refresh_from_db()
        assert member.is_active


class TestAppointments:
    def test_committee_on_organisation_page(self, login, secretary, roster):
        client = login(secretary)
        zhang, li = roster["members"][0], roster["members"][1]
        client.post(
            url("appointment_add", roster["branch"].pk),
            {"member": zhang.pk, "position": "secretary", "appointed_on": "2024-01-10"},
        )
        client.post(
            url("appointment_add", roster["branch"].pk),
            {"member": li.pk, "position": "organisation", "appointed_on": "2024-01-10"},
        )
        body = client.get(roster["branch"].get_absolute_url()).content.decode()
        assert "书记" in body and "张三" in body and "组织委员" in body and "李四" in body

    def test_one_secretary_per_term(self, login, secretary, roster):
        client = login(secretary)
        for member in roster["members"][:2]:
            response = client.post(
                url("appointment_add", roster["branch"].pk),
                {"member": member.pk, "position": "secretary", "appointed_on": "2024-01-10"},
            )
        assert "每届班子只能有一名书记" in response.content.decode()
        assert (
            Appointment.objects.filter(term=current_term(roster["branch"]), position="secretary").count() == 1
        )

    def test_probationary_member_cannot_sit(self, login, secretary, roster):
        response = login(secretary).post(
            url("appointment_add", roster["branch"].pk),
            {"member": roster["members"][4].pk, "position": "propaganda", "appointed_on": "2024-01-10"},
        )
        assert response.status_code == 200 and not Appointment.objects.exists()

    def test_end_appointment_post_only(self, login, secretary, roster):
        from members.services.members import appointment_add

        a = appointment_add(
            term=current_term(roster["branch"]),
            member=roster["members"][0],
            position="secretary",
            appointed_on=dt.date(2024, 1, 10),
        )
        client = login(secretary)
        assert client.get(url("appointment_end", a.pk)).status_code == 405
        client.post(url("appointment_end", a.pk))
        a.refresh_from_db()
        assert a.ended_on is not None

    def test_reviewer_cannot_appoint(self, login, reviewer, roster):
        assert login(reviewer).get(url("appointment_add", roster["branch"].pk)).status_code == 404

    def test_outsider_cannot_end(self, login, outsider, roster):
        from members.services.members import appointment_add

        a = appointment_add(
            term=current_term(roster["branch"]),
            member=roster["members"][0],
            position="secretary",
            appointed_on=dt.date(2024, 1, 10),
        )
        assert login(outsider).post(url("appointment_end", a.pk)).status_code == 404


class TestStructure:
    def test_warning_on_organisation_page(self, login, secretary, roster):
        # 4 full members, 1 probationary; the group has 1 member: warnings show.
        body = login(secretary).get(roster["branch"].get_absolute_url()).content.decode()
        assert "第一党小组仅有1名党员" in body

    def test_reviewer_overview(self, login, reviewer, roster, tree):
        response = login(reviewer).get(url("overview", tree["town"].pk))
        rows = {r["org"].name: r for r in response.context["page"]}
        assert rows["东村党支部"]["members"] == 5 and rows["东村党支部"]["full_members"] == 4
        assert any("正式党员不足3人" in w for w in rows["西村党支部"]["warnings"])
        assert "发电党支部" not in rows

    def test_secretary_refused_overview(self, login, secretary, tree):
        assert login(secretary).get(url("overview", tree["town"].pk)).status_code == 404

    def test_outsider_overview_404(self, login, reviewer, tree):
        assert login(reviewer).get(url("overview", tree["sibling"].pk)).status_code == 404


def test_member_sees_own_dues(login, member_user, roster):
    from decimal import Decimal

    from members.models import DuesPayment

    member = roster["members"][1]
    DuesPayment.objects.create(
        member=member,
        month=dt.date(2026, 10, 1),
        amount_due=Decimal("12.50"),
        amount_paid=Decimal("12.50"),
        paid_on=dt.date(2026, 10, 8),
    )
    DuesPayment.objects.create(
        member=roster["members"][0], month=dt.date(2026, 10, 1), amount_due=Decimal("99.99")
    )
    body = login(member_user).get(url("detail", member.pk)).content.decode()
    assert "12.50" in body and "2026-10-08" in body and "99.99" not in body
