"""members_bulk_create / members_bulk_update: member_create's and member_update's checks, a few queries."""

import datetime as dt
import math

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.db.models import AutoField

from members import idcard
from members.models import Member, StageChange
from members.services import members as services
from tests.factories import UserFactory, make_member, make_org

pytestmark = pytest.mark.django_db

# Everything but the pk, and the timestamps: what a member record holds.
COMPARED = [
    f.attname
    for f in Member._meta.concrete_fields
    if not f.primary_key and f.name not in ("created_at", "updated_at")
]


def fields(n: int, **overrides) -> dict:
    """Field values of person ``n`` as the import passes them: a full member, unique for n < 1,000."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=n)
    gender = "male" if n % 2 else "female"
    values = {
        "name": f"批量{n}",
        "gender": gender,
        "birth_date": birth,
        "id_number": idcard.make_id_number("110105", birth, 100 + n % 2),
        "education": "bachelor",
        "phone": f"139{n:08d}",
        "work_unit": "县供电公司",
        "stage": "full",
        "admitted_on": dt.date(2010, 7, 1),
        "confirmed_on": dt.date(2011, 7, 1),
    }
    values.update(overrides)
    return values


def wrong_check_digit(number: str) -> str:
    return number[:17] + ("1" if number[17] != "1" else "2")


def record(member: Member) -> dict:
    return {name: getattr(member, name) for name in COMPARED}


def statements(model, rows: int) -> int:
    """How many INSERTs bulk_create needs for ``rows`` rows on this database (SQLite caps the parameters)."""
    columns = [f for f in model._meta.concrete_fields if not isinstance(f, AutoField)]
    per_insert = min(connection.ops.bulk_batch_size(columns, [None] * rows), services.BULK_BATCH)
    return math.ceil(rows / max(per_insert, 1))


# --- members_bulk_create -------------------------------------------------------------------


def test_bulk_create_writes_what_member_create_writes(tree):
    branch, group = tree["branch"], tree["group"]
    user = UserFactory()
    rows = [
        fields(1, party_group=group),
        fields(2, phone="139 0000 0002", id_number=" " + fields(2)["id_number"]),
        fields(3, stage="probationary", confirmed_on=None, phone=""),
        fields(4, stage="activist", admitted_on=None, confirmed_on=None, activist_on=None),
    ]

    created = services.members_bulk_create(organisation=branch, rows=rows, recorded_by=user)

    assert [m.pk for m in created] == list(
        Member.objects.filter(pk__in=[m.pk for m in created]).order_by("pk").values_list("pk", flat=True)
    )
    bulk = [record(Member.objects.get(pk=m.pk)) for m in created]
    bulk_changes = [
        (c.member.name, c.stage, c.on, c.note, c.recorded_by_id)
        for c in StageChange.objects.select_related("member").order_by("member__name")
    ]
    Member.objects.all().delete()
    one_by_one = [
        record(services.member_create(organisation=branch, recorded_by=user, **row)) for row in rows
    ]
    changes = [
        (c.member.name, c.stage, c.on, c.note, c.recorded_by_id)
        for c in StageChange.objects.select_related("member").order_by("member__name")
    ]

    assert bulk == one_by_one
    assert bulk_changes == changes
    assert len(changes) == 3  # the activist has no date: no StageChange, as member_create does
    assert bulk[1]["phone"] == "13900000002" and bulk[1]["id_number"] == fields(2)["id_number"]
    assert bulk[0]["completeness"] == 100 and bulk[2]["completeness"] < 100


def test_bulk_create_runs_the_checks_of_member_create_and_saves_nothing(tree):
    foreign_group = make_org(tree["sibling_branch"], kind="party_group", name="外支部党小组")
    rows = [
        fields(1),
        fields(2, birth_date=dt.date(1970, 1, 1)),
        fields(3, gender="female"),
        fields(4, party_group=foreign_group),
        fields(5, phone="12345"),
        fields(6, applied_on=fields(6)["birth_date"] + dt.timedelta(days=365 * 10)),
        fields(7, id_number=wrong_check_digit(fields(7)["id_number"])),
        fields(8, id_number=fields(1)["id_number"], birth_date=fields(1)["birth_date"], gender="male"),
        fields(9),
    ]
    with pytest.raises(services.RowErrors) as refused:
        services.members_bulk_create(organisation=tree["branch"], rows=rows)

    problems = {index: error.message_dict for index, error in refused.value.rows.items()}
    assert sorted(problems) == [1, 2, 3, 4, 5, 6, 7]
    assert "出生日期与身份证号不一致" in problems[1]["birth_date"][0]
    assert problems[2] == {"gender": ["性别与身份证号不一致。"]}
    assert "党小组必须属于" in problems[3]["party_group"][0]
    assert "联系电话格式不正确" in problems[4]["phone"][0]
    assert "年满18周岁" in problems[5]["applied_on"][0]
    assert "校验位" in problems[6]["id_number"][0]
    assert "本批第1条" in problems[7]["id_number"][0]
    assert str(refused.value.messages[0]).startswith("第2条记录")
    assert not Member.objects.exists() and not StageChange.objects.exists()


def test_bulk_create_only_in_a_working_branch(tree):
    with pytest.raises(ValidationError, match="正常运行的党支部"):
        services.members_bulk_create(organisation=tree["town"], rows=[fields(1)])
    with pytest.raises(ValueError, match="unknown fields"):
        services.members_bulk_create(organisation=tree["branch"], rows=[fields(1, status="left")])


def test_a_taken_id_number_in_a_later_batch_rolls_back_every_batch(tree, monkeypatch):
    """The database's unique constraint is the final guard: the IntegrityError undoes the batches
    already sent, and names the row whose number another member holds."""
    monkeypatch.setattr(services, "BULK_BATCH", 10)
    holder = make_member(
        tree["sibling_branch"],
        id_number=fields(25)["id_number"],
        birth_date=fields(25)["birth_date"],
        gender="male",
    )
    rows = [fields(n) for n in range(1, 31)]

    with pytest.raises(services.RowErrors) as refused:
        services.members_bulk_create(organisation=tree["branch"], rows=rows, recorded_by=UserFactory())

    assert {i: e.message_dict for i, e in refused.value.rows.items()} == {
        24: {"id_number": ["该身份证号已登记在其他党员名下。"]}
    }
    assert list(Member.objects.all()) == [holder]
    assert list(StageChange.objects.values_list("member", flat=True)) == [holder.pk]


def test_an_integrity_error_no_row_explains_is_a_chinese_message(tree, monkeypatch):
    def refuse(*args, **kwargs):
        raise IntegrityError("simulated")

    rows = [fields(n) for n in range(1, 4)]
    monkeypatch.setattr(StageChange.objects, "bulk_create", refuse)
    with pytest.raises(ValidationError, match="没有保存任何数据") as refused:
        services.members_bulk_create(organisation=tree["branch"], rows=rows)
    assert not isinstance(refused.value, services.RowErrors)
    assert not Member.objects.exists()


def test_bulk_create_of_2000_members_in_a_few_queries(tree, django_assert_max_num_queries):
    rows = [fields(n % 900, name=f"批量{n}", id_number="") for n in range(2000)]
    # One INSERT per batch of members and of StageChange rows, and a savepoint around them; the
    # audit rows are written batch by batch with the members of each batch.
    audit_rows = sum(
        statements(Member.history.model, min(services.BULK_BATCH, 2000 - start))
        for start in range(0, 2000, services.BULK_BATCH)
    )
    bound = statements(Member, 2000) + audit_rows + statements(StageChange, 2000) + 2
    with django_assert_max_num_queries(bound):
        created = services.members_bulk_create(organisation=tree["branch"], rows=rows)
    assert bound < 200 and Member.objects.count() == 2000 == StageChange.objects.count()
    assert all(m.pk for m in created)


# --- members_bulk_update -------------------------------------------------------------------


@pytest.fixture
def people(tree):
    return [
        services.member_create(organisation=tree["branch"], **fields(n, work_unit="原单位"))
        for n in range(1, 4)
    ]


def test_bulk_update_writes_the_changes_and_recomputes_completeness(tree, people):
    before = [record(m) for m in people]
    stamp = max(m.updated_at for m in people)
    saved = services.members_bulk_update(
        updates=[
            (people[0], {"phone": "139 1111 2222", "party_group": tree["group"]}),
            (people[1], {"education": ""}),
        ]
    )

    first, second, third = (Member.objects.get(pk=m.pk) for m in people)
    assert first.phone == "13911112222" and first.party_group == tree["group"]
    assert first.work_unit == "原单位"  # a field not in the changes is kept
    assert second.education == "" and second.completeness < before[1]["completeness"]
    assert record(third) == before[2] and third.updated_at == people[2].updated_at
    assert first.updated_at > stamp and second.updated_at > stamp
    assert [m.pk for m in saved] == [people[0].pk, people[1].pk]


def test_bulk_update_checks_like_member_update_and_changes_nothing(tree, people):
    foreign_group = make_org(tree["sibling_branch"], kind="party_group", name="外支部党小组")
    before = [record(Member.objects.get(pk=m.pk)) for m in people]
    with pytest.raises(services.RowErrors) as refused:
        services.members_bulk_update(
            updates=[
                (people[0], {"phone": "139 1111 2222"}),
                (people[1], {"phone": "12345"}),
                (people[2], {"party_group": foreign_group}),
            ]
        )
    assert sorted(refused.value.rows) == [1, 2]
    assert [record(Member.objects.get(pk=m.pk)) for m in people] == before


def test_bulk_update_to_a_taken_id_number_rolls_back(tree, people):
    other = make_member(tree["sibling_branch"], birth_date=dt.date(1980, 3, 3), gender="female")
    unnumbered = services.member_update(member=people[2], id_number="", work_unit="原单位")
    before = [record(Member.objects.get(pk=m.pk)) for m in people]
    with pytest.raises(services.RowErrors) as refused:
        services.members_bulk_update(
            updates=[
                (people[0], {"phone": "13911112222"}),
                (
                    unnumbered,
                    {"id_number": other.id_number, "birth_date": other.birth_date, "gender": "female"},
                ),
            ]
        )
    assert {i: e.message_dict for i, e in refused.value.rows.items()} == {
        1: {"id_number": ["该身份证号已登记在其他党员名下。"]}
    }
    assert [record(Member.objects.get(pk=m.pk)) for m in people] == before


def test_bulk_update_in_a_few_queries(tree, django_assert_max_num_queries):
    created = services.members_bulk_create(
        organisation=tree["branch"], rows=[fields(n) for n in range(1, 301)]
    )
    updates = [(m, {"phone": f"137{n:08d}", "work_unit": "新单位"}) for n, m in enumerate(created)]
    with django_assert_max_num_queries(12 + statements(Member.history.model, 300)):  # + the audit rows
        services.members_bulk_update(updates=updates)
    assert set(Member.objects.values_list("work_unit", flat=True)) == {"新单位"}
