"""公示 and 异议 (DOMAIN §7): items on the public board for a period, objections from anyone.

An objection comes from the public board without a login, so the service guards itself:
only while the item is under 公示, bounded text, a valid phone when one is given, and a
rate limit per client counted in the database (so that every web node sees the same count).
The client is a keyed hash of the address; the address itself is never stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from branches import access
from branches import selectors as branch_selectors
from branches.models import NoticeKind, Organisation
from branches.services import notices_send
from members.rules import valid_phone

from ..models import NoticeSubject, Objection, ObjectionStatus, Publicity

TEXT_MAX = 2000
NAME_MAX = 30
HANDLING_MAX = 2000
PER_HOUR = 5
PER_DAY = 20


class RateLimited(ValidationError):
    """Too many objections from one client: the view answers 429 and nothing is saved."""


@transaction.atomic
def publicity_open(
    *,
    organisation: Organisation,
    subject: str,
    title: str,
    body: str,
    starts_on: dt.date,
    ends_on: dt.date,
    rating=None,
    by=None,
) -> Publicity:
    """Put something under 公示 on the boards above ``organisation`` from ``starts_on`` to ``ends_on``."""
    if subject not in NoticeSubject.values:
        raise ValidationError({"subject": "未知的公示类别。"})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "公示结束日期不能早于开始日期。"})
    return Publicity.objects.create(
        organisation=organisation,
        org_path=organisation.path,
        subject=subject,
        title=title[:200],
        body=body,
        starts_on=starts_on,
        ends_on=ends_on,
        rating=rating,
        created_by=by,
    )


# ---------------------------------------------------------------- 异议


def client_key(address: str) -> str:
    """The client an objection came from: a keyed SHA-256 of its address, never the address itself."""
    secret = (getattr(settings, "OBJECTION_CLIENT_SECRET", "") or settings.SECRET_KEY).encode()
    return hmac.new(secret, (address or "").encode(), hashlib.sha256).hexdigest()


def _lock_client(client: str) -> None:
    """Serialise one client's submissions on PostgreSQL, so two at once cannot both pass the count."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(client[:15], 16)])


def rate_limit_error(client: str, now: dt.datetime) -> str | None:
    """The message when ``client`` has used up its objections for the hour or the day, else None."""
    recent = Objection.objects.filter(client=client, created_at__gt=now - dt.timedelta(days=1))
    if recent.count() >= PER_DAY:
        return f"提交过于频繁：同一来源24小时内最多提交{PER_DAY}条异议，请明天再试。"
    if recent.filter(created_at__gt=now - dt.timedelta(hours=1)).count() >= PER_HOUR:
        return f"提交过于频繁：同一来源1小时内最多提交{PER_HOUR}条异议，请稍后再试。"
    return None


def _clean_fields(text: str, name: str, phone: str) -> tuple[str, str, str]:
    text, name, phone = (text or "").strip(), (name or "").strip(), (phone or "").strip()
    errors = {}
    if not text:
        errors["text"] = "请填写异议内容。"
    elif len(text) > TEXT_MAX:
        errors["text"] = f"异议内容不能超过{TEXT_MAX}字（现有{len(text)}字）。"
    if len(name) > NAME_MAX:
        errors["name"] = f"姓名不能超过{NAME_MAX}字。"
    if phone and not valid_phone(phone):
        errors["phone"] = "请填写正确的手机号码或固定电话（如 13812345678 或 0571-87654321），也可以不填。"
    if errors:
        raise ValidationError(errors)
    return text, name, phone


def reviewer_grants(publicity: Publicity):
    """Reviewer grants on the publicity's organisation or any organisation above it, nearest first."""
    return branch_selectors.reviewer_grants_above(publicity.organisation)


def _notify_reviewers(objection: Objection) -> int:
    """One notice per reviewer in scope, linking to their own committee's objection list."""
    publicity = objection.publicity
    key = f"objection:{objection.pk}"
    title = f"公示收到异议：{publicity.title}"[:200]
    body = f"异议编号 {objection.pk}。请在公示期内核实并记录处理情况。"
    sent, seen = 0, set()
    for grant in reviewer_grants(publicity):
        if grant.user_id in seen:
            continue  # a reviewer with grants at two levels gets one notice, linked to the nearest
        seen.add(grant.user_id)
        sent += notices_send(
            recipients=[grant.user],
            key=key,
            kind=NoticeKind.GENERAL,
            title=title,
            body=body,
            organisation=publicity.organisation,
            link=reverse("assessment:objection_list", args=[grant.organisation_id]) + "?status=open",
        )
    return sent


@transaction.atomic
def objection_submit(
    *,
    publicity: Publicity,
    text: str,
    name: str = "",
    phone: str = "",
    client: str,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Objection:
    """异议 from anyone while the item is under 公示; the reviewers in scope get a notice.

    Raises ``RateLimited`` (a ValidationError) when the client has sent too many.
    """
    today = today or timezone.localdate()
    now = now or timezone.now()
    if not publicity.is_open_on(today):
        if today > publicity.ends_on:
            raise ValidationError(f"该公示已于{publicity.ends_on:%Y年%m月%d日}结束，不再受理异议。")
        raise ValidationError("该公示尚未开始，暂不受理异议。")
    text, name, phone = _clean_fields(text, name, phone)
    if not client or len(client) != 64:
        raise ValidationError("无法识别提交来源。")
    _lock_client(client)
    if message := rate_limit_error(client, now):
        raise RateLimited(message)
    objection = Objection.objects.create(
        publicity=publicity, text=text, name=name, phone=phone, client=client
    )
    _notify_reviewers(objection)
    return objection


@transaction.atomic
def objection_handle(*, objection: Objection, by, handling: str) -> Objection:
    """The reviewer records how an objection was handled (核实情况、处理结果); open → handled, once."""
    publicity = objection.publicity
    if not access.can_assess(by, publicity.organisation):
        raise PermissionDenied("无权处理该异议。")
    handling = (handling or "").strip()
    if not handling:
        raise ValidationError({"handling": "请填写处理情况。"})
    if len(handling) > HANDLING_MAX:
        raise ValidationError({"handling": f"处理情况不能超过{HANDLING_MAX}字。"})
    moment = timezone.now()
    changed = Objection.objects.filter(pk=objection.pk, status=ObjectionStatus.OPEN).update(
        status=ObjectionStatus.HANDLED, handling=handling, handled_by=by, handled_at=moment
    )
    if not changed:
        raise ValidationError("该异议已经处理过了。")
    objection.status, objection.handling = ObjectionStatus.HANDLED, handling
    objection.handled_by, objection.handled_at = by, moment
    return objection
