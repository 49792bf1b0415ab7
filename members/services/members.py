"""Writes of member records: create, update, leave, appointments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from branches import audit
from branches.models import Organisation, OrgKind, Term, TermStatusChoice
from branches.signals import changed as figures_changed

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


DUPLICATE_ID_NUMBER = "该身份证号已登记在其他党员名下。"
# Rows a bulk write sends in one INSERT / UPDATE (SQLite's limit on parameters may split them further).
BULK_BATCH = 1000

BulkProgress = Callable[[int, int], None]  # (rows written so far, rows to write)


class RowErrors(ValidationError):
    """Why a bulk write refused some of its rows: ``rows`` maps the position of each refused row in
    the list given (from 0) to its ValidationError. Nothing of the batch was written."""

    def __init__(self, rows: dict[int, ValidationError]):
        self.rows = dict(sorted(rows.items()))
        first, error = next(iter(self.rows.items()))
        more = f"（共{len(self.rows)}条有误）" if len(self.rows) > 1 else ""
        super().__init__(f"第{first + 1}条记录：{' '.join(error.messages)}{more}")


# The member's dates, as the roster import checks them (members/rules.py: date_problems).
DATE_FIELDS = (
    "birth_date",
    *STAGE_DATE_FIELD.values(),
    "mobile_since",
    "last_report_on",
    "lost_since",
)


def _check_dates(member: Member) -> None:
    """No date later than today or before the birth date; the stage dates in the pipeline's order."""
    dates = {name: getattr(member, name) for name in DATE_FIELDS}
    stages = tuple(STAGE_DATE_FIELD.values())
    errors: dict[str, list[str]] = {}
    for name, problem, other in rules.date_problems(dates, timezone.localdate(), stages):
        label = Member._meta.get_field(name).verbose_name
        if problem == "future":
            message = f"{label}不能晚于今天。"
        elif problem == "before_birth":
            message = f"{label}不能早于出生日期。"
        else:
            message = f"{label}不能早于{Member._meta.get_field(other).verbose_name}。"
        errors.setdefault(name, []).append(message)
    if errors:
        raise ValidationError(errors)


def _prepare(member: Member) -> Member:
    """Every check of a member record that needs no query; normalises the ID and phone numbers and
    computes the completeness. ``organisation`` and ``party_group`` must already be loaded."""
    if (
        member.applied_on
        and member.birth_date
        and rules.age_on(member.birth_date, member.applied_on) < rules.ADULT_AGE
    ):
        raise ValidationError({"applied_on": "递交入党申请时应年满18周岁。"})
    _check_dates(member)
    member.id_number = check_person(
        id_number=member.id_number, birth_date=member.birth_date, gender=member.gender
    )
    check_group(member.organisation, member.party_group)
    member.phone = (member.phone or "").replace(" ", "")
    if member.phone and not rules.valid_phone(member.phone):
        raise ValidationError({"phone": "联系电话格式不正确：手机号为11位，固定电话如 0571-87654321。"})
    member.completeness = compute_completeness(member)
    # Field checks here; the related rows were fetched by the caller, and the database's own
    # constraints guard uniqueness (caught by the writers) — one query a member instead of a dozen.
    member.full_clean(
        exclude=["organisation", "party_group", "user"], validate_unique=False, validate_constraints=False
    )
    return member


def _validate_and_save(member: Member) -> Member:
    _prepare(member)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        raise ValidationError({"id_number": DUPLICATE_ID_NUMBER}) from None
    figures_changed([member.organisation_id])
    return member


def _check_fields(fields: dict) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields: {unknown}")


def _first_stage_change(member: Member, recorded_by) -> StageChange | None:
    """The StageChange that records the stage a member was registered at, when its date is known."""
    stage_date = getattr(member, STAGE_DATE_FIELD[member.stage])
    if not stage_date:
        return None
    return StageChange(
        member=member, stage=member.stage, on=stage_date, note="建档登记", recorded_by=recorded_by
    )


