"""Writes of party dues (党费): the month's payments, the year's bases, remittances to the committee.

Each use case validates everything first and writes all or nothing: one bulk
statement for a whole month or a whole year of bases, so a branch of fifty
members is saved in a handful of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from branches import audit
from branches.models import Organisation
from branches.signals import changed as figures_changed

from .. import dues, selectors_dues
from ..models import DuesBase, DuesPayment, Member, Remittance

PAYMENT_FIELDS = ("amount_due", "amount_paid", "paid_on", "receipt_no", "recorded_by", "updated_at")


def money_error(value: Decimal | None, *, positive: bool = False) -> str | None:
    """The Chinese message for an amount the cashbook cannot hold, or None when it is fine."""
    if value is None:
        return "请填写金额。"
    if not value.is_finite():
        return "请输入数字金额。"
    if value < 0:
        return "金额不能为负数。"
    if positive and value == 0:
        return "金额应大于0。"
    if value != value.quantize(dues.CENT):
        return "金额最多保留两位小数（精确到分）。"
    if value > dues.MAX_AMOUNT:
        return "金额过大，请核对。"
    return None


def _ym(month: dt.date) -> str:
    return f"{month.year}年{month.month}月"


def _check_branch(organisation: Organisation) -> None:
    if not organisation.is_branch:
        raise ValidationError("党费只能由党支部登记。")


# ---------------------------------------------------------------- the month


@dataclass(frozen=True)
class MonthEntry:
    """One line of the monthly sheet as the secretary submitted it."""

    member_id: int
    paid: bool
    amount_paid: Decimal | None = None
    receipt_no: str = ""


@dataclass(frozen=True)
class MonthResult:
    created: int
    updated: int
    paid: int


@transaction.atomic
def dues_month_record(
    *,
    organisation: Organisation,
    month: dt.date,
    entries: list[MonthEntry],
    paid_on: dt.date | None,
    recorded_by=None,
    sheet: list[selectors_dues.SheetRow] | None = None,
    today: dt.date | None = None,
) -> MonthResult:
    """Record one month's dues for the branch in one statement: who paid, how much, the receipt.

    ``sheet`` is the month as the page showed it (``selectors_dues.month_sheet``);
    without it the sheet is read here. Lines for members not on the sheet are
    refused. An amount above what is due is a voluntary extra payment and is kept.
    Members whose amount is unknown (no base) and who did not pay are left
    unrecorded. Raises ValidationError, keyed ``amount-<member id>`` per line,
    before anything is written.
    """
    _check_branch(organisation)
    today = today or timezone.localdate()
    if month.day != 1:
        raise ValidationError({"month": "月份应为当月1日。"})
    if month > dues.month_start(today):
        raise ValidationError({"month": "不能登记未来月份的党费。"})
    if sheet is None:
        sheet = selectors_dues.month_rows(Member.objects.filter(organisation=organisation), month)
    rows = {row.member.pk: row for row in sheet}
    errors: dict[str, list[str]] = {}
    outsiders = [e.member_id for e in entries if e.member_id not in rows]
    if outsiders or len({e.member_id for e in entries}) != len(entries):
        raise ValidationError("提交的名单中有不属于本支部本月应交党费的人员，未保存任何记录。")
    if any(e.paid for e in entries):
        if paid_on is None:
            errors["paid_on"] = ["请填写交纳日期。"]
        elif paid_on > today:
            errors["paid_on"] = ["交纳日期不能晚于今天。"]

    objects = []
    paid_count = 0
    for entry in entries:
        row = rows[entry.member_id]
        name = row.member.name
        receipt = (entry.receipt_no or "").strip()
        if len(receipt) > 40:
            errors.setdefault(f"receipt-{entry.member_id}", []).append(f"{name}：收据编号不能超过40个字符。")
        if entry.paid:
            message = money_error(entry.amount_paid, positive=True)
            if message:
                errors.setdefault(f"amount-{entry.member_id}", []).append(f"{name}：{message}")
                continue
            if row.due is None:
                errors.setdefault(f"amount-{entry.member_id}", []).append(
                    f"{name}：尚未核定党费基数，请先设置本年度党费基数。"
                )
                continue
            paid_count += 1
        elif row.due is None:
            continue
        old = row.payment
        keep_date = old is not None and old.paid_on is not None
        values = {
            "amount_due": row.due,
            "amount_paid": entry.amount_paid if entry.paid else Decimal("0.00"),
            "paid_on": (old.paid_on if keep_date else paid_on) if entry.paid else None,
            "receipt_no": receipt,
        }
        if old is not None and all(getattr(old, k) == v for k, v in values.items()):
            continue
        objects.append(DuesPayment(member_id=entry.member_id, month=month, recorded_by=recorded_by, **values))
    if errors:
        raise ValidationError(errors)
    created = sum(1 for o in objects if rows[o.member_id].payment is None)
    if objects:
        # One INSERT … ON CONFLICT DO UPDATE for the whole month; the unique (member, month)
        # row makes a second save of the same sheet an update, never a duplicate.
        try:
            DuesPayment.objects.bulk_create(
                objects,
                update_conflicts=True,
                unique_fields=["member", "month"],
                update_fields=list(PAYMENT_FIELDS),
            )
        except IntegrityError:
            raise ValidationError("保存失败：记录与数据库约束不符，请刷新页面后重试。") from None
        _audit_month(objects, month, new={o.member_id for o in objects if rows[o.member_id].payment is None})
        figures_changed([organisation.pk], years=[month.year])
    return MonthResult(created=created, updated=len(objects) - created, paid=paid_count)


def _audit_month(objects, month: dt.date, *, new: set[int]) -> None:
    """The audit rows of a month's upsert, read back as stored (an upsert leaves no ids behind)."""
    saved = list(DuesPayment.objects.filter(member_id__in=[o.member_id for o in objects], month=month))
    audit.created(p for p in saved if p.member_id in new)
    audit.updated(p for p in saved if p.member_id not in new)


