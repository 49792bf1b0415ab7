"""Pure rules of members (DOMAIN §1 structure, §2 pipeline). No ORM, no I/O."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from branches.rules import add_months, add_years

ADULT_AGE = 18
ACTIVIST_TRAINING_YEARS = 1
PROBATION_YEARS = 1
PROBATION_EXTENSION_RANGE = (6, 12)
PROBATION_WARNING_DAYS = 30

# Structure (设置规范) thresholds, DOMAIN §1 [001, 003].
MIN_FULL_MEMBERS = 3
LARGE_BRANCH_MEMBERS = 50
COMMITTEE_FULL_MEMBERS = 7
GROUPS_FROM_MEMBERS = 20
MIN_GROUP_MEMBERS = 3
MIN_COMMITTEE_SIZE = 3

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")


def date_problems(
    dates: dict[str, dt.date | None], today: dt.date, stage_order: tuple[str, ...]
) -> list[tuple[str, str, str | None]]:
    """What is wrong with a member's dates: ``(field, problem, other field)`` with problem "future"
    (later than today), "before_birth", or "out_of_order" (earlier than the previous stage's date,
    named as the other field). The import and the form word the messages each in their own way."""
    problems = []
    birth = dates.get("birth_date")
    for name, value in dates.items():
        if value is None:
            continue
        if value > today:
            problems.append((name, "future", None))
        elif birth and name != "birth_date" and value < birth:
            problems.append((name, "before_birth", None))
    previous = None
    for name in stage_order:
        value = dates.get(name)
        if value is None:
            continue
        if previous and value < dates[previous]:
            problems.append((name, "out_of_order", previous))
        previous = name
    return problems


def age_on(birth: dt.date, day: dt.date) -> int:
    """Whole years of age on ``day`` (a 29 February birthday counts on 28 February)."""
    years = day.year - birth.year
    return years - 1 if add_years(birth, years) > day else years


def probation_end(admitted_on: dt.date, extension_months: int = 0) -> dt.date:
    """Probation is one year from admission, extended once by 6–12 months at most."""
    return add_months(admitted_on, 12 * PROBATION_YEARS + extension_months)


def candidate_allowed_from(activist_on: dt.date) -> dt.date:
    """An activist needs at least a year of training before becoming a 发展对象."""
    return add_years(activist_on, ACTIVIST_TRAINING_YEARS)


def valid_phone(value: str) -> bool:
    return bool(_MOBILE.fullmatch(value) or _LANDLINE.fullmatch(value))


@dataclass(frozen=True)
class GroupCounts:
    name: str
    members: int
    full_members: int


def structure_warnings(
    *,
    full_members: int,
    members: int,
    committee_size: int,
    groups: list[GroupCounts] | tuple = (),
) -> list[str]:
    """设置不规范 warnings of a branch from its counts (never blocks saving).

    ``members`` counts party members (正式 + 预备); ``committee_size`` the current
    term's appointed committee members.
    """
    warnings = []
    if full_members < MIN_FULL_MEMBERS:
        warnings.append(
            f"正式党员不足{MIN_FULL_MEMBERS}人（现有{full_members}人），应考虑与邻近单位成立联合党支部。"
        )
    if members > LARGE_BRANCH_MEMBERS:
        warnings.append(f"党员超过{LARGE_BRANCH_MEMBERS}人（现有{members}人），属大型党支部，应考虑分设。")
    if full_members >= COMMITTEE_FULL_MEMBERS and committee_size < MIN_COMMITTEE_SIZE:
        warnings.append(
            f"正式党员{full_members}人，达到{COMMITTEE_FULL_MEMBERS}人应设立支部委员会（3至5人）。"
        )
    if members >= GROUPS_FROM_MEMBERS and not groups:
        warnings.append(f"党员{members}人，达到{GROUPS_FROM_MEMBERS}人应划分党小组。")
    for group in groups:
        if group.members < MIN_GROUP_MEMBERS:
            warnings.append(f"{group.name}仅有{group.members}名党员，党小组应不少于{MIN_GROUP_MEMBERS}人。")
        if group.full_members < 1:
            warnings.append(f"{group.name}没有正式党员。")
    return warnings


COMPLETENESS_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number",
    "education",
    "phone",
    "work_unit",
    "dues_category",
    "stage_date",
)


def completeness(fields: dict) -> int:
    """信息完整度: the percentage of required fields that are filled and valid.

    ``fields`` maps each name of COMPLETENESS_FIELDS to its value; ``id_number_valid``
    and ``stage_date`` are computed by the caller.
    """
    ok = 0
    for name in COMPLETENESS_FIELDS:
        value = fields.get(name)
        if name == "id_number":
            ok += bool(value) and bool(fields.get("id_number_valid"))
        elif name == "phone":
            ok += bool(value) and valid_phone(value)
        else:
            ok += value not in (None, "")
    return round(100 * ok / len(COMPLETENESS_FIELDS))


# --- pipeline checks (plain values in, a Chinese message or None out) ----------------------------


def application_age_error(birth_date: dt.date | None, applied_on: dt.date | None) -> str | None:
    """An applicant must be 18 on the day of application (a 29 February birthday counts on 28 February)."""
    if birth_date is None or applied_on is None:
        return "缺少出生日期或递交入党申请日期，无法核对申请时的年龄。"
    # The 18th birthday by the same anniversary rule as every other date here (add_years):
    # a 29 February birthday comes of age on 28 February in a common year.
    adult_on = add_years(birth_date, ADULT_AGE)
    if applied_on < adult_on:
        return (
            f"递交入党申请时（{applied_on:%Y年%m月%d日}）未满{ADULT_AGE}周岁"
            f"（{adult_on:%Y年%m月%d日}满{ADULT_AGE}周岁），不能作为入党申请人培养。"
        )
    return None


def candidate_date_error(activist_on: dt.date | None, on: dt.date) -> str | None:
    """A 发展对象 needs a year as an activist: the anniversary is allowed, the day before is not."""
    if activist_on is None:
        return "缺少确定为入党积极分子的日期，无法核对培养期。"
    allowed = candidate_allowed_from(activist_on)
    if on < allowed:
        return (
            f"入党积极分子培养教育须满1年：{activist_on:%Y年%m月%d日}确定为积极分子，"
            f"最早可于{allowed:%Y年%m月%d日}确定为发展对象。"
        )
    return None


def confirmation_date_error(admitted_on: dt.date | None, extension_months: int, on: dt.date) -> str | None:
    """转正 at the end of probation, not before it."""
    if admitted_on is None:
        return "缺少入党日期，无法计算预备期。"
    end = probation_end(admitted_on, extension_months)
    if on < end:
        return f"预备期至{end:%Y年%m月%d日}届满，届满前不能转正。"
    return None


def extension_error(months: int, already_extended: int) -> str | None:
    low, high = PROBATION_EXTENSION_RANGE
    if already_extended:
        return f"预备期已延长过{already_extended}个月，只能延长一次。"
    if not low <= months <= high:
        return f"延长预备期应为{low}至{high}个月（填写的是{months}个月）。"
    return None
