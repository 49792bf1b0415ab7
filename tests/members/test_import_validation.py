"""Validation of an uploaded roster: each bad case is an error at its row and column, and nothing is saved."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from members import idcard
from members.models import ImportStatus, Member, MemberStatus, StageChange
from members.services import members as member_services
from members.services import roster_import as services
from tests.factories import make_member

from .test_import_support import (  # noqa: F401 - media_root is an autouse fixture
    HEADERS,
    error_at,
    errors_of,
    media_root,
    person,
    upload_file,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch(tree):
    return tree["branch"]


@pytest.fixture
def check(branch, secretary):
    """Upload rows (or raw bytes) to the secretary's branch; the RosterImport after validation."""

    def _check(rows=None, *, content=None, headers=None, title=None, to=None):
        content = content or workbook_bytes(rows, headers=headers, title=title)
        return services.roster_import_upload(
            organisation=to or branch, file=upload_file(content), uploaded_by=secretary
        )

    return _check


@pytest.fixture
def confirm(secretary):
    def _confirm(roster_import):
        return services.roster_import_confirm(roster_import=roster_import, confirmed_by=secretary)

    return _confirm


def assert_rejected(roster_import, members_before=0):
    assert roster_import.status == ImportStatus.INVALID
    assert Member.objects.count() == members_before