# ---------------------------------------------------------------- the year's bases


@dataclass(frozen=True)
class BaseEntry:
    """One member's category and base for the year; ``base`` is None where the category needs none."""

    member_id: int
    category: str
    base: Decimal | None = None


def base_error(category: str, base: Decimal | None, rates=dues.DEFAULT_RATES) -> str | None:
    """The Chinese message for a category and base that give no amount, or None when they do.

    ``rates`` is the dues table in force in the year (``selectors_dues.dues_rates``).
    """
    if category not in dues.CATEGORIES:
        return "请选择党费类别。"
    if not dues.needs_base(category):
        return None
    if base is None:
        return "请填写固定月缴额。" if category in dues.FIXED_BY_BRANCH else "请填写月工资收入基数。"
    message = money_error(base)
    if message:
        return message
    if category in dues.FIXED_BY_BRANCH:
        low, high = dues.amount_range(category, rates)
        if not low <= base <= high:
            return f"农民党员每月交纳{low}元至{high}元，由党支部确定。"
    return None


@dataclass(frozen=True)
class BasesResult:
    saved: int
    skipped: int


@transaction.atomic
def dues_bases_set(
    *,
    organisation: Organisation,
    year: int,
    entries: list[BaseEntry],
    rows: list[selectors_dues.BaseRow] | None = None,
    today: dt.date | None = None,
) -> BasesResult:
    """Fix the year's dues category and base for the branch's members (核定党费基数), all at once.

    The amount is computed by ``dues.monthly_dues`` with the dues table in force in
    ``year`` (one query), so an admin's standard for a later year leaves earlier years'
    amounts alone. A correction within the year also corrects the amount due on that
    year's months not yet paid; for the current year the member's dues category follows.
    Lines with no base where one is needed are skipped (not yet fixed), lines for members
    not on the list are refused.
    """
    _check_branch(organisation)
    today = today or timezone.localdate()
    if not 2000 <= year <= today.year + 1:
        raise ValidationError({"year": "年度不正确。"})
    if rows is None:
        rows = selectors_dues.base_rows(Member.objects.filter(organisation=organisation), year)
    by_id = {row.member.pk: row for row in rows}
    if any(e.member_id not in by_id for e in entries) or len({e.member_id for e in entries}) != len(entries):
        raise ValidationError("提交的名单中有不属于本支部的人员，未保存任何记录。")
    # The rows carry the year's table; it is read once, on the first line that needs it.
    rates = rows[0].rates if rows else selectors_dues.rates_loader(year)
    errors: dict[str, list[str]] = {}
    objects: list[DuesBase] = []
    skipped = 0
    for entry in entries:
        row = by_id[entry.member_id]
        if entry.category in dues.CATEGORIES and dues.needs_base(entry.category) and entry.base is None:
            skipped += 1
            continue
        message = base_error(entry.category, entry.base, rates())
        if message:
            errors.setdefault(f"base-{entry.member_id}", []).append(f"{row.member.name}：{message}")
            continue
        base = entry.base if dues.needs_base(entry.category) else Decimal("0.00")
        amount = dues.monthly_dues(entry.category, base, rates())
        old = row.base
        if old is not None and (old.category, old.base, old.monthly_amount) == (entry.category, base, amount):
            continue
        objects.append(
            DuesBase(
                member_id=entry.member_id,
                year=year,
                category=entry.category,
                base=base,
                monthly_amount=amount,
            )
        )
    if errors:
        raise ValidationError(errors)
    if objects:
        DuesBase.objects.bulk_create(
            objects,
            update_conflicts=True,
            unique_fields=["member", "year"],
            update_fields=["category", "base", "monthly_amount"],
        )
        # Months of the year recorded as unpaid carry the corrected amount.
        unpaid = DuesPayment.objects.filter(
            member_id__in=[o.member_id for o in objects],
            month__gte=dt.date(year, 1, 1),
            month__lte=dt.date(year, 12, 1),
            paid_on__isnull=True,
        )
        monthly = {o.member_id: o.monthly_amount for o in objects}
        repriced = [
            pk
            for pk, member_id, due in unpaid.values_list("pk", "member_id", "amount_due")
            if monthly[member_id] != due
        ]
        unpaid.update(
            amount_due=Case(
                *[When(member_id=o.member_id, then=Value(o.monthly_amount)) for o in objects],
                default=F("amount_due"),
            )
        )
        audit.changed(DuesPayment, repriced)
        figures_changed([organisation.pk], years=[year])  # a line due 0 before may count now
        if year == today.year:
            changed = [o for o in objects if by_id[o.member_id].member.dues_category != o.category]
            if changed:
                Member.objects.filter(pk__in=[o.member_id for o in changed]).update(
                    dues_category=Case(
                        *[When(pk=o.member_id, then=Value(o.category)) for o in changed],
                        default=F("dues_category"),
                    )
                )
                audit.changed(Member, [o.member_id for o in changed])
    return BasesResult(saved=len(objects), skipped=skipped)


