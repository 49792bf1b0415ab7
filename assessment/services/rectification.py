"""软弱涣散整顿: cases, items, close-out and verification (整改销号) (DOMAIN §5).

A case holds the branch's problems, each with a measure, an owner and a deadline. The
branch's secretary reports an item done (完成, with optional evidence); a reviewer in scope
verifies it (销号) or sends it back with the reason. The case closes on the day its last
item is verified. Every move is a compare-and-set on the item's status under a lock of the
case row, so a second click changes nothing and is told so.

Role refused → PermissionDenied (the view answers 404); an illegal move or bad input →
ValidationError with a Chinese message, nothing written.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from branches import access, audit
from branches.models import Grant, Notice, NoticeKind, Organisation, Role
from branches.services import notices_send
from members.services.pipeline import branch_secretaries, notify_secretaries

from .. import rollups, uploads
from ..models import CaseStatus, ItemStatus, RectificationCase, RectificationItem

PROBLEM_MAX = 300
MEASURE_MAX = 300
OWNER_MAX = 30
REASON_MAX = 300
DONE_NOTE_MAX = 500
VERIFY_NOTE_MAX = 300

STATUS_NAMES = dict(ItemStatus.choices)


# ---------------------------------------------------------------- pure rules


def is_overdue(status: str, deadline: dt.date, today: dt.date) -> bool:
    """Overdue: still being worked on (not reported done, not verified) after the deadline day."""
    return status == ItemStatus.OPEN and deadline < today


def overdue_days(status: str, deadline: dt.date, today: dt.date) -> int:
    """Days past the deadline (0 when not overdue); the deadline day itself is not late."""
    return (today - deadline).days if is_overdue(status, deadline, today) else 0


def overdue_key(item: RectificationItem) -> str:
    """Once per item and deadline: a later deadline (after a change) would be notified anew."""
    return f"rectification-overdue-{item.pk}-{item.deadline:%Y%m%d}"


# ---------------------------------------------------------------- helpers


def notify_branch(organisation: Organisation, *, key: str, title: str, body: str, link: str = "") -> int:
    """A notice to the branch's secretaries, once per key."""
    recipients = branch_secretaries([organisation.pk]).get(organisation.pk, [])
    return notify_secretaries(
        organisation=organisation, recipients=recipients, key=key, title=title, body=body, link=link
    )


def _text(value, *, field: str, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"请填写{label}。"})
    if len(value) > limit:
        raise ValidationError({field: f"{label}不能超过{limit}个字（现为{len(value)}个字）。"})
    return value


def _locked_case(case_pk: int) -> RectificationCase:
    return RectificationCase.objects.select_for_update().select_related("organisation").get(pk=case_pk)


def _locked_item(item: RectificationItem) -> tuple[RectificationItem, RectificationCase]:
    """Lock the case first (every move of any item locks it in the same order), then the item."""
    case_pk = RectificationItem.objects.filter(pk=item.pk).values_list("case_id", flat=True).first()
    if case_pk is None:
        raise ValidationError("该整改事项不存在。")
    case = _locked_case(case_pk)
    item = RectificationItem.objects.select_for_update().get(pk=item.pk)
    item.case = case
    return item, case


def _move(item: RectificationItem, *, frm: str, to: str, action: str, **fields) -> None:
    """Compare-and-set: ``frm`` → ``to``; a second click (or a stale page) finds another status."""
    if item.status != frm:
        raise ValidationError(
            f"该事项当前为“{STATUS_NAMES.get(item.status, item.status)}”，"
            f"只有“{STATUS_NAMES[frm]}”的事项才能{action}。"
        )
    changed = RectificationItem.objects.filter(pk=item.pk, status=frm).update(status=to, **fields)
    if not changed:
        raise ValidationError(f"该事项的状态已被他人更改，请刷新页面后再{action}。")
    audit.changed(RectificationItem, [item.pk])
    rollups.schedule([item.case.organisation_id])  # open items on the dashboards
    item.status = to
    for name, value in fields.items():
        setattr(item, name, value)


# ---------------------------------------------------------------- cases


