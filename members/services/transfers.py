"""Writes of 组织关系转接 (transfers) and of 流动党员 / 失联党员 (DOMAIN §2).

A transfer inside the portal stays pending until the receiving branch's
secretary accepts it (the member then moves, the Transfer row keeps the history)
or sends it back with a reason. A transfer to an organisation outside the portal
is done on the letter (介绍信): the member leaves the roster at once. A transfer
in from outside puts the person on the roster with the letter's number.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from branches import audit
from branches.models import Grant, Organisation, Role
from branches.services import grant_role
from branches.signals import changed as figures_changed

from .. import idcard
from ..models import (
    PARTY_STAGES,
    Appointment,
    LeaveKind,
    Member,
    MemberStatus,
    Stage,
    Transfer,
    TransferDirection,
    TransferStatus,
)
from .members import member_create, member_leave, member_update
from .pipeline import branch_secretaries, notify_secretaries

PENDING_EXISTS = "该党员已有一笔待接收的转接，请等待对方办理后再转出。"


def _not_future(on: dt.date, field: str = "on") -> None:
    if on is None:
        raise ValidationError({field: "请填写日期。"})
    if on > timezone.localdate():
        raise ValidationError({field: "日期不能晚于今天。"})


def _locked_active_party_member(member: Member) -> Member:
    member = Member.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=member.pk)
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError("该党员已不在册。")
    if member.stage not in PARTY_STAGES:
        raise ValidationError(
            "只有党员（含预备党员）才能转接组织关系；入党申请人、积极分子和发展对象的材料随人移交。"
        )
    return member


def _has_pending(member: Member) -> bool:
    # Safe as a check: every write that creates a transfer locks the member row first,
    # and the unique pending constraint stands behind it.
    return Transfer.objects.filter(member=member, status=TransferStatus.PENDING).exists()


def _notify(organisation: Organisation, key: str, title: str, body: str) -> int:
    recipients = branch_secretaries([organisation.pk]).get(organisation.pk, [])
    return notify_secretaries(
        organisation=organisation,
        recipients=recipients,
        key=key,
        title=title,
        body=body,
        link=reverse("members:transfers", args=[organisation.pk]),
    )


@transaction.atomic
def transfer_out_internal(
    *,
    member: Member,
    to_organisation: Organisation,
    on: dt.date,
    letter_no: str = "",
    requested_by=None,
) -> Transfer:
    """Send a member to another branch in the portal; pending until that branch's secretary decides."""
    member = _locked_active_party_member(member)
    _not_future(on)
    if not to_organisation.is_branch or not to_organisation.is_active:
        raise ValidationError({"to_organisation": "接收组织应为系统内正常运行的党支部。"})
    if to_organisation.pk == member.organisation_id:
        raise ValidationError({"to_organisation": "接收组织不能是该党员现在所在的支部。"})
    if _has_pending(member):
        raise ValidationError(PENDING_EXISTS)
    transfer = Transfer(
        member=member,
        direction=TransferDirection.OUT_INTERNAL,
        from_organisation=member.organisation,
        to_organisation=to_organisation,
        letter_no=(letter_no or "").strip(),
        status=TransferStatus.PENDING,
        requested_on=on,
        requested_by=requested_by,
    )
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError:
        raise ValidationError(PENDING_EXISTS) from None
    _notify(
        to_organisation,
        f"transfer-in-{transfer.pk}",
        f"组织关系转入待接收：{member.name}（来自{member.organisation.name}）",
        f"{member.organisation.name}于{on:%Y年%m月%d日}将{member.get_stage_display()}{member.name}的组织关系"
        f"转入{to_organisation.name}"
        + (f"（介绍信编号{transfer.letter_no}）" if transfer.letter_no else "")
        + "。请核对后接收或退回。",
    )
    return transfer