@transaction.atomic
def member_create(*, organisation: Organisation, recorded_by=None, **fields) -> Member:
    """Put a person on the branch's roster (or pipeline) at the stage given."""
    if not organisation.is_branch or not organisation.is_active:
        raise ValidationError("党员只能登记在正常运行的党支部。")
    _check_fields(fields)
    member = Member(organisation=organisation, **fields)
    _validate_and_save(member)
    change = _first_stage_change(member, recorded_by)
    if change is not None:
        change.save()
    return member


@transaction.atomic
def member_update(*, member: Member, **fields) -> Member:
    """Correct a member's details. Stage moves go through the pipeline service, not here."""
    _check_fields(fields)
    locked = Member.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=member.pk)
    for key, value in fields.items():
        setattr(locked, key, value)
    return _validate_and_save(locked)


# --- Many members at once (roster import) --------------------------------------------------


def _same_number_twice(members: Sequence[Member], errors: dict[int, ValidationError]) -> None:
    """Two rows of one bulk write with the same ID number: the later one is refused."""
    first_of: dict[str, int] = {}
    for index, member in enumerate(members):
        if not member.id_number or index in errors:
            continue
        if member.id_number in first_of:
            errors[index] = ValidationError(
                {"id_number": f"该身份证号与本批第{first_of[member.id_number] + 1}条记录重复。"}
            )
        else:
            first_of[member.id_number] = index


def _conflicts(members: Sequence[Member]) -> ValidationError:
    """After a write refused by the unique ID number: which rows hold a number that another member has.

    Run after the rollback, so it sees what other transactions committed meanwhile; a member
    still to be inserted has no pk.
    """
    row_of = {m.id_number: index for index, m in enumerate(members) if m.id_number}
    numbers = sorted(row_of)
    holder: dict[str, int] = {}
    for start in range(0, len(numbers), BULK_BATCH):
        holder.update(
            Member.objects.filter(id_number__in=numbers[start : start + BULK_BATCH]).values_list(
                "id_number", "pk"
            )
        )
    rows = {
        index: ValidationError({"id_number": DUPLICATE_ID_NUMBER})
        for number, index in row_of.items()
        if number in holder and holder[number] != members[index].pk
    }
    if rows:
        return RowErrors(rows)
    return ValidationError("保存时与已登记的党员信息冲突（如身份证号重复），没有保存任何数据。请检查后重试。")


def members_bulk_create(
    *,
    organisation: Organisation,
    rows: Sequence[dict],
    recorded_by=None,
    progress: BulkProgress | None = None,
) -> list[Member]:
    """``member_create`` for many people of one branch: the same checks on each row without a query,
    then ``bulk_create`` in batches with the StageChange rows, all in one transaction or nothing.

    ``rows`` hold field values as ``member_create`` takes them (``party_group`` an Organisation).
    Refused rows raise RowErrors; the returned members carry their new pks.
    """
    if not organisation.is_branch or not organisation.is_active:
        raise ValidationError("党员只能登记在正常运行的党支部。")
    members, errors = [], {}
    for index, fields in enumerate(rows):
        _check_fields(fields)
        member = Member(organisation=organisation, **fields)
        try:
            _prepare(member)
        except ValidationError as error:
            errors[index] = error
        members.append(member)
    _same_number_twice(members, errors)
    if errors:
        raise RowErrors(errors)
    if not members:
        return []
    try:
        with transaction.atomic():
            for start in range(0, len(members), BULK_BATCH):
                Member.objects.bulk_create(members[start : start + BULK_BATCH])
                audit.created(members[start : start + BULK_BATCH])
                if progress:
                    progress(min(start + BULK_BATCH, len(members)), len(members))
            changes = [c for c in (_first_stage_change(m, recorded_by) for m in members) if c is not None]
            StageChange.objects.bulk_create(changes, batch_size=BULK_BATCH)
    except IntegrityError:
        for member in members:  # rolled back: these rows do not exist
            member.pk, member._state.adding = None, True
        raise _conflicts(members) from None
    figures_changed([organisation.pk])
    return members