@transaction.atomic
def case_open(
    *, organisation: Organisation, reason: str, rating=None, opened_on: dt.date
) -> RectificationCase:
    """Open a rectification case for the branch (a ≤2-star naming opens one itself)."""
    if rating is not None:
        existing = RectificationCase.objects.filter(rating=rating).first()
        if existing:
            return existing
    case = RectificationCase.objects.create(
        organisation=organisation,
        org_path=organisation.path,
        rating=rating,
        reason=reason[:300],
        opened_on=opened_on,
        status=CaseStatus.OPEN,
    )
    notify_branch(
        organisation,
        key=f"rectification-open-{case.pk}",
        title="本支部列入软弱涣散党组织整顿",
        body=reason,
        link=case.get_absolute_url(),
    )
    return case


@transaction.atomic
def case_open_by_reviewer(
    *, organisation: Organisation, reason: str, opened_on: dt.date, by, today: dt.date | None = None
) -> RectificationCase:
    """A reviewer in scope lists a branch for 软弱涣散整顿 by hand (not from a rating), with the reason."""
    today = today or timezone.localdate()
    if not access.can_assess(by, organisation):
        raise PermissionDenied
    if not organisation.is_branch:
        raise ValidationError({"organisation": "只有党支部可以列为软弱涣散整顿对象。"})
    if not organisation.is_active:
        raise ValidationError({"organisation": "该支部已撤销。"})
    reason = _text(reason, field="reason", label="整顿原因", limit=REASON_MAX)
    if not isinstance(opened_on, dt.date):
        raise ValidationError({"opened_on": "请填写确定日期。"})
    if opened_on > today:
        raise ValidationError({"opened_on": "确定日期不能晚于今天。"})
    # One open case per branch: lock the branch's open cases so two clicks do not make two.
    if (
        RectificationCase.objects.select_for_update()
        .filter(organisation=organisation, status=CaseStatus.OPEN)
        .exists()
    ):
        raise ValidationError("该支部已有正在整顿的事项清单，请在原清单中添加整改事项。")
    return case_open(organisation=organisation, reason=reason, opened_on=opened_on)


# ---------------------------------------------------------------- items


@transaction.atomic
def item_add(
    *, case: RectificationCase, problem: str, measure: str, owner: str, deadline: dt.date, by
) -> RectificationItem:
    """A problem on the case's list with its measure, owner and deadline (reviewer or secretary)."""
    case = _locked_case(case.pk)
    org = case.organisation
    if not (access.can_assess(by, org) or access.can_record(by, org)):
        raise PermissionDenied
    if case.status != CaseStatus.OPEN:
        raise ValidationError("该整顿已销号，不能再添加整改事项。")
    problem = _text(problem, field="problem", label="问题", limit=PROBLEM_MAX)
    measure = _text(measure, field="measure", label="整改措施", limit=MEASURE_MAX)
    owner = _text(owner, field="owner", label="责任人", limit=OWNER_MAX)
    if not isinstance(deadline, dt.date):
        raise ValidationError({"deadline": "请填写完成时限。"})
    if deadline < case.opened_on:
        raise ValidationError(
            {"deadline": f"完成时限不能早于整顿确定日期（{case.opened_on:%Y年%m月%d日}）。"}
        )
    item = RectificationItem.objects.create(
        case=case, problem=problem, measure=measure, owner=owner, deadline=deadline
    )
    if not access.can_record(by, org):
        notify_branch(
            org,
            key=f"rectification-item-{item.pk}",
            title="上级党委新增了整改事项",
            body=f"{problem}（完成时限：{deadline:%Y年%m月%d日}）",
            link=case.get_absolute_url(),
        )
    return item


@transaction.atomic
def item_done(*, item: RectificationItem, note: str, evidence=None, by) -> RectificationItem:
    """The branch's secretary reports an item done (整改完成), with what was done and optional evidence."""
    item, case = _locked_item(item)
    if not access.can_record(by, case.organisation):
        raise PermissionDenied
    note = _text(note, field="note", label="完成情况", limit=DONE_NOTE_MAX)
    ext = sha256 = name = None
    if evidence is not None:
        ext, sha256, name = uploads.checked(evidence, field="evidence")
    _move(
        item,
        frm=ItemStatus.OPEN,
        to=ItemStatus.DONE,
        action="报告完成",
        done_note=note,
        done_at=timezone.now(),
    )
    if ext is not None:
        item.evidence.save(f"item-{item.pk}{ext}", evidence, save=False)
        item.evidence_name, item.evidence_sha256 = name, sha256
        RectificationItem.objects.filter(pk=item.pk).update(
            evidence=item.evidence.name, evidence_name=name, evidence_sha256=sha256
        )
        audit.changed(RectificationItem, [item.pk])
    return item