# ---------------------------------------------------------------- remittances (上缴)


@transaction.atomic
def remittance_record(
    *,
    organisation: Organisation,
    month_from: dt.date,
    month_to: dt.date,
    total: Decimal,
    voucher_no: str,
    remitted_on: dt.date,
    recorded_by=None,
    today: dt.date | None = None,
) -> Remittance:
    """Record the branch's remittance of dues to the higher committee, with its voucher (单据).

    Periods may not overlap: each month's dues are remitted once.
    """
    _check_branch(organisation)
    today = today or timezone.localdate()
    # Serialise remittances of one branch, so two overlapping ones cannot both pass the check.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    errors: dict[str, list[str]] = {}
    month_from, month_to = dues.month_start(month_from), dues.month_start(month_to)
    if month_to < month_from:
        errors["month_to"] = ["截止月份不能早于起始月份。"]
    elif month_to > dues.month_start(today):
        errors["month_to"] = ["不能上缴未来月份的党费。"]
    message = money_error(total, positive=True)
    if message:
        errors["total"] = [message]
    voucher_no = (voucher_no or "").strip()
    if not voucher_no:
        errors["voucher_no"] = ["请填写单据编号。"]
    if remitted_on > today:
        errors["remitted_on"] = ["上缴日期不能晚于今天。"]
    if errors:
        raise ValidationError(errors)
    overlap = (
        Remittance.objects.filter(
            organisation=organisation, month_from__lte=month_to, month_to__gte=month_from
        )
        .order_by("month_from")
        .first()
    )
    if overlap is not None:
        raise ValidationError(
            {"month_from": f"该期间与已上缴的{_ym(overlap.month_from)}—{_ym(overlap.month_to)}重叠。"}
        )
    remittance = Remittance(
        organisation=organisation,
        month_from=month_from,
        month_to=month_to,
        total=total,
        voucher_no=voucher_no,
        remitted_on=remitted_on,
        recorded_by=recorded_by,
    )
    remittance.full_clean()
    remittance.save()
    return remittance
