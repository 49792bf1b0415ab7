"""居民身份证号 (GB 11643-1999): normalise and validate an 18-character ID number."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CODES = "10X98765432"
_FULL_WIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")
_SPACES = re.compile(r"[\s\u3000]+")


def normalise(value) -> str:
    """Full-width digits to ASCII, lowercase x to X, spaces removed."""
    text = "" if value is None else str(value)
    return _SPACES.sub("", text.translate(_FULL_WIDTH)).upper()


def check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CODES[total % 11]


def validate_id_number(value) -> str:
    """The normalised 18-character number, or ValidationError with a Chinese message."""
    number = normalise(value)
    if len(number) != 18:
        raise ValidationError(f"身份证号应为18位，当前为{len(number)}位。", code="length")
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError("身份证号只能由数字和末位的X组成。", code="characters")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError("身份证号中的出生日期不存在。", code="birth_date") from None
    if birth.year < 1900 or birth > dt.date.today():
        raise ValidationError("身份证号中的出生日期不合理。", code="birth_date")
    if check_digit(number[:17]) != number[17]:
        raise ValidationError("身份证号校验位不正确，请核对。", code="check_digit")
    return number


def birth_date_of(number: str) -> dt.date:
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender_of(number: str) -> str:
    """The 17th digit: odd for men, even for women."""
    return "male" if int(number[16]) % 2 else "female"


def make_id_number(region: str, birth: dt.date, sequence: int) -> str:
    """A valid number for demo data and tests: 6-digit region, birth date, 3-digit sequence."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)