@transaction.atomic
def item_verify(
    *, item: RectificationItem, by, note: str = "", today: dt.date | None = None
) -> RectificationItem:
    """The reviewer verifies a close-out (整改销号); the last verified item closes the case."""
    today = today or timezone.localdate()
    item, case = _locked_item(item)
    if not access.can_assess(by, case.organisation):
        raise PermissionDenied
    note = _text(note, field="note", label="验收意见", limit=VERIFY_NOTE_MAX, required=False)
    _move(
        item,
        frm=ItemStatus.DONE,
        to=ItemStatus.VERIFIED,
        action="验收销号",
        verified_by=by,
        verified_at=timezone.now(),
        verify_note=note,
    )
    remaining = case.items.exclude(status=ItemStatus.VERIFIED).exists()
    if not remaining and case.status == CaseStatus.OPEN:
        RectificationCase.objects.filter(pk=case.pk, status=CaseStatus.OPEN).update(
            status=CaseStatus.CLOSED, closed_on=max(today, case.opened_on)
        )
        notify_branch(
            case.organisation,
            key=f"rectification-closed-{case.pk}",
            title="软弱涣散整顿已全部销号",
            body=f"{case.reason}：全部整改事项已验收销号。",
            link=case.get_absolute_url(),
        )
    return item


@transaction.atomic
def item_reopen(*, item: RectificationItem, by, note: str) -> RectificationItem:
    """The reviewer does not accept a reported close-out: back to 整改中, with the reason."""
    item, case = _locked_item(item)
    if not access.can_assess(by, case.organisation):
        raise PermissionDenied
    note = _text(note, field="note", label="退回理由", limit=VERIFY_NOTE_MAX)
    _move(item, frm=ItemStatus.DONE, to=ItemStatus.OPEN, action="退回", done_at=None, verify_note=note)
    notify_branch(
        case.organisation,
        key=f"rectification-reopen-{item.pk}-{timezone.now():%Y%m%d%H%M%S%f}",
        title="整改事项未通过验收，已退回",
        body=f"{item.problem}：{note}",
        link=case.get_absolute_url(),
    )
    return item


# ---------------------------------------------------------------- overdue


def overdue_items(today: dt.date):
    """Items still being worked on after their deadline, in open cases."""
    return RectificationItem.objects.filter(
        status=ItemStatus.OPEN, deadline__lt=today, case__status=CaseStatus.OPEN
    ).select_related("case__organisation")


def _reviewers_by_path(paths: set[str]) -> dict[str, list]:
    """Active reviewers granted on each of ``paths`` (one query)."""
    found: dict[str, list] = {}
    grants = Grant.objects.filter(role=Role.REVIEWER, organisation__path__in=paths, user__is_active=True)
    for g in grants.select_related("user", "organisation"):
        found.setdefault(g.organisation.path, []).append(g.user)
    return found


def overdue_notify(today: dt.date | None = None) -> int:
    """A notice for each overdue item to the branch's secretaries and the reviewers above it.

    Once per item and deadline (the notice's unique dedupe key): a second run on the same
    day, or every later day, sends nothing new. Returns how many notices were created.
    """
    today = today or timezone.localdate()
    items = list(overdue_items(today))
    if not items:
        return 0
    branches = {i.case.organisation_id: i.case.organisation for i in items}
    secretaries = branch_secretaries(list(branches))
    paths = set()
    for org in branches.values():
        paths.update(org.ancestor_paths)
        paths.add(org.path)
    reviewers = _reviewers_by_path(paths)
    keys = [overdue_key(i) for i in items]
    already: dict[str, set[int]] = {}
    for key, user_id in Notice.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", "recipient_id"):
        already.setdefault(key, set()).add(user_id)
    sent = 0
    for item in items:
        org = item.case.organisation
        recipients = {u.pk: u for u in secretaries.get(org.pk, [])}
        for path in [*org.ancestor_paths, org.path]:
            for user in reviewers.get(path, []):
                recipients.setdefault(user.pk, user)
        days = (today - item.deadline).days
        key = overdue_key(item)
        sent += notices_send(
            recipients=recipients.values(),
            key=key,
            kind=NoticeKind.GENERAL,
            title=f"整改事项已逾期{days}天：{org.short_name or org.name}",
            body=f"{item.problem}（责任人：{item.owner}，完成时限：{item.deadline:%Y年%m月%d日}）",
            organisation=org,
            link=item.case.get_absolute_url(),
            already=already.get(key, set()),
        )
    return sent
