"""达标验收 and the 5 % random on-site check (DOMAIN §5).

支部申请 → 基层党委检查 (against the standard) → 县级验收 → 随机实地抽查.

Roles: the branch's secretary applies (``access.can_record``); the committee in scope
checks (``access.can_assess``, never the branch's own secretary); the county level accepts
(``access.can_assess_higher``); a reviewer over a committee draws the on-site sample
(``access.can_review``) and any reviewer in scope records each check's result
(``access.can_assess``). A wrong role raises PermissionDenied (the view answers 404), an
illegal move a ValidationError with the reason in Chinese; nothing is written then.

One row per branch and year. A rejected application may be applied for again: the row is
reused, its status goes back to ``applied`` and what happened before is kept in the
application text below ``HISTORY_MARK`` (one line per earlier round, newest first).

A failed on-site check sends the acceptance back to ``rejected`` (the branch is no longer
counted as up to standard and may apply again once it has put things right); the reason is
written into the acceptance's note. ``accepted_at`` is kept then, so that the draw's
population — accepted acceptances whose ``accepted_at`` is not after ``drawn_at`` — can
still be recomputed (``draw_verify``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from branches import access
from branches.models import Organisation, OrgKind, OrgStatus
from branches.rules import BRANCH_KINDS

from .. import rules
from ..models import (
    Acceptance,
    AcceptancePolicy,
    AcceptanceStatus,
    CheckResult,
    SpotCheck,
    SpotCheckDraw,
)

HISTORY_MARK = "—— 往次记录 ——"
MAX_NOTE = 2000
MAX_CHECK_NOTE = 500  # SpotCheck.note
SCOPE_KINDS = frozenset({OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH})
DEFAULT_RATIO = Decimal("0.050")
DEFAULT_TARGET = Decimal("0.900")
MAX_SEED = 2**63 - 1  # PositiveBigIntegerField


# ---------------------------------------------------------------- policy


def policy_for(year: int) -> AcceptancePolicy:
    """The year's figures; else the latest earlier year's; else the national defaults (unsaved)."""
    policy = AcceptancePolicy.objects.filter(year__lte=year).order_by("-year").first()
    if policy is None:
        policy = AcceptancePolicy(year=year, spot_check_ratio=DEFAULT_RATIO, target_share=DEFAULT_TARGET)
    return policy


# ---------------------------------------------------------------- helpers


def _text(value: str | None, *, field: str, required: str = "", limit: int = MAX_NOTE) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: required})
    if len(value) > limit:
        raise ValidationError({field: f"不能超过{limit}个字。"})
    return value


def _who(user) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username()).strip()


def _stamp(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d")


def split_application(text: str) -> tuple[str, list[str]]:
    """The current application and the earlier rounds' lines (newest first)."""
    current, _, history = (text or "").partition(HISTORY_MARK)
    return current.strip(), [line for line in history.strip().splitlines() if line.strip()]


def _history_line(acceptance: Acceptance) -> str:
    """One line for the round that ends when the branch applies again."""
    current, _ = split_application(acceptance.application)
    parts = [f"{_stamp(acceptance.applied_at)} 申请：{current}"]
    if acceptance.checked_at:
        reached_county = acceptance.accepted_by_id or acceptance.accepted_at or acceptance.accept_note
        verdict = "党委检查通过" if reached_county else "党委检查未通过"
        who = _who(acceptance.checked_by)
        parts.append(f"{_stamp(acceptance.checked_at)} {verdict}（{who}）：{acceptance.check_note}")
    if acceptance.accept_note:
        parts.append(f"验收/抽查意见（{_who(acceptance.accepted_by)}）：{acceptance.accept_note}")
    return "；".join(p.replace("\n", " ") for p in parts)


def _locked(acceptance: Acceptance) -> Acceptance:
    return (
        Acceptance.objects.select_for_update(of=("self",))
        .select_related("organisation", "checked_by", "accepted_by")
        .get(pk=acceptance.pk)
    )


def _require_status(acceptance: Acceptance, allowed: tuple[str, ...], action: str) -> None:
    if acceptance.status not in allowed:
        where = "、".join(AcceptanceStatus(s).label for s in allowed)
        raise ValidationError(
            f"当前状态为“{acceptance.get_status_display()}”，只有“{where}”的申请才能{action}。"
        )


# ---------------------------------------------------------------- the workflow


