"""Structure warnings (DOMAIN §1) and the completeness score, at their thresholds."""

from members import rules
from members.rules import GroupCounts, structure_warnings


def warns(**counts):
    base = {"full_members": 5, "members": 5, "committee_size": 0, "groups": []}
    base.update(counts)
    return structure_warnings(**base)


def test_three_full_members_is_enough():
    assert not warns(full_members=3, members=3)
    assert any("正式党员不足3人" in w for w in warns(full_members=2, members=4))


def test_more_than_fifty_members():
    assert not [
        w
        for w in warns(full_members=40, members=50, committee_size=5, groups=[GroupCounts("g", 25, 20)] * 2)
        if "50" in w
    ]
    assert any(
        "超过50人" in w
        for w in warns(full_members=40, members=51, committee_size=5, groups=[GroupCounts("g", 25, 20)])
    )


def test_seven_full_members_need_a_committee():
    assert not warns(full_members=6, members=6, committee_size=0)
    assert any("支部委员会" in w for w in warns(full_members=7, members=7, committee_size=0))
    assert any("支部委员会" in w for w in warns(full_members=7, members=7, committee_size=2))
    assert not any("支部委员会" in w for w in warns(full_members=7, members=7, committee_size=3))


def test_twenty_members_need_groups():
    assert not any("党小组" in w for w in warns(full_members=19, members=19, committee_size=3))
    assert any("应划分党小组" in w for w in warns(full_members=20, members=20, committee_size=3))
    assert not any(
        "应划分党小组" in w
        for w in warns(
            full_members=20,
            members=20,
            committee_size=3,
            groups=[GroupCounts("一组", 10, 10), GroupCounts("二组", 10, 10)],
        )
    )


def test_group_size_and_full_member():
    assert not warns(groups=[GroupCounts("一组", 3, 1)])
    assert any("一组仅有2名党员" in w for w in warns(groups=[GroupCounts("一组", 2, 1)]))
    assert any("一组没有正式党员" in w for w in warns(groups=[GroupCounts("一组", 3, 0)]))


def test_a_compliant_branch_has_no_warning():
    assert (
        warns(
            full_members=30,
            members=35,
            committee_size=5,
            groups=[GroupCounts("一组", 18, 15), GroupCounts("二组", 17, 15)],
        )
        == []
    )


FULL = {
    "name": "张三",
    "gender": "male",
    "ethnicity": "汉族",
    "birth_date": "1980-01-01",
    "id_number": "11010519491231002X",
    "id_number_valid": True,
    "education": "bachelor",
    "phone": "13812345678",
    "work_unit": "镇政府",
    "dues_category": "employed",
    "stage_date": "2010-07-01",
}


def test_completeness_full_and_partial():
    assert rules.completeness(FULL) == 100
    assert rules.completeness({**FULL, "phone": ""}) == 90
    assert rules.completeness({**FULL, "phone": "12345"}) == 90  # filled but not valid
    assert rules.completeness({**FULL, "id_number_valid": False}) == 90
    assert rules.completeness({**FULL, "education": "", "work_unit": "", "stage_date": None}) == 70
    assert rules.completeness({}) == 0


def test_phone_formats():
    assert rules.valid_phone("13812345678") and rules.valid_phone("0571-87654321")
    assert not rules.valid_phone("1381234567") and not rules.valid_phone("23812345678")


def test_age_on_leap_day_birthday():
    import datetime as dt

    born = dt.date(2000, 2, 29)
    assert rules.age_on(born, dt.date(2018, 2, 27)) == 17
    assert rules.age_on(born, dt.date(2018, 2, 28)) == 18
    assert rules.age_on(dt.date(2000, 3, 1), dt.date(2018, 2, 28)) == 17


def test_probation_end_with_extension_from_leap_day():
    import datetime as dt

    assert rules.probation_end(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    assert rules.probation_end(dt.date(2024, 2, 29), 6) == dt.date(2025, 8, 29)
    assert rules.probation_end(dt.date(2024, 2, 29), 12) == dt.date(2026, 2, 28)