def test_valid_file_is_previewed_and_written_only_on_confirmation(check, confirm, branch):
    roster_import = check([person(1), person(2), person(3, **{"发展阶段": "预备党员", "转正日期": None})])
    assert roster_import.status == ImportStatus.VALIDATED
    assert roster_import.summary["counts"] == {"new": 3, "updated": 0, "unchanged": 0}
    assert [row[2] for row in roster_import.summary["preview"]] == ["党员1", "党员2", "党员3"]
    assert not Member.objects.exists()

    roster_import = confirm(roster_import)

    assert roster_import.status == ImportStatus.DONE
    assert Member.objects.filter(organisation=branch).count() == 3
    third = Member.objects.get(name="党员3")
    assert third.stage == "probationary"
    assert third.admitted_on == dt.date(2010, 7, 1)
    assert third.id_number == person(3)["身份证号"]
    assert third.education == "bachelor" and third.dues_category == "employed"
    assert third.completeness == 100
    # member_create recorded the stage with its date, by the user who confirmed.
    change = StageChange.objects.get(member=third)
    assert change.stage == "probationary" and change.recorded_by is not None
    assert sorted(roster_import.summary["member_ids"]) == sorted(Member.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("stored", [110105195001020018, 1.10105195001020e17])
def test_id_number_stored_as_a_number_is_a_row_error(check, stored):
    roster_import = check([person(1), person(2, **{"身份证号": stored})])
    assert_rejected(roster_import)
    assert "数字" in error_at(roster_import, 3, "身份证号")
    assert {e[0] for e in errors_of(roster_import)} == {3}
    assert errors_of(roster_import)[0][1] == "E"  # the column letter of 身份证号 in the file


def test_wrong_check_digit(check):
    number = person(1)["身份证号"]
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    roster_import = check([person(1, **{"身份证号": wrong})])
    assert_rejected(roster_import)
    assert "校验位" in error_at(roster_import, 2, "身份证号")


def test_birth_date_and_gender_must_agree_with_the_id_number(check):
    roster_import = check(
        [
            person(1, **{"出生日期": dt.date(1960, 5, 5)}),
            person(3, **{"性别": "女"}),
        ]
    )
    assert_rejected(roster_import)
    assert "出生日期与身份证号不一致" in error_at(roster_import, 2, "出生日期")
    assert "性别与身份证号不一致" in error_at(roster_import, 3, "性别")


def test_birth_date_and_gender_come_from_the_id_number_when_left_blank(check, confirm):
    roster_import = confirm(check([person(2, **{"出生日期": None, "性别": ""})]))
    assert roster_import.status == ImportStatus.DONE
    member = Member.objects.get()
    number = person(2)["身份证号"]
    assert member.birth_date == idcard.birth_date_of(number)
    assert member.gender == "female"


def test_duplicate_rows_in_the_file(check):
    roster_import = check([person(1), person(2), person(1, **{"姓名": "另一人"})])
    assert_rejected(roster_import)
    assert "第4行" in error_at(roster_import, 2, "身份证号")
    assert "第2行" in error_at(roster_import, 4, "身份证号")
    assert {e[0] for e in errors_of(roster_import)} == {2, 4}


def test_duplicate_of_a_member_of_another_branch(check, tree):
    other = make_member(
        tree["sibling_branch"],
        id_number=person(2)["身份证号"],
        birth_date=person(2)["出生日期"],
        gender="female",
    )
    roster_import = check([person(1), person(2)])
    assert_rejected(roster_import, members_before=1)
    message = error_at(roster_import, 3, "身份证号")
    assert "其他党组织" in message
    assert other.organisation.name not in message  # another branch's data is not disclosed


def test_member_who_left_this_branch_is_not_brought_back(check, branch):
    member = make_member(branch, id_number=person(1)["身份证号"], birth_date=person(1)["出生日期"])
    member_services.member_leave(member=member, kind="transferred_out", on=dt.date(2026, 1, 5), reason="转出")
    roster_import = check([person(1)])
    assert_rejected(roster_import, members_before=1)
    assert "已离开" in error_at(roster_import, 2, "身份证号")


def test_unknown_header(check):
    headers = [*HEADERS[:3], "爱好", *HEADERS[3:]]
    roster_import = check([{**person(1), "爱好": "书法"}], headers=headers)
    assert_rejected(roster_import)
    assert errors_of(roster_import)[0][:3] == (1, "D", "爱好")
    assert "无法识别的列名" in errors_of(roster_import)[0][3]


def test_missing_required_column(check):
    row = person(1)
    del row["身份证号"]
    roster_import = check([row])
    assert_rejected(roster_import)
    assert any("缺少必需的列“身份证号”" in e[3] for e in errors_of(roster_import))


@pytest.mark.parametrize(
    ("text", "message"),
    [("2010-02-30", "不存在"), ("二〇一〇年七月一日", "日期格式不正确"), ("2010年7月", "日期格式不正确")],
)
def test_bad_date_text(check, text, message):
    roster_import = check([person(1, **{"入党日期": text})])
    assert_rejected(roster_import)
    assert message in error_at(roster_import, 2, "入党日期")


@pytest.mark.parametrize(
    ("header", "text"),
    [
        ("性别", "男的"),
        ("发展阶段", "党员候选人"),
        ("学历", "博士后"),
        ("党费类别", "个体户"),
        ("流动党员", "有时"),
    ],
)
def test_bad_enum_value(check, header, text):
    roster_import = check([person(1, **{header: text})])
    assert_rejected(roster_import)
    assert f"“{text}”" in error_at(roster_import, 2, header)


def test_every_error_of_the_file_is_reported(check):
    rows = [person(n) for n in range(1, 8)]
    rows[1]["身份证号"] = 110105195001030005
    rows[3]["入党日期"] = "昨天"
    rows[3]["性别"] = "未知"
    rows[5]["姓名"] = "  "
    roster_import = check(rows)
    assert_rejected(roster_import)
    cells = {(e[0], e[2]) for e in errors_of(roster_import)}
    assert cells == {(3, "身份证号"), (5, "入党日期"), (5, "性别"), (7, "姓名")}


@pytest.mark.parametrize(
    "value",
    [
        dt.date(2010, 7, 1),
        "2010-07-01",
        "2010/7/1",
        "2010年7月1日",
        "2010.7.1",
        "20100701",
        "２０１０年７月１日",
    ],
)
def test_every_accepted_date_format_is_imported(check, confirm, value):
    roster_import = confirm(check([person(1, **{"入党日期": value})]))
    assert roster_import.status == ImportStatus.DONE, errors_of(roster_import)
    assert Member.objects.get().admitted_on == dt.date(2010, 7, 1)


def test_full_width_characters_and_stray_spaces_are_normalised(check, confirm):
    number = person(1)["身份证号"]
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    row = person(
        1,
        **{
            "姓名": "　张　三 ",
            "身份证号": f" {full_width[:6]} {full_width[6:]}",
            "性别": " 男 ",
            "民族": " 汉 ",
            "联系电话": "１３８ ００００ ０００１",
            "工作单位": "　ＡＢＣ电力公司（集团）  ",
            "发展阶段": " 正式党员　",
            "入党日期": "２０１０年７月１日",
        },
    )
    roster_import = confirm(check([row]))
    assert roster_import.status == ImportStatus.DONE, errors_of(roster_import)
    member = Member.objects.get()
    assert member.name == "张三"
    assert member.id_number == number
    assert member.ethnicity == "汉族"
    assert member.phone == "13800000001"
    assert member.work_unit == "ABC电力公司（集团）"
    assert member.admitted_on == dt.date(2010, 7, 1)


def test_id_number_with_lower_case_x(check, confirm):
    rows = [person(n) for n in range(1, 40)]
    with_x = next(r for r in rows if r["身份证号"].endswith("X"))
    with_x["身份证号"] = with_x["身份证号"].lower()
    roster_import = confirm(check(rows))
    assert roster_import.status == ImportStatus.DONE, errors_of(roster_import)
    assert Member.objects.filter(id_number=with_x["身份证号"].upper()).exists()


def test_title_row_synonym_headers_and_ignored_columns(check, confirm):
    row = {
        "序号": 1,
        "党员姓名": "李梅",
        "公民身份号码": person(2)["身份证号"],
        "政治面貌": "中共预备党员",
        "手机号码": "13900001111",
        "入党时间": "2025.12.1",
        "备注": "新转入",
    }
    roster_import = confirm(check([row], title="东村党支部党员花名册（2026年）"))
    assert roster_import.status == ImportStatus.DONE, errors_of(roster_import)
    member = Member.objects.get()
    assert (member.name, member.stage, member.admitted_on) == ("李梅", "probationary", dt.date(2025, 12, 1))
    assert member.phone == "13900001111"


def test_columns_in_any_order(check, confirm):
    roster_import = confirm(check([person(1), person(2)], headers=list(reversed(HEADERS))))
    assert roster_import.status == ImportStatus.DONE, errors_of(roster_import)
    member = Member.objects.get(name="党员2")
    assert (member.gender, member.phone, member.confirmed_on) == (
        "female",
        "13800000002",
        dt.date(2011, 7, 1),
    )


def test_existing_members_are_updated_or_left_unchanged(check, confirm, branch):
    first = make_member(
        branch,
        name="党员1",
        id_number=person(1)["身份证号"],
        birth_date=person(1)["出生日期"],
        work_unit="原单位",
    )
    make_member(
        branch,
        name="党员3",
        id_number=person(3)["身份证号"],
        birth_date=person(3)["出生日期"],
        phone=person(3)["联系电话"],
    )
    columns = ["姓名", "身份证号", "联系电话"]
    rows = [person(1, **{"联系电话": "13911112222"}), person(3), person(5)]
    roster_import = check([{h: r[h] for h in columns} for r in rows], headers=columns)
    assert roster_import.summary["counts"] == {"new": 1, "updated": 1, "unchanged": 1}
    updated = next(r for r in roster_import.summary["preview"] if r[1] == "updated")
    assert updated[5] == [["联系电话", "", "13911112222"]]

    confirm(roster_import)

    first.refresh_from_db()
    assert first.phone == "13911112222"
    assert first.work_unit == "原单位"  # a column the file does not have is left alone
    assert Member.objects.filter(organisation=branch).count() == 3


def test_stage_of_a_registered_member_is_not_changed_by_import(check, branch):
    make_member(
        branch,
        stage="probationary",
        id_number=person(1)["身份证号"],
        birth_date=person(1)["出生日期"],
    )
    roster_import = check([person(1, **{"发展阶段": "正式党员"})])
    assert_rejected(roster_import, members_before=1)
    assert "发展党员流程" in error_at(roster_import, 2, "发展阶段")


def test_party_group_by_name(check, confirm, tree):
    roster_import = check([person(1, **{"党小组": "第一党小组"}), person(2, **{"党小组": "第九党小组"})])
    assert_rejected(roster_import)
    assert "第九党小组" in error_at(roster_import, 3, "党小组")

    roster_import = confirm(check([person(1, **{"党小组": "第一党小组"})]))
    assert Member.objects.get().party_group == tree["group"]


def test_rows_without_id_number(check, confirm, branch):
    roster_import = check([person(1, **{"身份证号": "", "出生日期": None}), person(2, **{"身份证号": ""})])
    assert_rejected(roster_import)
    assert "出生日期必须填写" in error_at(roster_import, 2, "出生日期")

    existing = make_member(
        branch, name="党员2", id_number="", birth_date=person(2)["出生日期"], gender="female"
    )
    roster_import = check([person(2, **{"身份证号": "", "联系电话": "13700000000"})])
    assert roster_import.summary["counts"] == {"new": 0, "updated": 1, "unchanged": 0}
    confirm(roster_import)
    existing.refresh_from_db()
    assert existing.phone == "13700000000"


def test_dates_must_be_plausible(check):
    row = person(1)
    roster_import = check(
        [
            person(1, **{"入党日期": dt.date(2027, 1, 1), "转正日期": None}),
            person(2, **{"入党日期": dt.date(1949, 1, 1)}),
            person(3, **{"转正日期": dt.date(2009, 1, 1)}),
            person(5, **{"递交入党申请日期": dt.date(row["出生日期"].year + 10, 1, 1)}),
        ]
    )
    assert_rejected(roster_import)
    assert "晚于今天" in error_at(roster_import, 2, "入党日期")
    assert "早于出生日期" in error_at(roster_import, 3, "入党日期")
    assert "转正日期早于入党日期" in error_at(roster_import, 4, "转正日期")
    assert "未满18周岁" in error_at(roster_import, 5, "递交入党申请日期")


def test_a_file_with_only_a_header(check):
    roster_import = check(content=workbook_bytes([], headers=HEADERS))
    assert_rejected(roster_import)
    assert "没有党员数据" in errors_of(roster_import)[0][3]


def test_too_many_rows(check, monkeypatch):
    monkeypatch.setattr(services, "MAX_ROWS", 3)
    roster_import = check([person(n) for n in range(1, 6)])
    assert_rejected(roster_import)
    assert "超过 3 行" in errors_of(roster_import)[-1][3]


def test_confirmation_checks_again_against_the_database(check, confirm, tree):
    roster_import = check([person(1), person(2)])
    assert roster_import.status == ImportStatus.VALIDATED
    # Meanwhile another branch registers the second person.
    make_member(
        tree["sibling_branch"],
        id_number=person(2)["身份证号"],
        birth_date=person(2)["出生日期"],
        gender="female",
    )

    roster_import = confirm(roster_import)

    assert roster_import.status == ImportStatus.INVALID
    assert roster_import.summary["rechecked"] is True
    assert "其他党组织" in error_at(roster_import, 3, "身份证号")
    assert Member.objects.filter(organisation=tree["branch"]).count() == 0


def test_confirming_twice_imports_once(check, confirm):
    roster_import = check([person(1), person(2)])
    confirm(roster_import)
    with pytest.raises(ValidationError, match="不能重复导入"):
        confirm(roster_import)
    stale_copy = type(roster_import).objects.get(pk=roster_import.pk)
    stale_copy.status = ImportStatus.VALIDATED  # as a second browser tab still believes
    with pytest.raises(ValidationError):
        confirm(stale_copy)
    assert Member.objects.count() == 2


def test_write_error_rolls_back_every_row(check, confirm, monkeypatch):
    """A row the service refuses at writing time (a race) leaves no other row behind."""
    roster_import = check([person(1), person(2), person(3)])
    real_create = member_services.member_create
    calls = []

    def create_then_fail(**fields):
        calls.append(fields["name"])
        if len(calls) == 3:
            raise ValidationError({"id_number": "该身份证号已登记在其他党员名下。"})
        return real_create(**fields)

    monkeypatch.setattr(services, "member_create", create_then_fail)
    roster_import = confirm(roster_import)
    assert roster_import.status == ImportStatus.INVALID
    assert "已登记" in error_at(roster_import, 4, "身份证号")
    assert Member.objects.count() == 0
    assert Member.objects.filter(status=MemberStatus.ACTIVE).count() == 0


def test_dissolved_branch_refuses_uploads(check, tree):
    from branches import services as branch_services

    branch_services.organisation_dissolve(
        organisation=tree["other_branch"], on=dt.date(2026, 1, 1), reason="合并"
    )
    tree["other_branch"].refresh_from_db()
    with pytest.raises(ValidationError, match="正常运行的党支部"):
        check([person(1)], to=tree["other_branch"])
