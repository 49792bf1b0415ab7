"""Files with many rows to write go through members_bulk_create / members_bulk_update: same result, few queries."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from members.models import ImportStatus, Member, RosterImport, StageChange
from members.services import members as member_services
from members.services import roster_import as services
from tests.factories import make_member

from .test_import_support import (  # noqa: F401 - media_root is an autouse fixture
    error_at,
    media_root,
    person,
    upload_file,
    workbook_bytes,
)
from .test_members_bulk import COMPARED, statements

pytestmark = pytest.mark.django_db

ROWS = 2000


@pytest.fixture(scope="module")
def big_file() -> bytes:
    return workbook_bytes([person(n) for n in range(1, ROWS + 1)])


@pytest.fixture
def validated(tree, secretary, django_capture_on_commit_callbacks):
    """Upload (a large file's validation task runs eagerly) and mark confirmed, as
    roster_import_confirm does, without writing yet: the test runs the write itself."""

    def _validated(content: bytes):
        with django_capture_on_commit_callbacks(execute=True):
            roster_import = services.roster_import_upload(
                organisation=tree["branch"], file=upload_file(content), uploaded_by=secretary
            )
        roster_import.refresh_from_db()
        assert roster_import.status == ImportStatus.VALIDATED, roster_import.summary["errors"][:3]
        summary = {**roster_import.summary, "phase": services.IMPORTING, "confirmed_by": secretary.pk}
        RosterImport.objects.filter(pk=roster_import.pk).update(status=ImportStatus.RUNNING, summary=summary)
        return roster_import

    return _validated


def run(roster_import):
    return services.roster_import_run(roster_import_id=roster_import.pk)


def test_a_2000_row_import_issues_a_bounded_number_of_queries(
    tree, validated, big_file, django_assert_max_num_queries
):
    roster_import = validated(big_file)
    # The check again: the import, the branch's members, the ID numbers elsewhere (a query per
    # thousand), the party groups; then the user and a savepoint; the INSERTs of the members and
    # their StageChange rows (a thousand a query, fewer on SQLite); the import saved. Was 6 a row.
    bound = (
        15 + statements(Member, ROWS) + statements(Member.history.model, ROWS) + statements(StageChange, ROWS)
    )
    with django_assert_max_num_queries(bound):
        roster_import = run(roster_import)
    assert roster_import.status == ImportStatus.DONE
    assert Member.objects.filter(organisation=tree["branch"]).count() == ROWS == StageChange.objects.count()
    assert sorted(roster_import.summary["member_ids"]) == sorted(Member.objects.values_list("pk", flat=True))
    first = Member.objects.get(name="党员1")
    assert first.completeness == 100 and first.id_number == person(1)["身份证号"]


def test_an_integrity_error_in_the_bulk_write_is_a_row_error_and_nothing_is_saved(
    tree, validated, monkeypatch
):
    """Another branch registers a person of the file between the check and the write: the unique
    constraint refuses the INSERT, every batch already sent is undone, and the row is reported."""
    monkeypatch.setattr(services, "BULK_ROWS", 1)
    monkeypatch.setattr(member_services, "BULK_BATCH", 40)
    roster_import = validated(workbook_bytes([person(n) for n in range(1, 151)]))
    real_plan = services._plan

    def plan_then_race(*args, **kwargs):
        plan = real_plan(*args, **kwargs)
        make_member(
            tree["sibling_branch"],
            id_number=person(120)["身份证号"],
            birth_date=person(120)["出生日期"],
            gender="female",
        )
        return plan

    monkeypatch.setattr(services, "_plan", plan_then_race)
    roster_import = run(roster_import)

    assert roster_import.status == ImportStatus.INVALID
    assert error_at(roster_import, 121, "身份证号") == "该身份证号已登记在其他党员名下。"
    assert len(roster_import.summary["errors"]) == 1
    assert not Member.objects.filter(organisation=tree["branch"]).exists()
    assert not StageChange.objects.filter(member__organisation=tree["branch"]).exists()


def test_an_integrity_error_no_row_explains_is_a_message_not_a_500(tree, validated, monkeypatch):
    monkeypatch.setattr(services, "BULK_ROWS", 1)
    roster_import = validated(workbook_bytes([person(n) for n in range(1, 4)]))

    def refuse(*args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(StageChange.objects, "bulk_create", refuse)
    roster_import = run(roster_import)
    assert roster_import.status == ImportStatus.INVALID
    [(row, column, header, message)] = roster_import.summary["errors"]
    assert (row, column, header) == (0, "", "") and "没有保存任何数据" in message
    assert not Member.objects.exists()


def import_once(tree, validated, monkeypatch, *, bulk: bool) -> tuple[dict, list]:
    """New, changed and unchanged rows, with and without ID numbers, through one of the two writes;
    the records it leaves (rolled back afterwards, so that the other write starts from the same point)."""
    monkeypatch.setattr(services, "BULK_ROWS", 1 if bulk else 10**6)
    branch = tree["branch"]
    with transaction.atomic():
        changed = make_member(
            branch,
            name="党员1",
            id_number=person(1)["身份证号"],
            birth_date=person(1)["出生日期"],
            work_unit="原单位",
        )
        unchanged = make_member(
            branch,
            name="党员3",
            id_number=person(3)["身份证号"],
            birth_date=person(3)["出生日期"],
            phone=person(3)["联系电话"],
        )
        by_name = make_member(
            branch, name="党员4", id_number="", birth_date=person(4)["出生日期"], gender="female"
        )
        columns = ["姓名", "身份证号", "出生日期", "性别", "联系电话", "党小组", "转正日期"]
        registered = {"转正日期": dt.date(2015, 7, 1)}  # as make_member recorded them
        rows = [
            person(1, **{"联系电话": "13911112222", "党小组": "第一党小组"}, **registered),
            person(3, **registered),
            # No ID number: matched to 党员4 by name and birth date.
            person(4, **{"身份证号": "", "联系电话": "13900000004"}, **registered),
            person(5, **{"身份证号": "", "联系电话": "139 0000 0005"}),
            person(6),
        ]
        roster_import = validated(
            workbook_bytes([{h: r.get(h) for h in columns} for r in rows], headers=columns)
        )
        assert roster_import.summary["counts"] == {"new": 2, "updated": 2, "unchanged": 1}

        roster_import = run(roster_import)

        assert roster_import.status == ImportStatus.DONE
        members = {m.name: m for m in Member.objects.filter(organisation=branch)}
        ids = [members[f"党员{n}"].pk for n in (1, 3, 4, 5, 6)]
        assert ids[:3] == [changed.pk, unchanged.pk, by_name.pk]
        assert roster_import.summary["member_ids"] == ids
        assert members["党员1"].phone == "13911112222" and members["党员1"].party_group == tree["group"]
        assert members["党员1"].work_unit == "原单位"
        assert members["党员4"].phone == "13900000004" and members["党员4"].id_number == ""
        assert members["党员5"].phone == "13900000005" and members["党员5"].id_number == ""
        records = {name: {f: getattr(m, f) for f in COMPARED} for name, m in members.items()}
        changes = sorted(
            (c.member.name, c.stage, c.on, c.note, c.recorded_by_id)
            for c in StageChange.objects.select_related("member")
        )
        transaction.set_rollback(True)
    return records, changes


def test_bulk_and_row_by_row_writes_give_the_same_roster(tree, validated, monkeypatch):
    bulk = import_once(tree, validated, monkeypatch, bulk=True)
    assert bulk == import_once(tree, validated, monkeypatch, bulk=False)
    assert len(bulk[0]) == 5 and len(bulk[1]) == 5
