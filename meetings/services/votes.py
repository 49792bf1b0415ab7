"""Resolutions of a general meeting: counts derived from the roster and the attendance (DOMAIN §3)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from members.models import Member, Stage
from members.services.pipeline import stage_advance

from .. import rules, votes
from ..models import Meeting, MeetingStatus, Presence, Resolution, ResolutionKind, VoterExclusion
from ..roster import party_members_on, voters_on

SUBJECT_STAGE = {ResolutionKind.ADMIT: Stage.CANDIDATE, ResolutionKind.CONFIRM: Stage.PROBATIONARY}
TARGET_STAGE = {ResolutionKind.ADMIT: Stage.PROBATIONARY, ResolutionKind.CONFIRM: Stage.FULL}


def meeting_voters(meeting: Meeting) -> tuple[set[int], set[int], list[VoterExclusion]]:
    """(eligible, present) voter pks of the meeting, and those left out of 应到会 with approval."""
    day = rules.local_day(meeting.starts_at)
    exclusions = list(meeting.voter_exclusions.select_related("member"))
    excluded = {e.member_id for e in exclusions}
    eligible = set(voters_on(party_members_on(meeting.organisation, day), day).values_list("pk", flat=True))
    eligible -= excluded
    present = set(
        meeting.attendances.filter(presence=Presence.PRESENT, member_id__in=eligible).values_list(
            "member_id", flat=True
        )
    )
    return eligible, present, exclusions


def _check_meeting(meeting: Meeting) -> None:
    if not meeting.kind.allows_votes:
        raise ValidationError("只有党员大会可以表决。")
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError("该会议记录已作废。")


@transaction.atomic
def voter_exclusion_add(*, meeting: Meeting, member: Member, reason: str, approval: str) -> VoterExclusion:
    """Leave a member out of 应到会 with the higher committee's approval (long illness, abroad…)."""
    _check_meeting(meeting)
    if meeting.resolutions.exists():
        raise ValidationError("已有表决事项，不能再调整应到会人数。")
    reason, approval = (reason or "").strip()[:100], (approval or "").strip()[:100]
    if not reason or not approval:
        raise ValidationError("请填写原因和上级党组织同意的文号或说明。")
    eligible, _, _ = meeting_voters(meeting)
    if member.pk not in eligible:
        raise ValidationError({"member": "只能选择会议当天有表决权的正式党员。"})
    return VoterExclusion.objects.create(meeting=meeting, member=member, reason=reason, approval=approval)


def _count(value, name: str) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        raise ValidationError({name: "请填写票数。"}) from None
    if number < 0:
        raise ValidationError({name: "票数不能是负数。"})
    return number


@transaction.atomic
def resolution_record(
    *,
    meeting: Meeting,
    kind: str,
    title: str = "",
    subject: Member | None = None,
    yes=0,
    no=0,
    abstain=0,
    written_yes=0,
    written_no=0,
    by=None,
) -> Resolution:
    """Record a vote; a passing admission or confirmation advances the member's stage.

    A failing vote is stored with the reason and changes nothing else.
    """
    meeting = Meeting.objects.select_for_update().select_related("organisation", "kind").get(pk=meeting.pk)
    _check_meeting(meeting)
    if kind not in ResolutionKind.values:
        raise ValidationError({"kind": "请选择表决事项。"})
    yes, no, abstain = _count(yes, "yes"), _count(no, "no"), _count(abstain, "abstain")
    written_yes, written_no = _count(written_yes, "written_yes"), _count(written_no, "written_no")
    eligible_ids, present_ids, _ = meeting_voters(meeting)
    eligible, present = len(eligible_ids), len(present_ids)
    if yes + no + abstain > present:
        raise ValidationError(
            f"赞成、反对、弃权合计{yes + no + abstain}票，超过实到会有表决权的党员{present}人。"
        )
    if kind == ResolutionKind.OTHER:
        if written_yes or written_no:
            raise ValidationError("书面表决意见只适用于接收预备党员和预备党员转正。")
    elif written_yes + written_no > eligible - present:
        raise ValidationError(f"书面意见合计不能超过未到会的有表决权党员{eligible - present}人。")

    title = (title or "").strip()[:200]
    if kind in SUBJECT_STAGE:
        if subject is None:
            raise ValidationError({"subject": "请选择表决对象。"})
        subject = Member.objects.select_for_update().get(pk=subject.pk)
        if subject.organisation_id != meeting.branch_id or subject.stage != SUBJECT_STAGE[kind]:
            need = Stage(SUBJECT_STAGE[kind]).label
            raise ValidationError({"subject": f"表决对象须是本支部的{need}。"})
        title = title or f"{ResolutionKind(kind).label}：{subject.name}"
        if Resolution.objects.filter(meeting=meeting, kind=kind, subject=subject).exists():
            raise ValidationError({"subject": f"本次会议已对{subject.name}进行过表决。"})
    else:
        subject = None
        if not title:
            raise ValidationError({"title": "请填写表决事项。"})

    total_yes = yes + written_yes
    try:
        passed = votes.resolution_passes(kind, eligible, present, total_yes)
    except ValueError:
        raise ValidationError("票数与应到会、实到会人数不符，请检查。") from None
    need = votes.votes_needed(eligible) if eligible else 0
    if not votes.quorum_met(eligible, present):
        outcome = f"实到会{present}人，未超过应到会有表决权党员{eligible}人的半数，不能表决。"
    elif passed:
        outcome = f"赞成{total_yes}票，超过应到会有表决权党员{eligible}人的半数（至少{need}票），通过。"
    else:
        outcome = f"赞成{total_yes}票，未超过应到会有表决权党员{eligible}人的半数（至少需{need}票），未通过。"
    resolution = Resolution.objects.create(
        meeting=meeting,
        kind=kind,
        subject=subject,
        title=title,
        eligible=eligible,
        present=present,
        yes=yes,
        no=no,
        abstain=abstain,
        written_yes=written_yes,
        written_no=written_no,
        passed=passed,
        outcome=outcome,
        recorded_by=by,
    )
    if passed and subject is not None:
        day = rules.local_day(meeting.starts_at)
        stage_advance(
            member=subject,
            to_stage=TARGET_STAGE[kind],
            on=day,
            document=f"支部党员大会决议（{day:%Y年%m月%d日}，表决#{resolution.pk}）",
            note=f"支部党员大会表决通过：赞成{total_yes}票，应到会{eligible}人",
            recorded_by=by,
        )
    return resolution