@transaction.atomic
def acceptance_apply(
    *, organisation: Organisation, year: int, application: str, by, today: dt.date | None = None
) -> Acceptance:
    """支部申请达标验收: once a year; a rejected application may be applied for again."""
    today = today or timezone.localdate()
    if not access.can_record(by, organisation):
        raise PermissionDenied
    if organisation.kind not in BRANCH_KINDS:
        raise ValidationError("只有党支部可以申请达标验收。")
    if organisation.status != OrgStatus.ACTIVE:
        raise ValidationError("该支部已撤销，不能申请达标验收。")
    if not isinstance(year, int) or not 2000 <= year <= today.year:
        raise ValidationError({"year": "年度应在2000年至今年之间。"})
    application = _text(application, field="application", required="请填写申请说明。")
    existing = Acceptance.objects.select_for_update().filter(organisation=organisation, year=year).first()
    if existing is None:
        try:
            with transaction.atomic():
                return Acceptance.objects.create(
                    organisation=organisation,
                    org_path=organisation.path,
                    year=year,
                    status=AcceptanceStatus.APPLIED,
                    application=application,
                    applied_by=by,
                )
        except IntegrityError:  # another request inserted the year's row first
            existing = Acceptance.objects.select_for_update().get(organisation=organisation, year=year)
    existing = _locked(existing)
    if existing.status != AcceptanceStatus.REJECTED:
        raise ValidationError(
            f"{year}年已申请达标验收（{existing.get_status_display()}），每年只能申请一次；未通过的可以重新申请。"
        )
    _, history = split_application(existing.application)
    history.insert(0, _history_line(existing))
    existing.application = f"{application}\n\n{HISTORY_MARK}\n" + "\n".join(history)
    existing.status = AcceptanceStatus.APPLIED
    existing.org_path = organisation.path
    existing.applied_by = by
    existing.applied_at = timezone.now()
    existing.check_note = existing.accept_note = ""
    existing.checked_by = existing.accepted_by = None
    existing.checked_at = existing.accepted_at = None
    existing.save()
    return existing


@transaction.atomic
def acceptance_check(*, acceptance: Acceptance, by, passed: bool, note: str = "") -> Acceptance:
    """基层党委对照标准检查: applied → checked when it passes, → rejected (with the reason) when not."""
    if not access.can_assess(by, acceptance.organisation):
        raise PermissionDenied
    note = _text(note, field="note", required="" if passed else "未通过时请写明原因。")
    acceptance = _locked(acceptance)
    _require_status(acceptance, (AcceptanceStatus.APPLIED,), "进行党委检查")
    acceptance.status = AcceptanceStatus.CHECKED if passed else AcceptanceStatus.REJECTED
    acceptance.check_note = note
    acceptance.checked_by = by
    acceptance.checked_at = timezone.now()
    acceptance.save(update_fields=["status", "check_note", "checked_by", "checked_at"])
    return acceptance


@transaction.atomic
def acceptance_accept(*, acceptance: Acceptance, by, note: str = "", passed: bool = True) -> Acceptance:
    """县级验收: checked → accepted (达标); ``passed=False`` turns it down (rejected, reason required)."""
    if not access.can_assess_higher(by, acceptance.organisation):
        raise PermissionDenied
    note = _text(note, field="note", required="" if passed else "不予验收时请写明原因。")
    acceptance = _locked(acceptance)
    _require_status(acceptance, (AcceptanceStatus.CHECKED,), "进行县级验收")
    acceptance.status = AcceptanceStatus.ACCEPTED if passed else AcceptanceStatus.REJECTED
    acceptance.accept_note = note
    acceptance.accepted_by = by
    acceptance.accepted_at = timezone.now() if passed else None
    acceptance.save(update_fields=["status", "accept_note", "accepted_by", "accepted_at"])
    return acceptance


# ---------------------------------------------------------------- the random on-site check


def can_draw(user, organisation: Organisation) -> bool:
    """A reviewer whose grant is this committee or above it (or an admin) draws over its subtree."""
    return organisation.kind in SCOPE_KINDS and access.can_review(user, organisation)


def draw_population(organisation: Organisation, year: int):
    """Accepted acceptances of the year among the subtree's active branches: who may be drawn."""
    return Acceptance.objects.filter(
        organisation__path__startswith=organisation.path,
        organisation__kind__in=BRANCH_KINDS,
        organisation__status=OrgStatus.ACTIVE,
        year=year,
        status=AcceptanceStatus.ACCEPTED,
    )


def draw_preview(organisation: Organisation, year: int) -> dict:
    """What a draw would take now: ratio, population and sample size (shown before confirming)."""
    policy = policy_for(year)
    population = draw_population(organisation, year).count()
    return {
        "ratio": policy.spot_check_ratio,
        "ratio_text": format((policy.spot_check_ratio * 100).quantize(Decimal("0.1")), "f").removesuffix(
            ".0"
        ),
        "population": population,
        "size": rules.sample_size(population, policy.spot_check_ratio),
    }


