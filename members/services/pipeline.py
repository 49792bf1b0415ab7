"""Writes of the development pipeline (发展党员): each step checked against the rules, with its document.

The rules come from 《中国共产党发展党员工作细则》(2014) (DOMAIN §2):
- an applicant must be 18 on the day of application;
- an activist is trained for at least one year before becoming a 发展对象
  (the anniversary itself is allowed, the day before is not);
- a 预备党员 is admitted by a 支部党员大会 resolution and confirmed (转正) by
  another at the end of a one-year probation, which may be extended once by
  6 to 12 months.

Every step writes a StageChange with the resolution's document number, so the
member's history reads as the steps were taken. The meetings issue will later
link admission and confirmation to the vote that decided them.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from branches.models import Grant, NoticeKind, Organisation, Role
from branches.rules import add_years
from branches.services import notices_send
from branches.signals import changed as figures_changed

from .. import rules, signals
from ..models import Member, MemberStatus, Stage, StageChange
from ..rules import (  # noqa: F401 - the pipeline's rules, re-exported for callers of this service
    application_age_error,
    candidate_date_error,
    confirmation_date_error,
    extension_error,
)
from .members import STAGE_DATE_FIELD, compute_completeness, member_create

# The stage each stage advances to.
NEXT_STAGE = {
    Stage.APPLICANT: Stage.ACTIVIST,
    Stage.ACTIVIST: Stage.CANDIDATE,
    Stage.CANDIDATE: Stage.PROBATIONARY,
    Stage.PROBATIONARY: Stage.FULL,
}

# What each step is called on its page and in the history.
STEP_LABELS = {
    Stage.ACTIVIST: "确定为入党积极分子",
    Stage.CANDIDATE: "确定为发展对象",
    Stage.PROBATIONARY: "接收为预备党员",
    Stage.FULL: "预备党员转正",
}

# Admission and confirmation are decided by a 支部党员大会 and approved above: the
# document number is part of the record.
DOCUMENT_REQUIRED = frozenset({Stage.PROBATIONARY, Stage.FULL})

DOCUMENT_FIELD = {Stage.PROBATIONARY: "admission_doc_no", Stage.FULL: "confirmation_doc_no"}


def _check_day(on: dt.date, *, after: dt.date | None, after_label: str) -> None:
    if on > timezone.localdate():
        raise ValidationError({"on": "日期不能晚于今天。"})
    if after is not None and on < after:
        raise ValidationError({"on": f"日期不能早于{after_label}（{after:%Y年%m月%d日}）。"})


def _locked(member: Member) -> Member:
    # of=("self",): lock the member's row only, not the branch joined in for its name.
    return Member.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=member.pk)


# --- services ------------------------------------------------------------------------------------


@transaction.atomic
def applicant_add(*, organisation: Organisation, applied_on: dt.date, recorded_by=None, **fields) -> Member:
    """Put a new 入党申请人 on the branch's pipeline, refusing an application made before 18."""
    error = application_age_error(fields.get("birth_date"), applied_on)
    if error:
        raise ValidationError({"applied_on": error})
    if applied_on > timezone.localdate():
        raise ValidationError({"applied_on": "日期不能晚于今天。"})
    return member_create(
        organisation=organisation,
        stage=Stage.APPLICANT,
        applied_on=applied_on,
        recorded_by=recorded_by,
        **fields,
    )


