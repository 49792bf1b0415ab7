"""Writes of member records: create, update, leave, appointments."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from branches.models import Organisation, OrgKind, Term, TermStatusChoice

from .. import idcard, rules
from ..models import Appointment, LeaveKind, Member, MemberStatus, Stage, StageChange

# The date field that records when the member reached each stage.
STAGE_DATE_FIELD = {
    Stage.APPLICANT: "applied_on",
    Stage.ACTIVIST: "activist_on",
    Stage.CANDIDATE: "candidate_on",
    Stage.PROBATIONARY: "admitted_on",
    Stage.FULL: "confirmed_on",
}

EDITABLE_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number",
    "education",
    "phone",
    "work_unit",
    "post",
    "dues_category",
    "party_group",
    "stage",
    "applied_on",
    "activist_on",
    "candidate_on",
    "admitted_on",
    "admission_doc_no",
    "confirmed_on",
    "confirmation_doc_no",
    "is_mobile",
    "mobile_destination",
    "mobile_since",
    "last_report_on",
    "is_lost",
    "lost_since",
)


def check_person(*, id_number: str, birth_date: dt.date | None, gender: str | None) -> str:
    """Validate the ID number and that birth date and gender agree with it; returns the normalised number."""
    if not id_number:
        return ""
    try:
        number = idcard.validate_id_number(id_number)
    except ValidationError as error:
        raise ValidationError({"id_number": error.messages}) from None
    errors = {}
    if birth_date and idcard.birth_date_of(number) != birth_date:
        errors["birth_date"] = (
            f"出生日期与身份证号不一致（身份证号为{idcard.birth_date_of(number):%Y-%m-%d}）。"
        )
    if gender and idcard.gender_of(number) != gender:
        errors["gender"] = "性别与身份证号不一致。"
    if errors:
        raise ValidationError(errors)
    return number


def check_group(organisation: Organisation, party_group: Organisation | None) -> None:
    if party_group is not None and (
        party_group.kind != OrgKind.PARTY_GROUP or party_group.parent_id != organisation.pk
    ):
        raise ValidationError({"party_group": "党小组必须属于该党员所在的支部。"})


def compute_completeness(member: Member) -> int:
    number_ok = False
    if member.id_number:
        try:
            idcard.validate_id_number(member.id_number)
            number_ok = True
        except ValidationError:
            number_ok = False
    return rules.completeness(
        {
            "name": member.name,
            "gender": member.gender,
            "ethnicity": member.ethnicity,
            "birth_date": member.birth_date,
            "id_number": member.id_number,
            "id_number_valid": number_ok,
            "education": member.education,
            "phone": member.phone,
            "work_unit": member.work_unit,
            "dues_category": member.dues_category,
            "stage_date": getattr(member, STAGE_DATE_FIELD[member.stage]),
        }
    )


def _validate_and_save(member: Member) -> Member:
    if (
        member.applied_on
        and member.birth_date
        and rules.age_on(member.birth_date, member.applied_on) < rules.ADULT_AGE
    ):
        raise ValidationError({"applied_on": "递交入党申请时应年满18周岁。"})
    member.id_number = check_person(
        id_number=member.id_number, birth_date=member.birth_date, gender=member.gender
    )
    check_group(member.organisation, member.party_group)
    member.phone = (member.phone or "").replace(" ", "")
    if member.phone and not rules.valid_phone(member.phone):
        raise ValidationError({"phone": "联系电话格式不正确：手机号为11位，固定电话如 0571-87654321。"})
    member.completeness = compute_completeness(member)
    # Field checks here; the related rows were fetched by the caller, and the database's own
    # constraints guard uniqueness (caught below) — one query a member instead of a dozen.
    member.full_clean(
        exclude=["organisation", "party_group", "user"], validate_unique=False, validate_constraints=False
    )
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        raise ValidationError({"id_number": "该身份证号已登记在其他党员名下。"}) from None
    return member


@transaction.atomic
def member_create(*, organisation: Organisation, recorded_by=None, **fields) -> Member:
    """Put a person on the branch's roster (or pipeline) at the stage given."""
    if not organisation.is_branch or not organisation.is_active:
        raise ValidationError("党员只能登记在正常运行的党支部。")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields: {unknown}")
    member = Member(organisation=organisation, **fields)
    _validate_and_save(member)
    stage_date = getattr(member, STAGE_DATE_FIELD[member.stage])
    if stage_date:
        StageChange.objects.create(
            member=member, stage=member.stage, on=stage_date, note="建档登记", recorded_by=recorded_by
        )
    return member


@transaction.atomic
def member_update(*, member: Member, **fields) -> Member:
    """Correct a member's details. Stage moves go through the pipeline service, not here."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields: {unknown}")
    locked = Member.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=member.pk)
    for key, value in fields.items():
        setattr(locked, key, value)
    return _validate_and_save(locked)


@transaction.atomic
def member_leave(*, member: Member, kind: str, on: dt.date, reason: str) -> Member:
    """Take a member off the roster (转出, 出党/除名, 自行脱党, 去世): never deleted."""
    if kind not in LeaveKind.values:
        raise ValidationError({"kind": "请选择离开方式。"})
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写原因。"})
    updated = Member.objects.filter(pk=member.pk, status=MemberStatus.ACTIVE).update(
        status=MemberStatus.LEFT, leave_kind=kind, left_on=on, leave_reason=reason.strip()
    )
    if not updated:
        raise ValidationError("该党员已不在册。")
    Appointment.objects.filter(member=member, ended_on__isnull=True).update(ended_on=on)
    member.refresh_from_db()
    return member


def current_term(organisation: Organisation) -> Term | None:
    return Term.objects.filter(organisation=organisation, status=TermStatusChoice.CURRENT).first()


@transaction.atomic
def appointment_add(
    *, term: Term, member: Member, position: str, appointed_on: dt.date, title: str = ""
) -> Appointment:
    """Appoint a full member of the organisation to its current committee; one 书记 per term."""
    if term.status != TermStatusChoice.CURRENT:
        raise ValidationError("只能在本届班子中任职。")
    if member.organisation_id != term.organisation_id or not member.is_active:
        raise ValidationError({"member": "只能任命本支部在册党员。"})
    if member.stage != Stage.FULL:
        raise ValidationError({"member": "支部委员应为正式党员。"})
    appointment = Appointment(
        term=term, member=member, position=position, appointed_on=appointed_on, title=title
    )
    appointment.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError:
        if (
            position == "secretary"
            and Appointment.objects.filter(term=term, position="secretary", ended_on__isnull=True).exists()
        ):
            raise ValidationError({"position": "每届班子只能有一名书记。"}) from None
        raise ValidationError({"member": "该党员已在本届班子中任职。"}) from None
    return appointment


@transaction.atomic
def appointment_end(*, appointment: Appointment, on: dt.date) -> Appointment:
    Appointment.objects.filter(pk=appointment.pk, ended_on__isnull=True).update(ended_on=on)
    appointment.refresh_from_db()
    return appointment
