"""Every write to organisations, terms, grants and notices (one function a use case)."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from . import audit, rules, signals
from .models import (
    PATH_ALPHABET,
    PATH_STEP,
    Grant,
    Notice,
    NoticeKind,
    Organisation,
    OrgKind,
    OrgStatus,
    Role,
    Term,
    TermStatusChoice,
)

logger = logging.getLogger(__name__)


def _encode_step(number: int) -> str:
    digits = []
    for _ in range(PATH_STEP):
        number, rem = divmod(number, len(PATH_ALPHABET))
        digits.append(PATH_ALPHABET[rem])
    if number:
        raise ValidationError("同一上级下的组织数量超出上限。")
    return "".join(reversed(digits))


def _decode_step(step: str) -> int:
    value = 0
    for ch in step:
        value = value * len(PATH_ALPHABET) + PATH_ALPHABET.index(ch)
    return value


def _next_child_path(parent: Organisation | None) -> str:
    prefix = parent.path if parent else ""
    siblings = (
        Organisation.objects.filter(parent=parent)
        if parent
        else Organisation.objects.filter(parent__isnull=True)
    )
    last = siblings.order_by("-path").values_list("path", flat=True).first()
    number = _decode_step(last[-PATH_STEP:]) + 1 if last else 1
    return prefix + _encode_step(number)


@transaction.atomic
def organisation_create(
    *,
    name: str,
    kind: str,
    sector: str,
    code: str,
    parent: Organisation | None = None,
    short_name: str = "",
    founded_on: dt.date | None = None,
    address: str = "",
) -> Organisation:
    if parent is not None:
        # Lock the parent so two children created at once do not take the same path.
        parent = Organisation.objects.select_for_update().get(pk=parent.pk)
        if not parent.is_active:
            raise ValidationError("上级组织已撤销，不能在其下设立组织。")
    error = rules.child_kind_error(parent.kind if parent else None, kind)
    if error:
        raise ValidationError({"kind": error})
    org = Organisation(
        name=name,
        short_name=short_name,
        kind=kind,
        sector=sector,
        code=code,
        parent=parent,
        founded_on=founded_on,
        address=address,
        path=_next_child_path(parent),
        depth=(parent.depth + 1) if parent else 1,
    )
    org.full_clean()
    org.save()
    # A new branch counts on the dashboards at once; a new party group changes its branch's structure.
    signals.changed([org.pk] if org.is_branch else [org.parent_id] if kind == OrgKind.PARTY_GROUP else [])
    return org


@transaction.atomic
def organisation_update(*, organisation: Organisation, **fields) -> Organisation:
    """Change the organisation's own details; its place in the tree does not change here."""
    allowed = {"name", "short_name", "sector", "code", "founded_on", "address", "kind"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown fields: {unknown}")
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    for key, value in fields.items():
        setattr(org, key, value)
    if "kind" in fields:
        error = rules.child_kind_error(org.parent.kind if org.parent else None, org.kind)
        if error is None:
            child_kinds = set(org.children.values_list("kind", flat=True))
            error = next(filter(None, (rules.child_kind_error(org.kind, k) for k in child_kinds)), None)
        if error:
            raise ValidationError({"kind": error})
    org.full_clean()
    org.save()
    if {"sector", "kind"} & set(fields):
        signals.changed([org.pk], years=None)
    return org


@transaction.atomic
def organisation_dissolve(*, organisation: Organisation, on: dt.date, reason: str) -> Organisation:
    """Dissolve (撤销) an organisation: never deleted, its history stays."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写撤销原因。"})
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not org.is_active:
        raise ValidationError("该组织已经撤销。")
    if org.founded_on and on < org.founded_on:
        raise ValidationError({"on": "撤销日期不能早于成立日期。"})
    if org.descendants().filter(status=OrgStatus.ACTIVE).exists():
        raise ValidationError("请先撤销或转移其下属组织，再撤销本组织。")
    org.status = OrgStatus.DISSOLVED
    org.dissolved_on = on
    org.dissolved_reason = reason
    org.save(update_fields=["status", "dissolved_on", "dissolved_reason", "updated_at"])
    ending = list(
        Term.objects.filter(organisation=org, status=TermStatusChoice.CURRENT).values_list("pk", flat=True)
    )
    Term.objects.filter(pk__in=ending).update(status=TermStatusChoice.ENDED, ended_on=on)
    audit.changed(Term, ending)
    # A dissolved branch leaves the dashboards; a dissolved party group changes its branch's structure.
    signals.changed([org.pk, org.parent_id], years=None if org.is_branch else ())
    return org


def _validate_adjustment(regular: dt.date, expires_on: dt.date, elected_on: dt.date, doc_no: str):
    errors = {}
    if expires_on <= elected_on:
        errors["expires_on"] = "届满日期必须晚于选举日期。"
    elif not rules.adjustment_allowed(regular, expires_on):
        errors["expires_on"] = (
            f"延期或提前换届不得超过1年：法定届满日期为{regular:%Y年%m月%d日}，"
            "调整后的日期须在其前后1年之内。"
        )
    elif expires_on != regular and not doc_no.strip():
        errors["adjustment_doc_no"] = "延期或提前换届须经上级党组织批准，请填写批复文号。"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def term_open(
    *,
    organisation: Organisation,
    elected_on: dt.date,
    length_years: int | None = None,
    number: int | None = None,
    expires_on: dt.date | None = None,
    adjustment_doc_no: str = "",
    adjustment_approved_on: dt.date | None = None,
    end_current: bool = True,
) -> Term:
    """Open a new term (换届): the current one ends on the new election date."""
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not org.is_active:
        raise ValidationError("该组织已撤销，不能换届。")
    if org.kind == rules.PARTY_GROUP:
        raise ValidationError("党小组不设届次。")
    length_years = length_years or rules.default_term_years(org.kind, org.sector)
    regular = rules.regular_expiry(elected_on, length_years)
    expires_on = expires_on or regular
    _validate_adjustment(regular, expires_on, elected_on, adjustment_doc_no)

    current = (
        Term.objects.select_for_update().filter(organisation=org, status=TermStatusChoice.CURRENT).first()
    )
    if current is not None:
        if not end_current:
            raise ValidationError("该组织已有一届正在任期内的班子，请先结束本届再换届。")
        if elected_on <= current.elected_on:
            raise ValidationError({"elected_on": "新一届的选举日期必须晚于本届的选举日期。"})
        current.status = TermStatusChoice.ENDED
        current.ended_on = elected_on
        current.save(update_fields=["status", "ended_on"])
    if number is None:
        last = (
            Term.objects.filter(organisation=org).order_by("-number").values_list("number", flat=True).first()
        )
        number = (last or 0) + 1
    elif Term.objects.filter(organisation=org, number=number).exists():
        raise ValidationError({"number": f"第{number}届已存在。"})
    term = Term(
        organisation=org,
        number=number,
        elected_on=elected_on,
        length_years=length_years,
        regular_expires_on=regular,
        expires_on=expires_on,
        adjustment_doc_no=adjustment_doc_no.strip(),
        adjustment_approved_on=adjustment_approved_on,
        status=TermStatusChoice.CURRENT,
    )
    term.full_clean()
    try:
        with transaction.atomic():
            term.save()
    except IntegrityError:
        raise ValidationError("该组织已有一届正在任期内的班子。") from None
    return term


@transaction.atomic
def term_adjust(*, term: Term, expires_on: dt.date, doc_no: str, approved_on: dt.date | None) -> Term:
    """Record an approved postponement or advance of the election (≤ 1 year)."""
    term = Term.objects.select_for_update().get(pk=term.pk)
    if term.status != TermStatusChoice.CURRENT:
        raise ValidationError("只能调整本届班子的届满日期。")
    if not doc_no.strip():
        raise ValidationError({"adjustment_doc_no": "延期或提前换届须经上级党组织批准，请填写批复文号。"})
    if approved_on is None:
        raise ValidationError({"adjustment_approved_on": "请填写批复日期。"})
    _validate_adjustment(term.regular_expires_on, expires_on, term.elected_on, doc_no)
    term.expires_on = expires_on
    term.adjustment_doc_no = doc_no.strip()
    term.adjustment_approved_on = approved_on
    term.full_clean()
    term.save(update_fields=["expires_on", "adjustment_doc_no", "adjustment_approved_on"])
    return term


def grant_role(*, user, organisation: Organisation, role: str) -> Grant:
    grant, _ = Grant.objects.get_or_create(user=user, organisation=organisation, role=role)
    return grant


def notice_mark_read(*, user, notice_ids=None) -> int:
    qs = Notice.objects.filter(recipient=user, read_at__isnull=True)
    if notice_ids is not None:
        qs = qs.filter(pk__in=notice_ids)
    return qs.update(read_at=timezone.now())


def _term_reminder_recipients(terms: list[Term]) -> dict[int, list]:
    """Per term: the organisation's secretaries and the reviewers of every committee above it (one query)."""
    ancestor_paths = {path for term in terms for path in term.organisation.ancestor_paths}
    grants = (
        Grant.objects.filter(organisation__path__in=ancestor_paths, role=Role.REVIEWER)
        | Grant.objects.filter(organisation__in=[t.organisation_id for t in terms], role=Role.SECRETARY)
    ).select_related("user", "organisation")
    reviewers: dict[str, list] = {}
    secretaries: dict[int, list] = {}
    for grant in grants:
        if not grant.user.is_active:
            continue
        if grant.role == Role.REVIEWER:
            reviewers.setdefault(grant.organisation.path, []).append(grant.user)
        else:
            secretaries.setdefault(grant.organisation_id, []).append(grant.user)
    recipients = {}
    for term in terms:
        users = {u.pk: u for u in secretaries.get(term.organisation_id, [])}
        for path in term.organisation.ancestor_paths:
            users.update((u.pk, u) for u in reviewers.get(path, []))
        recipients[term.pk] = list(users.values())
    return recipients


def term_remind(*, term: Term, today: dt.date, recipients=None, already=None) -> int:
    """Send the reminder stage this term has reached to everyone who should hear; returns notices created.

    The unique (recipient, dedupe_key) row is the guard: a second run on the same
    day, or a second beat process at the same moment, fails to insert and sends nothing.
    """
    stage = rules.reminder_stage(term.expires_on, today)
    if stage is None:
        return 0
    key = f"term-{term.pk}-{stage}"
    org = term.organisation
    label = rules.reminder_stage_label(stage)
    title = f"换届提醒：{org.name}（{label}）"
    body = (
        f"{org.name}第{term.number}届班子于{term.elected_on:%Y年%m月%d日}选举产生，"
        f"届满日期为{term.expires_on:%Y年%m月%d日}（{label}）。"
        "请按《中国共产党基层组织选举工作条例》做好换届准备，按期换届。"
    )
    if recipients is None:
        recipients = _term_reminder_recipients([term])[term.pk]
    return notices_send(
        recipients=recipients,
        already=already,
        key=key,
        kind=NoticeKind.TERM_REMINDER,
        title=title,
        body=body,
        organisation=org,
        term=term,
        email=True,
    )


def notices_send(
    *,
    recipients,
    key: str,
    kind: str,
    title: str,
    body: str = "",
    organisation: Organisation | None = None,
    term: Term | None = None,
    link: str = "",
    email: bool = False,
    already: set | None = None,
) -> int:
    """One notice per recipient for ``key`` (and an email after commit, with ``email``); returns how many.

    The unique (recipient, dedupe_key) row is the guard: a second run on the same
    day, or a second beat process at the same moment, fails to insert and sends
    nothing. The look-up of existing keys first only saves the failed inserts.
    """
    recipients = list(recipients)
    if already is None:  # the recipients who have this notice; a batch caller looks them up at once
        already = set(
            Notice.objects.filter(dedupe_key=key, recipient__in=recipients).values_list(
                "recipient_id", flat=True
            )
        )
    created = 0
    for user in recipients:
        if user.pk in already:
            continue
        try:
            with transaction.atomic():
                Notice.objects.create(
                    recipient=user,
                    organisation=organisation,
                    term=term,
                    kind=kind,
                    dedupe_key=key,
                    title=title,
                    body=body,
                    link=link,
                )
        except IntegrityError:
            continue  # another run got there first
        created += 1
        if email and user.email:
            transaction.on_commit(lambda u=user: _send_email(u.email, title, body))
    return created


def _send_email(address: str, subject: str, body: str) -> None:
    try:
        send_mail(subject, body, None, [address])
    except Exception:  # noqa: BLE001 - a mail outage must not undo in-app notices
        logger.exception("reminder email to %s failed", address)


def term_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind about every current term within 6 months of expiry or past it."""
    today = today or timezone.localdate()
    horizon = rules.due_horizon(today)
    terms = (
        Term.objects.filter(
            status=TermStatusChoice.CURRENT,
            organisation__status=OrgStatus.ACTIVE,
            expires_on__lte=horizon,
        )
        .select_related("organisation")
        .order_by("pk")
    )
    total, chunk = 0, []
    for term in terms.iterator(chunk_size=500):
        chunk.append(term)
        if len(chunk) == 500:
            total += _remind_chunk(chunk, today)
            chunk = []
    return total + (_remind_chunk(chunk, today) if chunk else 0)


def _remind_chunk(terms: list[Term], today: dt.date) -> int:
    """Two queries for a chunk of terms (recipients, notices already sent), then inserts for what is new."""
    keys = {
        t.pk: f"term-{t.pk}-{stage}" for t in terms if (stage := rules.reminder_stage(t.expires_on, today))
    }
    if not keys:
        return 0
    sent: dict[str, set] = {}
    for key, recipient_id in Notice.objects.filter(dedupe_key__in=keys.values()).values_list(
        "dedupe_key", "recipient_id"
    ):
        sent.setdefault(key, set()).add(recipient_id)
    recipients = _term_reminder_recipients([t for t in terms if t.pk in keys])
    return sum(
        term_remind(term=t, today=today, recipients=recipients[t.pk], already=sent.get(keys[t.pk], set()))
        for t in terms
        if t.pk in keys
    )


@transaction.atomic
def organisation_move(*, organisation: Organisation, new_parent: Organisation) -> Organisation:
    """Move an organisation, with everything below it, under another parent (组织隶属关系调整).

    The subtree's paths are rewritten by one UPDATE: the old prefix is swapped for a
    new child path of ``new_parent``, and depths shift by the same amount.
    """
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    new_parent = Organisation.objects.select_for_update().get(pk=new_parent.pk)
    if org.parent_id is None:
        raise ValidationError("最上层组织不能迁移。")
    if new_parent.pk == org.parent_id:
        raise ValidationError({"new_parent": "新的上级组织与原上级相同。"})
    if new_parent.path.startswith(org.path):
        raise ValidationError({"new_parent": "不能迁移到本组织或其下级组织之下。"})
    if not new_parent.is_active:
        raise ValidationError({"new_parent": "新的上级组织已撤销。"})
    error = rules.child_kind_error(new_parent.kind, org.kind)
    if error:
        raise ValidationError({"new_parent": error})
    old_path, new_path = org.path, _next_child_path(new_parent)
    shift = new_parent.depth + 1 - org.depth
    Organisation.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + shift,
    )
    Organisation.objects.filter(pk=org.pk).update(parent=new_parent)
    audit.changed(Organisation, [org.pk])  # the paths below follow; they are not audited
    org.refresh_from_db()
    signals.organisation_moved.send(sender=Organisation, organisation=org, old_path=old_path)
    return org