@transaction.atomic
def stage_advance(
    *,
    member: Member,
    to_stage: str,
    on: dt.date,
    document: str = "",
    note: str = "",
    recorded_by=None,
) -> Member:
    """Move a member one step along the pipeline, after checking that step's rule.

    ``to_stage`` is the stage the person saw on the page: if someone else moved
    the member meanwhile (or the form is sent twice), the step no longer follows
    from the current stage and is refused instead of being applied twice.
    """
    member = _locked(member)
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError("该人员已不在册，不能办理发展程序。")
    if not member.organisation.is_active:
        raise ValidationError("该支部已撤销，不能办理发展程序。")
    if to_stage not in STEP_LABELS:
        raise ValidationError({"to_stage": "请选择要办理的发展步骤。"})
    if NEXT_STAGE.get(member.stage) != to_stage:
        raise ValidationError(
            f"{member.name}目前是{member.get_stage_display()}，不能办理“{STEP_LABELS[to_stage]}”"
            "（可能已由他人办理，请刷新页面）。"
        )
    document = (document or "").strip()
    note = (note or "").strip()
    if to_stage in DOCUMENT_REQUIRED and not document:
        raise ValidationError({"document": "请填写支部党员大会决议或上级批复的文号。"})

    if to_stage == Stage.ACTIVIST:
        error = application_age_error(member.birth_date, member.applied_on)
        if error:
            raise ValidationError(error)
        _check_day(on, after=member.applied_on, after_label="递交入党申请日期")
    elif to_stage == Stage.CANDIDATE:
        _check_day(on, after=member.activist_on, after_label="确定为积极分子日期")
        error = candidate_date_error(member.activist_on, on)
        if error:
            raise ValidationError({"on": error})
    elif to_stage == Stage.PROBATIONARY:
        _check_day(on, after=member.candidate_on, after_label="确定为发展对象日期")
        if member.candidate_on is None:
            raise ValidationError("缺少确定为发展对象的日期，请先补全该人员的发展记录。")
    elif to_stage == Stage.FULL:
        _check_day(on, after=member.admitted_on, after_label="入党日期")
        error = confirmation_date_error(member.admitted_on, member.probation_extension_months, on)
        if error:
            raise ValidationError({"on": error})

    fields = ["stage", STAGE_DATE_FIELD[to_stage], "completeness", "updated_at"]
    member.stage = to_stage
    setattr(member, STAGE_DATE_FIELD[to_stage], on)
    if to_stage in DOCUMENT_FIELD:
        setattr(member, DOCUMENT_FIELD[to_stage], document)
        fields.append(DOCUMENT_FIELD[to_stage])
    member.completeness = compute_completeness(member)
    member.save(update_fields=fields)
    StageChange.objects.create(
        member=member,
        stage=to_stage,
        on=on,
        document=document,
        note=note or STEP_LABELS[to_stage],
        recorded_by=recorded_by,
    )
    signals.stage_advanced.send(sender=Member, member=member, stage=to_stage, on=on, by=recorded_by)
    figures_changed([member.organisation_id])
    return member


@transaction.atomic
def probation_extend(
    *, member: Member, months: int, on: dt.date, document: str, note: str = "", recorded_by=None
) -> Member:
    """延长预备期: once, by 6 to 12 months, on a 支部党员大会 resolution."""
    member = _locked(member)
    if member.status != MemberStatus.ACTIVE or member.stage != Stage.PROBATIONARY:
        raise ValidationError("只有在册的预备党员才能延长预备期。")
    error = extension_error(months, member.probation_extension_months)
    if error:
        raise ValidationError({"months": error})
    document = (document or "").strip()
    if not document:
        raise ValidationError({"document": "请填写支部党员大会决议或上级批复的文号。"})
    _check_day(on, after=member.admitted_on, after_label="入党日期")
    member.probation_extension_months = months
    member.save(update_fields=["probation_extension_months", "updated_at"])
    end = rules.probation_end(member.admitted_on, months) if member.admitted_on else None
    StageChange.objects.create(
        member=member,
        stage=Stage.PROBATIONARY,
        on=on,
        document=document,
        note=(note or "").strip() or (f"延长预备期{months}个月" + (f"，至{end:%Y年%m月%d日}" if end else "")),
        recorded_by=recorded_by,
    )
    return member


# --- reminders (daily task) ----------------------------------------------------------------------

PROBATION_DUE = "probation-due"
PROBATION_OVERDUE = "probation-overdue"
ACTIVIST_YEAR = "activist-year"


