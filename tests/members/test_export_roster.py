"""Roster export: who gets what, and export → import into an empty branch reproduces the roster exactly."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import Role
from members import privacy
from members.models import ImportStatus, Member
from members.services import members as member_services
from members.services import roster_import as services
from tests.factories import UserFactory, grant, make_member, make_org

from .test_import_support import media_root, upload_file  # noqa: F401 - media_root is an autouse fixture

pytestmark = pytest.mark.django_db


def export(client, org):
    return client.get(reverse("members:export_xlsx", args=[org.pk]))


def sheet_rows(response) -> list[dict]:
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_secretary_exports_the_branch_in_full(login, secretary, roster):
    left = make_member(roster["branch"], name="已转出")
    member_services.member_leave(member=left, kind="transferred_out", on=dt.date(2026, 3, 1), reason="调动")
    response = export(login(secretary), roster["branch"])
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = sheet_rows(response)
    names = {r["姓名"] for r in rows}
    assert names == {m.name for m in roster["members"]}  # not the one who left, not another branch's
    lisi = next(r for r in rows if r["姓名"] == "李四")
    member = roster["members"][1]
    assert lisi["身份证号"] == member.id_number
    assert lisi["联系电话"] == "13812345678"
    assert lisi["性别"] == "女"
    assert lisi["出生日期"] == dt.datetime(1990, 2, 28)
    assert lisi["发展阶段"] == "正式党员"
    assert lisi["所在支部"] == roster["branch"].name
    assert next(r for r in rows if r["姓名"] == "张三")["党小组"] == "第一党小组"


def test_reviewer_gets_the_subtree_with_masked_numbers(login, reviewer, roster, tree):
    other = make_member(tree["other_branch"], name="西村党员", phone="13900001111")
    response = export(login(reviewer), tree["town"])
    assert response.status_code == 200
    assert (
        "脱敏" in response["Content-Disposition"] or "%E8%84%B1%E6%95%8F" in response["Content-Disposition"]
    )
    rows = sheet_rows(response)
    assert {r["姓名"] for r in rows} == {m.name for m in roster["members"]} | {"西村党员"}
    west = next(r for r in rows if r["姓名"] == "西村党员")
    assert west["身份证号"] == privacy.mask_id_number(other.id_number)
    assert "*" in west["身份证号"] and west["联系电话"] == "139****1111"
    assert west["所在支部"] == tree["other_branch"].name


def test_reviewer_export_of_one_branch_is_masked_too(login, reviewer, roster):
    rows = sheet_rows(export(login(reviewer), roster["branch"]))
    assert all("*" in r["身份证号"] for r in rows)


def test_admin_exports_a_committee_in_full(login, admin_user, roster, tree):
    rows = sheet_rows(export(login(admin_user), tree["county"]))
    assert roster["foreign"].name in {r["姓名"] for r in rows}
    assert all("*" not in (r["身份证号"] or "") for r in rows)


@pytest.mark.parametrize("target", ["sibling_branch", "sibling", "county"])
def test_out_of_scope_exports_are_404(login, secretary, roster, tree, target):
    assert export(login(secretary), tree[target]).status_code == 404


def test_outsider_cannot_export_another_branch(login, outsider, roster):
    assert export(login(outsider), roster["branch"]).status_code == 404


def test_member_cannot_export_the_branch(login, member_user, roster):
    assert export(login(member_user), roster["branch"]).status_code == 404


def test_party_group_is_not_exported_on_its_own(login, secretary, tree):
    assert export(login(secretary), tree["group"]).status_code == 404


def test_export_queries_do_not_grow_with_the_roster(login, secretary, tree, django_assert_max_num_queries):
    for n in range(40):
        make_member(tree["branch"], name=f"批量{n}", party_group=tree["group"] if n % 2 else None)
    client = login(secretary)
    with django_assert_max_num_queries(12):
        response = export(client, tree["branch"])
        b"".join(response.streaming_content)


# --- Round trip -------------------------------------------------------------------------------

COMPARED = [f for f in member_services.EDITABLE_FIELDS if f != "party_group"]


def varied_roster(branch, group):
    """Members that use every column: each stage, choices, yes/no, dates, documents, no ID number."""
    return [
        make_member(
            branch,
            name="欧阳建国",
            party_group=group,
            ethnicity="回族",
            education="postgraduate",
            phone="0571-88886666",
            work_unit="县发改局（规划科）",
            post="科长",
            dues_category="employed",
            applied_on=dt.date(2004, 3, 1),
            activist_on=dt.date(2004, 9, 1),
            candidate_on=dt.date(2005, 9, 1),
            admitted_on=dt.date(2006, 7, 1),
            admission_doc_no="县委组〔2006〕15号",
            confirmed_on=dt.date(2007, 7, 1),
            confirmation_doc_no="县委组〔2007〕9号",
            is_mobile=True,
            mobile_destination="浙江省杭州市",
            mobile_since=dt.date(2025, 3, 1),
            last_report_on=dt.date(2026, 6, 30),
        ),
        make_member(
            branch,
            name="阿依古丽·买买提",
            gender="female",
            birth_date=dt.date(2000, 2, 29),
            ethnicity="维吾尔族",
            education="bachelor",
            dues_category="student",
            stage="probationary",
            admitted_on=dt.date(2026, 5, 20),
            admission_doc_no="",
            phone="13700001234",
        ),
        make_member(
            branch,
            name="钱老",
            birth_date=dt.date(1940, 10, 1),
            education="junior",
            dues_category="retired",
            is_lost=True,
            lost_since=dt.date(2024, 1, 15),
        ),
        make_member(
            branch, name="孙积极", stage="activist", activist_on=dt.date(2025, 11, 1), dues_category="farmer"
        ),
        make_member(
            branch,
            name="周对象",
            stage="candidate",
            candidate_on=dt.date(2026, 2, 1),
            dues_category="unemployed",
        ),
        make_member(
            branch,
            name="吴申请",
            stage="applicant",
            applied_on=dt.date(2026, 8, 1),
            dues_category="subsistence",
        ),
        make_member(branch, name="郑无证", id_number="", birth_date=dt.date(1975, 3, 3), gender="female"),
    ]


def test_export_then_import_into_an_empty_branch_reproduces_the_roster(login, secretary, tree):
    source = tree["branch"]
    originals = varied_roster(source, tree["group"])
    content = b"".join(export(login(secretary), source).streaming_content)

    # An empty branch with a party group of the same name; the old records move out of the way first
    # (an ID number may be registered once only).
    target = make_org(tree["town"], name="新设党支部")
    make_org(target, kind="party_group", name="第一党小组")
    expected = {
        m.name: {f: getattr(m, f) for f in COMPARED} | {"party_group": m.party_group and m.party_group.name}
        for m in originals
    }
    Member.objects.all().delete()

    roster_import = services.roster_import_upload(
        organisation=target, file=upload_file(content, "导出.xlsx"), uploaded_by=secretary
    )
    assert roster_import.status == ImportStatus.VALIDATED, roster_import.summary["errors"]
    roster_import = services.roster_import_confirm(roster_import=roster_import, confirmed_by=secretary)
    assert roster_import.status == ImportStatus.DONE

    imported = {
        m.name: {f: getattr(m, f) for f in COMPARED} | {"party_group": m.party_group and m.party_group.name}
        for m in Member.objects.filter(organisation=target).select_related("party_group")
    }
    assert imported == expected


def test_importing_the_export_into_the_same_branch_changes_nothing(login, secretary, tree):
    varied_roster(tree["branch"], tree["group"])
    before = list(Member.objects.order_by("pk").values())
    content = b"".join(export(login(secretary), tree["branch"]).streaming_content)
    roster_import = services.roster_import_upload(
        organisation=tree["branch"], file=upload_file(content), uploaded_by=secretary
    )
    assert roster_import.summary["counts"] == {"new": 0, "updated": 0, "unchanged": 7}
    services.roster_import_confirm(roster_import=roster_import, confirmed_by=secretary)
    after = list(Member.objects.order_by("pk").values())
    assert [{k: v for k, v in m.items() if k != "updated_at"} for m in after] == [
        {k: v for k, v in m.items() if k != "updated_at"} for m in before
    ]


def test_masked_export_cannot_be_imported(login, reviewer, secretary, roster, tree):
    content = b"".join(export(login(reviewer), roster["branch"]).streaming_content)
    target = make_org(tree["town"], name="另一党支部")
    user = UserFactory(username="target_secretary")
    grant(user, target, Role.SECRETARY)
    roster_import = services.roster_import_upload(
        organisation=target, file=upload_file(content), uploaded_by=user
    )
    assert roster_import.status == ImportStatus.INVALID