@transaction.atomic
def spot_draw(
    *, organisation: Organisation, year: int, by, seed: int | None = None, today: dt.date | None = None
) -> SpotCheckDraw:
    """随机抽取实地检查: a reproducible sample of the accepted branches, one pending check each.

    Several draws per scope and year are allowed; each is recorded with its seed, ratio and
    population, so that ``draw_verify`` recomputes it from the stored figures.
    """
    if not can_draw(by, organisation):
        raise PermissionDenied
    today = today or timezone.localdate()
    if not isinstance(year, int) or not 2000 <= year <= today.year:
        raise ValidationError({"year": "年度应在2000年至今年之间。"})
    if seed is None:
        seed = secrets.randbits(48)
    if not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValidationError({"seed": "随机种子应为非负整数。"})
    now = timezone.now()
    # Lock the population so that no check or spot result changes it while we draw.
    ids = list(draw_population(organisation, year).select_for_update().values_list("pk", flat=True))
    if not ids:
        raise ValidationError(f"{year}年该范围内还没有验收达标的支部，无法抽取。")
    ratio = policy_for(year).spot_check_ratio
    picked = rules.draw_sample(ids, ratio, seed)
    draw = SpotCheckDraw.objects.create(
        organisation=organisation, year=year, ratio=ratio, seed=seed, population=len(ids), drawn_by=by
    )
    # drawn_at is the moment the population was read (auto_now_add would be a little later).
    SpotCheckDraw.objects.filter(pk=draw.pk).update(drawn_at=now)
    draw.drawn_at = now
    SpotCheck.objects.bulk_create([SpotCheck(draw=draw, acceptance_id=pk) for pk in picked])
    return draw


def draw_verify(draw: SpotCheckDraw) -> dict:
    """Recompute the draw from its stored seed and ratio and the population at ``drawn_at``.

    The population then: acceptances of the year in the scope's subtree accepted no later
    than the draw (a failed check keeps ``accepted_at``). When branches were dissolved or
    applied again since, the count differs from the stored one and the draw cannot be
    recomputed from today's data: ``matches`` is None then.
    """
    ids = list(
        Acceptance.objects.filter(
            organisation__path__startswith=draw.organisation.path,
            organisation__kind__in=BRANCH_KINDS,
            year=draw.year,
            accepted_at__isnull=False,
            accepted_at__lte=draw.drawn_at,
        ).values_list("pk", flat=True)
    )
    stored = sorted(draw.checks.values_list("acceptance_id", flat=True))
    if len(ids) != draw.population:
        return {"matches": None, "recomputed": [], "stored": stored, "population": len(ids)}
    recomputed = rules.draw_sample(ids, draw.ratio, draw.seed)
    return {
        "matches": recomputed == stored,
        "recomputed": recomputed,
        "stored": stored,
        "population": len(ids),
    }


@transaction.atomic
def spot_check_record(
    *, check: SpotCheck, by, result: str, note: str = "", checked_on: dt.date, today: dt.date | None = None
) -> SpotCheck:
    """Record one on-site check (once). A fail sends the acceptance back to ``rejected``."""
    acceptance = check.acceptance
    if not access.can_assess(by, acceptance.organisation):
        raise PermissionDenied
    if result not in (CheckResult.PASS, CheckResult.FAIL):
        raise ValidationError({"result": "请选择合格或不合格。"})
    note = _text(
        note,
        field="note",
        required="不合格时请写明检查发现的问题。" if result == CheckResult.FAIL else "",
        limit=MAX_CHECK_NOTE,
    )
    if not isinstance(checked_on, dt.date):
        raise ValidationError({"checked_on": "请填写检查日期。"})
    drawn_on = timezone.localtime(check.draw.drawn_at).date()
    if checked_on < drawn_on or checked_on > (today or timezone.localdate()):
        raise ValidationError({"checked_on": "检查日期应在抽取之日至今天之间。"})
    updated = SpotCheck.objects.filter(pk=check.pk, result=CheckResult.PENDING).update(
        result=result, note=note, checked_on=checked_on, by=by
    )
    if not updated:
        raise ValidationError("该抽查结果已经记录，不能重复记录。")
    if result == CheckResult.FAIL:
        acceptance = _locked(acceptance)
        if acceptance.status == AcceptanceStatus.ACCEPTED:
            acceptance.status = AcceptanceStatus.REJECTED
            line = f"{checked_on:%Y-%m-%d} 实地抽查不合格（{_who(by)}）：{note}"
            acceptance.accept_note = f"{acceptance.accept_note}\n{line}".strip()
            acceptance.save(update_fields=["status", "accept_note"])
    check.refresh_from_db()
    return check
