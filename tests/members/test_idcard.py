"""居民身份证号: GB 11643 check digit, normalisation, agreement with birth date and gender."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from members import idcard
from members.services.members import check_person

VALID = "11010519491231002X"  # the standard's own example


def test_known_valid_number():
    assert idcard.validate_id_number(VALID) == VALID


@given(
    region=st.sampled_from(["110105", "330102", "440304", "510107"]),
    birth=st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2008, 12, 31)),
    seq=st.integers(min_value=0, max_value=999),
)
def test_generated_numbers_pass(region, birth, seq):
    number = idcard.make_id_number(region, birth, seq)
    assert idcard.validate_id_number(number) == number
    assert idcard.birth_date_of(number) == birth


@pytest.mark.parametrize("position", range(18))
def test_every_single_digit_corruption_fails(position):
    for replacement in "0123456789X":
        if replacement == VALID[position] or (replacement == "X" and position != 17):
            continue
        corrupted = VALID[:position] + replacement + VALID[position + 1 :]
        with pytest.raises(ValidationError):
            idcard.validate_id_number(corrupted)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("１１０１０５１９４９１２３１００２Ｘ", VALID),  # full-width digits and X
        ("11010519491231002x", VALID),  # lowercase x
        (" 110105 19491231 002X ", VALID),  # spaces
        ("110105\u300019491231002X", VALID),  # ideographic space
    ],
)
def test_normalisation(raw, expected):
    assert idcard.validate_id_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("11010519491231002", "应为18位，当前为17位"),
        ("11010519491231002XX", "应为18位，当前为19位"),
        ("1101051949123100AX", "只能由数字和末位的X组成"),
        ("110105194902300021", "出生日期不存在"),
        ("110105194912310021", "校验位不正确"),
        (11010519491231002, "应为18位"),  # Excel stored it as a number: the X is gone
    ],
)
def test_messages(raw, message):
    with pytest.raises(ValidationError) as err:
        idcard.validate_id_number(raw)
    assert message in err.value.messages[0]


def test_gender_digit():
    assert idcard.gender_of(VALID) == "female"  # 17th digit 2
    assert idcard.gender_of(idcard.make_id_number("110105", dt.date(1980, 1, 1), 11)) == "male"


def test_birth_date_must_agree():
    with pytest.raises(ValidationError) as err:
        check_person(id_number=VALID, birth_date=dt.date(1949, 12, 30), gender="female")
    assert "出生日期与身份证号不一致" in str(err.value)


def test_gender_must_agree():
    with pytest.raises(ValidationError) as err:
        check_person(id_number=VALID, birth_date=dt.date(1949, 12, 31), gender="male")
    assert "性别与身份证号不一致" in str(err.value)


def test_agreeing_person_passes():
    assert (
        check_person(id_number=" 11010519491231002x", birth_date=dt.date(1949, 12, 31), gender="female")
        == VALID
    )