def branch_secretaries(organisation_ids) -> dict[int, list]:
    """The active users granted the secretary role on each branch (one query)."""
    found: dict[int, list] = {}
    for g in Grant.objects.filter(organisation__in=organisation_ids, role=Role.SECRETARY).select_related(
        "user"
    ):
        if g.user.is_active:
            found.setdefault(g.organisation_id, []).append(g.user)
    return found


def notify_secretaries(
    *,
    organisation: Organisation,
    recipients,
    key: str,
    title: str,
    body: str,
    kind=NoticeKind.GENERAL,
    link="",
) -> int:
    """One notice per recipient for ``key``, guarded by the unique row (branches.services.notices_send)."""
    return notices_send(
        recipients=recipients,
        key=key,
        kind=kind,
        title=title,
        body=body,
        organisation=organisation,
        link=link,
    )


def pipeline_events(member: Member, today: dt.date) -> list[tuple[str, dt.date, str, str]]:
    """The reminders a member is due on ``today``: (event, date it is about, title, body)."""
    events = []
    org = member.organisation
    if member.stage == Stage.PROBATIONARY and member.admitted_on:
        end = rules.probation_end(member.admitted_on, member.probation_extension_months)
        days = (end - today).days
        if days < 0:
            events.append(
                (
                    PROBATION_OVERDUE,
                    end,
                    f"预备期已超期：{member.name}（{org.name}）",
                    f"{member.name}的预备期已于{end:%Y年%m月%d日}届满，尚未作出转正、延长预备期或取消预备党员资格的决定。"
                    "请及时召开支部党员大会讨论。",
                )
            )
        elif days <= rules.PROBATION_WARNING_DAYS:
            events.append(
                (
                    PROBATION_DUE,
                    end,
                    f"预备期即将届满：{member.name}（{org.name}）",
                    f"{member.name}于{member.admitted_on:%Y年%m月%d日}入党，预备期将于{end:%Y年%m月%d日}届满"
                    f"（还有{days}天）。请提前做好转正准备：本人转正申请、党小组意见、支部委员会审查、支部党员大会讨论表决。",
                )
            )
    if member.stage == Stage.ACTIVIST and member.activist_on:
        allowed = rules.candidate_allowed_from(member.activist_on)
        if allowed <= today:
            events.append(
                (
                    ACTIVIST_YEAR,
                    allowed,
                    f"入党积极分子培养满1年：{member.name}（{org.name}）",
                    f"{member.name}于{member.activist_on:%Y年%m月%d日}确定为入党积极分子，"
                    f"至{allowed:%Y年%m月%d日}培养教育已满1年，可按程序研究确定为发展对象。",
                )
            )
    return events


def pipeline_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind branch secretaries of probations ending within 30 days or overdue, and activists at a year.

    One notice per member and event: the dedupe key names the member, the event
    and the date it is about, so an extended probation warns again for its new end.
    """
    today = today or timezone.localdate()
    # Probation ends a year or more after admission; the exact end is computed per member.
    admitted_before = add_years(today + dt.timedelta(days=rules.PROBATION_WARNING_DAYS + 1), -1)
    activist_before = add_years(today, -1) + dt.timedelta(days=1)  # a 29 February start counts on 28 February
    due = (
        Member.objects.active()
        .filter(organisation__status="active")
        .filter(
            Q(stage=Stage.PROBATIONARY, admitted_on__lte=admitted_before)
            | Q(stage=Stage.ACTIVIST, activist_on__lte=activist_before)
        )
        .select_related("organisation")
        .order_by("pk")
    )
    total, last = 0, 0
    while True:
        chunk = list(due.filter(pk__gt=last)[:500])
        if not chunk:
            break
        last = chunk[-1].pk
        secretaries = branch_secretaries({m.organisation_id for m in chunk})
        for member in chunk:
            recipients = secretaries.get(member.organisation_id)
            if not recipients:
                continue
            for event, about, title, body in pipeline_events(member, today):
                total += notify_secretaries(
                    organisation=member.organisation,
                    recipients=recipients,
                    key=f"{event}-{member.pk}-{about:%Y%m%d}",
                    title=title,
                    body=body,
                    link=member.get_absolute_url(),
                )
    return total