@transaction.atomic
def transfer_withdraw(*, transfer: Transfer, on: dt.date, reason: str, withdrawn_by=None) -> Transfer:
    """The sending branch takes back a transfer the receiver has not decided yet."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写撤回原因。"})
    _not_future(on)
    # Compare-and-set: only a transfer still pending is withdrawn, whatever the receiver does meanwhile.
    done = Transfer.objects.filter(pk=transfer.pk, status=TransferStatus.PENDING).update(
        status=TransferStatus.WITHDRAWN,
        decided_on=on,
        decided_by=withdrawn_by,
        refuse_reason=f"转出方撤回：{reason}",
    )
    if not done:
        raise ValidationError("该转接已被对方办理，不能撤回。")
    transfer.refresh_from_db()
    _notify(
        transfer.to_organisation,
        f"transfer-withdrawn-{transfer.pk}",
        f"组织关系转接已撤回：{transfer.member.name}",
        f"{transfer.from_organisation.name}撤回了{transfer.member.name}的组织关系转接。原因：{reason}",
    )
    return transfer


@transaction.atomic
def transfer_out_external(
    *,
    member: Member,
    external_organisation: str,
    letter_no: str,
    on: dt.date,
    requested_by=None,
) -> Transfer:
    """Transfer to an organisation outside the portal: done on the letter, the member leaves the roster."""
    member = _locked_active_party_member(member)
    _not_future(on)
    external_organisation = (external_organisation or "").strip()
    letter_no = (letter_no or "").strip()
    errors = {}
    if not external_organisation:
        errors["external_organisation"] = "请填写转往的党组织名称。"
    if not letter_no:
        errors["letter_no"] = "请填写组织关系介绍信编号。"
    if errors:
        raise ValidationError(errors)
    if _has_pending(member):
        raise ValidationError(PENDING_EXISTS)
    transfer = Transfer.objects.create(
        member=member,
        direction=TransferDirection.OUT_EXTERNAL,
        from_organisation=member.organisation,
        external_organisation=external_organisation,
        letter_no=letter_no,
        status=TransferStatus.COMPLETED,
        requested_on=on,
        decided_on=on,
        requested_by=requested_by,
        decided_by=requested_by,
    )
    member_leave(
        member=member,
        kind=LeaveKind.TRANSFERRED_OUT,
        on=on,
        reason=f"组织关系转往{external_organisation}（介绍信编号{letter_no}）",
    )
    return transfer


def _returning_member(id_number: str, organisation: Organisation, on: dt.date) -> Member | None:
    """Someone who once transferred out of the portal and now comes back keeps their one record.

    Their record is put back on the roster of ``organisation``; anyone else with the same ID
    number (on a roster, expelled, deceased) is an error, never a second record.
    """
    if not id_number:
        return None
    try:
        number = idcard.validate_id_number(id_number)
    except ValidationError:
        return None  # member_create reports the bad number
    existing = Member.objects.select_for_update(of=("self",)).filter(id_number=number).first()
    if existing is None:
        return None
    if existing.is_active:
        raise ValidationError({"id_number": "该身份证号的党员仍在其他支部花名册上，请走系统内转接。"})
    if existing.leave_kind != LeaveKind.TRANSFERRED_OUT:
        raise ValidationError(
            {"id_number": f"该身份证号的人员已{existing.get_leave_kind_display()}，不能转入。"}
        )
    Member.objects.filter(pk=existing.pk).update(
        organisation=organisation,
        party_group=None,
        status=MemberStatus.ACTIVE,
        leave_kind="",
        left_on=None,
        leave_reason="",
    )
    audit.changed(Member, [existing.pk])
    # The person's dues lines of every year now count with the new branch, no longer the old one.
    figures_changed([existing.organisation_id, organisation.pk], years=None)
    existing.refresh_from_db()
    return existing


@transaction.atomic
def transfer_in_external(
    *,
    organisation: Organisation,
    external_organisation: str,
    letter_no: str,
    on: dt.date,
    requested_by=None,
    **member_fields,
) -> Transfer:
    """A party member arrives from outside the portal with a letter: on the roster from ``on``."""
    _not_future(on)
    external_organisation = (external_organisation or "").strip()
    letter_no = (letter_no or "").strip()
    errors = {}
    if not external_organisation:
        errors["external_organisation"] = "请填写转出的党组织名称。"
    if not letter_no:
        errors["letter_no"] = "请填写组织关系介绍信编号。"
    stage = member_fields.get("stage") or Stage.FULL
    if stage not in PARTY_STAGES:
        errors["stage"] = "转入的应为正式党员或预备党员。"
    if not member_fields.get("admitted_on"):
        errors["admitted_on"] = "请填写入党日期。"
    if stage == Stage.FULL and not member_fields.get("confirmed_on"):
        errors["confirmed_on"] = "正式党员请填写转正日期。"
    if errors:
        raise ValidationError(errors)
    member_fields["stage"] = stage
    member = _returning_member(member_fields.get("id_number", ""), organisation, on)
    if member is None:
        member = member_create(organisation=organisation, recorded_by=requested_by, **member_fields)
    else:
        member = member_update(member=member, **member_fields)
    return Transfer.objects.create(
        member=member,
        direction=TransferDirection.IN_EXTERNAL,
        to_organisation=organisation,
        external_organisation=external_organisation,
        letter_no=letter_no,
        status=TransferStatus.COMPLETED,
        requested_on=on,
        decided_on=on,
        requested_by=requested_by,
        decided_by=requested_by,
    )


@transaction.atomic
def transfer_decide(
    *, transfer: Transfer, accept: bool, on: dt.date, reason: str = "", decided_by=None
) -> Transfer:
    """The receiving secretary accepts (the member moves) or sends the transfer back with a reason.

    A compare-and-set on the pending status: a second click, or the other
    secretary deciding at the same moment, finds it no longer pending.
    """
    _not_future(on)
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationError({"reason": "退回时请填写原因。"})
    current = Transfer.objects.select_related("member", "from_organisation", "to_organisation").get(
        pk=transfer.pk
    )
    if current.direction != TransferDirection.OUT_INTERNAL:
        raise ValidationError("该转接无需接收方办理。")
    if on < current.requested_on:
        raise ValidationError({"on": f"办理日期不能早于申请日期（{current.requested_on:%Y年%m月%d日}）。"})
    to_org = current.to_organisation
    if accept and not to_org.is_active:
        raise ValidationError("接收支部已撤销，不能接收。")
    updated = Transfer.objects.filter(pk=current.pk, status=TransferStatus.PENDING).update(
        status=TransferStatus.ACCEPTED if accept else TransferStatus.REFUSED,
        decided_on=on,
        decided_by=decided_by,
        refuse_reason="" if accept else reason,
    )
    if not updated:
        raise ValidationError("该转接已经办理过了。")
    member = current.member
    from_org = current.from_organisation
    if accept:
        moved = Member.objects.filter(pk=member.pk, status=MemberStatus.ACTIVE, organisation=from_org).update(
            organisation=to_org, party_group=None, updated_at=timezone.now()
        )
        if not moved:
            raise ValidationError("该党员已不在原支部在册，不能接收；请与转出支部联系。")
        audit.changed(Member, [member.pk])
        figures_changed([from_org.pk, to_org.pk], years=None)  # the dues lines go with the member
        # Posts in the old branch's committee end with the move.
        Appointment.objects.filter(member=member, term__organisation=from_org, ended_on__isnull=True).update(
            ended_on=on
        )
        # The member's own login follows them to the new branch.
        if member.user_id:
            Grant.objects.filter(user_id=member.user_id, organisation=from_org, role=Role.MEMBER).delete()
            grant_role(user=member.user, organisation=to_org, role=Role.MEMBER)
        title = f"组织关系已接收：{member.name}（{to_org.name}）"
        body = f"{to_org.name}已于{on:%Y年%m月%d日}接收{member.name}的组织关系。"
    else:
        title = f"组织关系转接被退回：{member.name}"
        body = f"{to_org.name}于{on:%Y年%m月%d日}退回了{member.name}的组织关系转接。原因：{reason}"
    if from_org is not None:
        _notify(from_org, f"transfer-{'accepted' if accept else 'refused'}-{current.pk}", title, body)
    current.refresh_from_db()
    return current


@transaction.atomic
def mobility_update(
    *,
    member: Member,
    is_mobile: bool,
    mobile_destination: str = "",
    mobile_since: dt.date | None = None,
    last_report_on: dt.date | None = None,
    is_lost: bool = False,
    lost_since: dt.date | None = None,
) -> Member:
    """Set or clear 流动党员 (where, since when, last report) and 失联党员 (since when)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError("该党员已不在册。")
    today = timezone.localdate()
    errors = {}
    mobile_destination = (mobile_destination or "").strip()
    if is_mobile:
        if not mobile_destination:
            errors["mobile_destination"] = "请填写外出流向（地区和单位）。"
        if mobile_since is None:
            errors["mobile_since"] = "请填写外出日期。"
        elif mobile_since > today:
            errors["mobile_since"] = "日期不能晚于今天。"
        if last_report_on is not None:
            if last_report_on > today:
                errors["last_report_on"] = "日期不能晚于今天。"
            elif mobile_since is not None and last_report_on < mobile_since:
                errors["last_report_on"] = "汇报日期不能早于外出日期。"
    else:
        mobile_destination, mobile_since, last_report_on = "", None, None
    if is_lost:
        if lost_since is None:
            errors["lost_since"] = "请填写失去联系的日期。"
        elif lost_since > today:
            errors["lost_since"] = "日期不能晚于今天。"
    else:
        lost_since = None
    if errors:
        raise ValidationError(errors)
    member.is_mobile = is_mobile
    member.mobile_destination = mobile_destination
    member.mobile_since = mobile_since
    member.last_report_on = last_report_on
    member.is_lost = is_lost
    member.lost_since = lost_since
    member.save(
        update_fields=[
            "is_mobile",
            "mobile_destination",
            "mobile_since",
            "last_report_on",
            "is_lost",
            "lost_since",
            "updated_at",
        ]
    )
    return member


@transaction.atomic
def mobility_report(*, member: Member, on: dt.date) -> Member:
    """A 流动党员 reported to the branch (at least once a year, DOMAIN §2)."""
    _not_future(on)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status != MemberStatus.ACTIVE or not member.is_mobile:
        raise ValidationError("只有在册的流动党员才能登记汇报。")
    if member.mobile_since and on < member.mobile_since:
        raise ValidationError({"on": "汇报日期不能早于外出日期。"})
    if member.last_report_on is None or on > member.last_report_on:
        member.last_report_on = on
        member.save(update_fields=["last_report_on", "updated_at"])
    return member