def members_bulk_update(
    *, updates: Sequence[tuple[Member, dict]], progress: BulkProgress | None = None
) -> list[Member]:
    """``member_update`` for many members: each row is locked and read again, the changes applied,
    the same checks run, and only the changed fields written with ``bulk_update``, in one transaction.

    ``updates`` pairs each member with its changes. Refused rows raise RowErrors; returns the
    members as saved (fresh copies, not the instances given).
    """
    for _, fields in updates:
        _check_fields(fields)
    if not updates:
        return []
    members: list[Member] = []
    try:
        with transaction.atomic():
            names = _lock_and_change(updates, members)
            # bulk_update calls no pre_save: the auto_now field is set here, as save() would.
            now = timezone.now()
            for member in members:
                member.updated_at = now
            for start in range(0, len(members), BULK_BATCH):
                _write_fields(members[start : start + BULK_BATCH], names)
                if progress:
                    progress(min(start + BULK_BATCH, len(members)), len(members))
    except IntegrityError:
        raise _conflicts(members) from None
    figures_changed({member.organisation_id for member in members})
    return members


def _write_fields(members: Sequence[Member], names: Sequence[str]) -> None:
    """``bulk_update`` of one batch, with a CASE only for the fields whose values differ between
    the rows: building a CASE costs Django a few dozen microseconds a row and field, and most
    fields of an import (the timestamp, a new work unit for all) hold one value for the batch."""
    varying, same = [], {}
    for name in names:
        attname = Member._meta.get_field(name).attname
        values = {getattr(member, attname) for member in members}
        if len(values) > 1:
            varying.append(name)
        else:
            same[attname] = values.pop()
    if varying:
        Member.objects.bulk_update(members, varying)
    if same:
        Member.objects.filter(pk__in=[member.pk for member in members]).update(**same)
    audit.updated(members)


def _lock_and_change(updates: Sequence[tuple[Member, dict]], members: list[Member]) -> list[str]:
    """Read the rows again under a lock, apply the changes and check them (filling ``members``);
    the names of the fields to write."""
    pks = [member.pk for member, _ in updates]
    locked: dict[int, Member] = {}
    for start in range(0, len(pks), BULK_BATCH):
        locked.update(
            (m.pk, m)
            for m in Member.objects.select_for_update(of=("self",))
            .select_related("organisation", "party_group")
            .filter(pk__in=pks[start : start + BULK_BATCH])
        )
    names, errors = {"completeness", "updated_at", *(n for _, fields in updates for n in fields)}, {}
    for index, (member, fields) in enumerate(updates):
        fresh = locked.get(member.pk)
        if fresh is None:
            errors[index] = ValidationError("该党员记录已不存在。")
            members.append(member)
            continue
        stored = {"id_number": fresh.id_number, "phone": fresh.phone}
        for key, value in fields.items():
            setattr(fresh, key, value)
        try:
            _prepare(fresh)
        except ValidationError as error:
            errors[index] = error
        # member_update saves every field: a number stored before it was normalised is written too.
        names.update(name for name, value in stored.items() if getattr(fresh, name) != value)
        members.append(fresh)
    _same_number_twice(members, errors)
    if errors:
        raise RowErrors(errors)
    return sorted(names)


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
    audit.changed(Member, [member.pk])
    Appointment.objects.filter(member=member, ended_on__isnull=True).update(ended_on=on)
    member.refresh_from_db()
    figures_changed([member.organisation_id])
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
    figures_changed([term.organisation_id])
    return appointment


@transaction.atomic
def appointment_end(*, appointment: Appointment, on: dt.date) -> Appointment:
    Appointment.objects.filter(pk=appointment.pk, ended_on__isnull=True).update(ended_on=on)
    appointment.refresh_from_db()
    figures_changed([appointment.term.organisation_id])
    return appointment
