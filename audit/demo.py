"""Demo audit trail: a few everyday edits at 东风村党支部 (XQ0101), made through the services in the
names of the people who would make them, and two roster downloads — so 修改记录 has something to show.

The demo builds most records in bulk, which leaves no history; the meeting touched here gets its
"created" row first, as a save through the form would have left. Running it again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import io

from django.contrib.auth import get_user_model

from branches import audit
from branches.models import Organisation
from branches.services import organisation_update
from meetings.models import Meeting, MeetingStatus
from meetings.services.meetings import meeting_return, meeting_submit
from members.models import ExportLog, Member, MemberStatus
from members.services.members import member_update
from members.services.roster_import import roster_export

BRANCH = "XQ0101"


def build(today: dt.date | None = None) -> str:
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["admin", "reviewer_town"])}
    secretary = get_user_model().objects.filter(username=f"sec_{BRANCH.lower()}").first()
    branch = Organisation.objects.filter(code=BRANCH).first()
    if branch is None or secretary is None or len(users) < 2:
        return "修改记录演示数据：缺少演示组织或账号，已跳过。"
    if ExportLog.objects.filter(organisation=branch).exists():
        return "修改记录演示数据已存在。"
    admin, reviewer = users["admin"], users["reviewer_town"]

    with audit.acting_as(reviewer):
        organisation_update(
            organisation=branch, address=(branch.address or "东风村") + "村委会二楼党员活动室"
        )
    member = Member.objects.filter(organisation=branch, status=MemberStatus.ACTIVE).order_by("pk").first()
    if member is not None:
        with audit.acting_as(secretary):
            member_update(member=member, phone="13800138000", work_unit="东风村股份经济合作社")
    meeting = (
        Meeting.objects.filter(organisation=branch, status=MeetingStatus.SUBMITTED)
        .order_by("-starts_at")
        .first()
    )
    if meeting is not None:
        audit.created([meeting])
        with audit.acting_as(reviewer):
            meeting_return(meeting=meeting, reason="请补充会议议程和参会人员发言要点。", by=reviewer)
        with audit.acting_as(secretary):
            meeting_submit(meeting=Meeting.objects.get(pk=meeting.pk), by=secretary)
    roster_export(user=admin, organisation=branch, out=io.BytesIO(), masked=False)
    roster_export(user=reviewer, organisation=branch, out=io.BytesIO(), masked=True)
    return f"修改记录演示数据：{branch.name}的组织信息、一名党员、一次会议退回与重新提交，两次花名册导出。"
