"""花名册导入与导出: upload → validation report and preview → confirm → write, all or nothing.

Nothing reaches the roster before the user confirms; the confirmation checks the file
again against the database as it is then, and writes every row in one transaction
through ``member_create`` / ``member_update`` — or, from ``BULK_ROWS`` rows to write on,
through their bulk forms ``members_bulk_create`` / ``members_bulk_update`` (the same
checks, a few queries per thousand rows instead of six a row) — or none. Files over ``ASYNC_ROWS``
rows are validated and written by Celery tasks (members/tasks/imports.py) that
report progress; smaller ones are handled in the request.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from branches import audit, uploads
from branches.models import Organisation, OrgKind, OrgStatus

from .. import idcard, privacy, roster_io, rules, selectors
from ..models import ExportKind, ExportLog, ImportStatus, Member, MemberStatus, RosterImport
from ..roster_io import COLUMN_BY_FIELD, Issue, Layout, RosterFileError, RosterReader
from .members import (
    STAGE_DATE_FIELD,
    RowErrors,
    check_person,
    member_create,
    member_update,
    members_bulk_create,
    members_bulk_update,
)

logger = logging.getLogger(__name__)

# Files with more data rows than this are validated and imported by a Celery task.
ASYNC_ROWS = 1000
MAX_ROWS = 50_000
MAX_BYTES = 10 * 1024 * 1024
PROGRESS_EVERY = 200
# From this many new and changed rows on, the write goes through the bulk services. A branch
# rarely has more than 50 members: its file keeps the row-by-row services, which cost nothing
# at that size; a committee's or a merged branch's file is written in bulk.
BULK_ROWS = 100
LOOKUP_CHUNK = 1000

VALIDATING, IMPORTING = "validating", "importing"
NEW, UPDATED, UNCHANGED = "new", "updated", "unchanged"
ACTION_LABELS = {NEW: "新增", UPDATED: "更新", UNCHANGED: "无变化"}

# A blank cell in these columns means "keep / default / take from the ID number", never "clear".
KEEP_IF_BLANK = ("gender", "birth_date", "ethnicity", "dues_category", "stage")
STAGE_DATES = tuple(STAGE_DATE_FIELD.values())  # in the order of the pipeline
DATE_FIELDS = tuple(c.field for c in roster_io.COLUMNS if c.kind == roster_io.DATE)

Progress = Callable[[str, int, int], None]


@dataclass
class RowPlan:
    row: int
    action: str
    values: dict  # field → value as the member services take it
    member: Member | None = None
    changes: dict = field(default_factory=dict)


@dataclass
class Plan:
    layout: Layout | None
    issues: list[Issue]
    rows: list[RowPlan]
    parsed_rows: int = 0

    @property
    def counts(self) -> dict:
        counts = {NEW: 0, UPDATED: 0, UNCHANGED: 0}
        for row in self.rows:
            counts[row.action] += 1
        return counts


class _Rejected(Exception):
    def __init__(self, plan: Plan):
        self.plan = plan


# --- Upload -------------------------------------------------------------------------------


def check_upload(file) -> None:
    """Extension, size and the zip of an .xlsx: Chinese messages, before anything is stored or opened.

    The archive's declared sizes and names are checked (``uploads.zip_problem``) before openpyxl
    unpacks anything: a zip bomb named .xlsx would otherwise be inflated in the worker's memory.
    """
    name = getattr(file, "name", "") or ""
    suffix = Path(name).suffix.lower()
    if suffix != ".xlsx":
        hint = (
            "（.xls 等旧格式请在 Excel 中“另存为”Excel 工作簿 .xlsx）"
            if suffix in (".xls", ".et", ".csv")
            else ""
        )
        raise ValidationError({"file": f"只能上传 .xlsx 格式的 Excel 文件{hint}。"})
    if file.size == 0:
        raise ValidationError({"file": "文件是空的。"})
    if file.size > MAX_BYTES:
        raise ValidationError({"file": f"文件不能超过 {MAX_BYTES // (1024 * 1024)} MB。"})
    if uploads.sniff_file(file) != (uploads.ZIP, "application/zip"):
        raise ValidationError({"file": roster_io.UNREADABLE})
    problem = uploads.zip_problem(file)
    if problem and problem != uploads.BROKEN:
        raise ValidationError({"file": f"{problem}请上传正常保存的 Excel 工作簿（.xlsx）。"})
    if not roster_io.is_xlsx(file):
        raise ValidationError({"file": roster_io.UNREADABLE})


def _file_bytes(roster_import: RosterImport) -> io.BytesIO:
    with roster_import.file.open("rb") as fh:
        return io.BytesIO(fh.read())


def roster_import_upload(*, organisation: Organisation, file, uploaded_by) -> RosterImport:
    """Keep the file and validate it — in the request, or by a task for a large file. Writes no member."""
    if not organisation.is_branch or not organisation.is_active:
        raise ValidationError("只能向正常运行的党支部导入花名册。")
    check_upload(file)
    with transaction.atomic():
        roster_import = RosterImport.objects.create(
            organisation=organisation,
            file=file,
            original_name=Path(file.name).name[:200],
            status=ImportStatus.RUNNING,
            summary={"phase": VALIDATING},
            uploaded_by=uploaded_by,
        )
        try:
            with RosterReader(_file_bytes(roster_import)) as reader:
                estimate = reader.estimated_rows()
        except RosterFileError as error:
            return _finish_invalid(roster_import, [Issue(0, "", "", str(error))])
        if estimate > ASYNC_ROWS:
            _enqueue(roster_import, "validate_roster_import", estimate)
            return roster_import
    return roster_import_validate(roster_import_id=roster_import.pk)


def _enqueue(roster_import: RosterImport, task_name: str, rows: int) -> None:
    from ..tasks import imports as tasks

    task = getattr(tasks, task_name)
    task_id = str(uuid.uuid4())
    RosterImport.objects.filter(pk=roster_import.pk).update(task_id=task_id, total_rows=rows)
    roster_import.task_id, roster_import.total_rows = task_id, rows
    transaction.on_commit(lambda: task.apply_async(args=[roster_import.pk], task_id=task_id))


def _finish_invalid(roster_import: RosterImport, issues: list[Issue]) -> RosterImport:
    roster_import.status = ImportStatus.INVALID
    roster_import.summary = {"errors": [i.as_list() for i in issues], "counts": {}}
    roster_import.finished_at = timezone.now()
    roster_import.save(update_fields=["status", "summary", "finished_at"])
    return roster_import


# --- Validation ---------------------------------------------------------------------------


def roster_import_validate(*, roster_import_id: int, progress: Progress | None = None) -> RosterImport:
    """Check every row and work out what would change; idempotent (only a file waiting for it is checked)."""
    with transaction.atomic():
        roster_import = (
            RosterImport.objects.select_for_update().select_related("organisation").get(pk=roster_import_id)
        )
        if roster_import.status != ImportStatus.RUNNING or roster_import.summary.get("phase") != VALIDATING:
            return roster_import
        plan = _plan(roster_import, progress=progress)
        roster_import.summary = _summary(plan)
        roster_import.total_rows = plan.parsed_rows
        if plan.issues:
            roster_import.status = ImportStatus.INVALID
            roster_import.finished_at = timezone.now()
        else:
            roster_import.status = ImportStatus.VALIDATED
        roster_import.save(update_fields=["status", "summary", "total_rows", "finished_at"])
    return roster_import


def _summary(plan: Plan) -> dict:
    layout = plan.layout
    preview = []
    for row in plan.rows:
        values = row.values if row.member is None else {**_member_values(row.member), **row.values}
        changes = [
            [
                COLUMN_BY_FIELD[name].header,
                _shown(name, getattr(row.member, name)),
                _shown(name, value),
            ]
            for name, value in row.changes.items()
        ]
        preview.append(
            [
                row.row,
                row.action,
                values.get("name", ""),
                values.get("id_number", ""),
                _shown("stage", values.get("stage") or "full"),
                changes,
            ]
        )
    return {
        "sheet": layout.sheet if layout else "",
        "header_row": layout.header_row if layout else 0,
        "columns": [c.header for c in layout.columns.values()] if layout else [],
        "rows": plan.parsed_rows,
        "counts": plan.counts,
        "errors": [i.as_list() for i in plan.issues],
        "preview": preview,
    }


def _member_values(member: Member) -> dict:
    return {name: getattr(member, name) for name in ("name", "id_number", "stage")}


def _shown(name: str, value) -> str:
    if name == "party_group":
        return value.name if value else ""
    return roster_io.display(COLUMN_BY_FIELD[name], value)


@dataclass
class _Context:
    branch: Organisation
    layout: Layout
    today: dt.date
    by_id: dict[str, Member]
    without_id: dict[tuple, list[Member]]
    elsewhere: set[str]
    groups: dict[str, Organisation]


def _plan(roster_import: RosterImport, *, progress: Progress | None = None) -> Plan:
    """Read the file and check it against the database; every problem becomes an Issue."""
    branch = roster_import.organisation
    try:
        with RosterReader(_file_bytes(roster_import)) as reader:
            layout = reader.layout
            issues = list(layout.issues)
            if not layout.complete:
                return Plan(layout, issues, [])
            estimate = roster_import.total_rows  # from the upload, for the progress bar
            parsed = []
            for row_no, values in reader.rows():
                if len(parsed) >= MAX_ROWS:
                    issue = Issue(row_no, "", "", f"文件超过 {MAX_ROWS} 行，请拆分后分批导入。")
                    return Plan(layout, [*issues, issue], [], len(parsed))
                parsed.append((row_no, *roster_io.parse_row(layout, values)))
                if progress and len(parsed) % PROGRESS_EVERY == 0:
                    progress("reading", len(parsed), max(estimate, len(parsed)))
    except RosterFileError as error:
        return Plan(None, [Issue(0, "", "", str(error))], [])
    if not parsed:
        return Plan(layout, [*issues, Issue(layout.header_row + 1, "", "", "表头下面没有党员数据。")], [])

    context = _context(branch, layout, parsed)
    rows = []
    for n, (row_no, fields, cell_errors) in enumerate(parsed, start=1):
        result = _check_row(context, row_no, fields, cell_errors)
        if isinstance(result, RowPlan):
            rows.append(result)
        else:
            issues.extend(result)
        if progress and n % PROGRESS_EVERY == 0:
            progress("checking", n, len(parsed))
    issues.extend(_duplicates(layout, parsed))
    issues.sort(key=lambda i: (i.row, len(i.column), i.column))
    return Plan(layout, issues, rows if not issues else [], len(parsed))


def _context(branch: Organisation, layout: Layout, parsed: list) -> _Context:
    by_id, without_id = {}, {}
    for member in Member.objects.filter(organisation=branch).select_related("party_group"):
        if member.id_number:
            by_id[member.id_number] = member
        elif member.status == MemberStatus.ACTIVE:
            without_id.setdefault((member.name, member.birth_date), []).append(member)
    numbers = sorted({f["id_number"] for _, f, _ in parsed if f.get("id_number")} - by_id.keys())
    elsewhere = set()
    for start in range(0, len(numbers), LOOKUP_CHUNK):
        chunk = numbers[start : start + LOOKUP_CHUNK]
        elsewhere.update(
            Member.objects.filter(id_number__in=chunk)
            .exclude(organisation=branch)
            .values_list("id_number", flat=True)
        )
    groups = {
        g.name: g
        for g in Organisation.objects.filter(parent=branch, kind=OrgKind.PARTY_GROUP, status=OrgStatus.ACTIVE)
    }
    return _Context(branch, layout, timezone.localdate(), by_id, without_id, elsewhere, groups)


def _check_row(
    ctx: _Context, row_no: int, fields: dict, cell_errors: dict[int, str]
) -> RowPlan | list[Issue]:
    errors: dict = dict(cell_errors)  # column index or field name → message
    layout = ctx.layout

    def failed(name: str) -> bool:
        return layout.index_of(name) in cell_errors

    def error(name: str, message: str) -> None:
        errors.setdefault(name, message)

    if not fields.get("name") and not failed("name"):
        error("name", "姓名不能为空。")
    number = fields.get("id_number", "")
    if number:
        try:
            number = check_person(
                id_number=number, birth_date=fields.get("birth_date"), gender=fields.get("gender") or None
            )
        except ValidationError as problem:
            for name, messages in problem.message_dict.items():
                error(name, " ".join(messages))
        else:
            fields["id_number"] = number
            fields["birth_date"] = fields.get("birth_date") or idcard.birth_date_of(number)
            fields["gender"] = fields.get("gender") or idcard.gender_of(number)
    elif not failed("id_number"):
        for name, label in (("birth_date", "出生日期"), ("gender", "性别")):
            if not fields.get(name) and not failed(name):
                error(name, f"未填身份证号时，{label}必须填写。")

    _check_dates(ctx, fields, error)

    group_name = fields.get("party_group")
    if group_name and group_name not in ctx.groups:
        error("party_group", f"本支部没有名为“{group_name}”的党小组：请先设立该党小组，或清空此格。")

    existing = None
    if number and "id_number" not in errors:
        existing = ctx.by_id.get(number)
        if existing is not None and existing.status != MemberStatus.ACTIVE:
            error(
                "id_number",
                f"该身份证号属于本支部已离开的党员（{existing.get_leave_kind_display()}），不能通过导入恢复。",
            )
        elif existing is None and number in ctx.elsewhere:
            error("id_number", "该身份证号已登记在其他党组织，不能重复登记；如属转入，请办理组织关系转接。")
    elif not number and fields.get("name") and fields.get("birth_date"):
        same = ctx.without_id.get((fields["name"], fields["birth_date"]), [])
        if len(same) > 1:
            error(
                "id_number", "本支部有多名同名、同出生日期且未登记身份证号的党员，无法对应：请填写身份证号。"
            )
        existing = same[0] if len(same) == 1 else None
    if existing is not None and existing.status == MemberStatus.ACTIVE:
        stage = fields.get("stage")
        if stage and stage != existing.stage and not failed("stage"):
            error(
                "stage",
                f"已登记党员的发展阶段不能通过导入修改（现为{existing.get_stage_display()}），"
                "请在发展党员流程中办理。",
            )

    values = {}
    for name, value in fields.items():
        if name in KEEP_IF_BLANK and value in ("", None):
            continue
        if name == "party_group":
            value = ctx.groups.get(value) if value else None
        values[name] = value

    if existing is None:
        instance = Member(organisation=ctx.branch, **values)
        changes = {}
    else:
        instance = copy.copy(existing)
        changes = {
            name: value
            for name, value in values.items()
            if (getattr(existing, name) if name != "party_group" else existing.party_group) != value
        }
        for name, value in changes.items():
            setattr(instance, name, value)
    exclude = ["organisation", "party_group", "user", *(n for n in errors if isinstance(n, str))]
    exclude += [c.field for i, c in layout.columns.items() if i in errors]
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as problem:
        for name, messages in problem.message_dict.items():
            error(name, " ".join(messages))

    if errors:
        return [_issue(layout, row_no, key, message) for key, message in errors.items()]
    if existing is None:
        return RowPlan(row_no, NEW, values)
    return RowPlan(row_no, UPDATED if changes else UNCHANGED, values, existing, changes)


def _check_dates(ctx: _Context, fields: dict, error) -> None:
    birth = fields.get("birth_date")
    dates = {name: fields.get(name) for name in DATE_FIELDS}
    for name, problem, other in rules.date_problems(dates, ctx.today, STAGE_DATES):
        header = COLUMN_BY_FIELD[name].header
        if problem == "future":
            error(name, f"{header}晚于今天。")
        elif problem == "before_birth":
            error(name, f"{header}早于出生日期。")
        else:
            error(name, f"{header}早于{COLUMN_BY_FIELD[other].header}。")
    applied = fields.get("applied_on")
    if birth and applied and birth <= applied and rules.age_on(birth, applied) < rules.ADULT_AGE:
        error("applied_on", "递交入党申请时未满18周岁。")


def _issue(layout: Layout, row_no: int, key, message: str) -> Issue:
    index = key if isinstance(key, int) else layout.index_of(key)
    if index is None:  # e.g. a birth date read from the ID number: show it on the ID column
        index = layout.index_of("id_number")
    return Issue(row_no, layout.letter(index), layout.headers.get(index, ""), message)


def _duplicates(layout: Layout, parsed: list) -> list[Issue]:
    """Rows of the file that are the same person: each is an error naming the others."""
    seen: dict[tuple, list[int]] = {}
    for row_no, fields, _ in parsed:
        number = fields.get("id_number")
        if number:
            key = ("id", number)
        elif fields.get("name") and fields.get("birth_date"):
            key = ("person", fields["name"], fields["birth_date"])
        else:
            continue
        seen.setdefault(key, []).append(row_no)
    issues = []
    for key, rows in seen.items():
        if len(rows) < 2:
            continue
        for row_no in rows:
            others = "、".join(str(r) for r in rows if r != row_no)
            if key[0] == "id":
                issues.append(_issue(layout, row_no, "id_number", f"身份证号与第{others}行重复。"))
            else:
                issues.append(
                    _issue(layout, row_no, "name", f"与第{others}行姓名、出生日期相同且都未填身份证号。")
                )
    return issues


# --- Confirmation and writing -------------------------------------------------------------


def roster_import_confirm(*, roster_import: RosterImport, confirmed_by) -> RosterImport:
    """Start writing a validated file. A compare-and-set on the status: confirming twice imports once."""
    summary = {**roster_import.summary, "phase": IMPORTING, "confirmed_by": confirmed_by.pk}
    background = roster_import.total_rows > ASYNC_ROWS
    with transaction.atomic():
        started = RosterImport.objects.filter(pk=roster_import.pk, status=ImportStatus.VALIDATED).update(
            status=ImportStatus.RUNNING, summary=summary
        )
        if not started:
            raise ValidationError("该文件已确认过，不能重复导入。")
        roster_import.status, roster_import.summary = ImportStatus.RUNNING, summary
        if background:
            _enqueue(roster_import, "run_roster_import", roster_import.total_rows)
            return roster_import
    return roster_import_run(roster_import_id=roster_import.pk)


def roster_import_run(*, roster_import_id: int, progress: Progress | None = None) -> RosterImport:
    """Check the file again and write every row in one transaction; any error writes nothing.

    Idempotent: only an import confirmed and not yet written is run; the row lock makes a
    second delivery of the task wait and then find it done.
    """
    try:
        with transaction.atomic():
            roster_import = (
                RosterImport.objects.select_for_update()
                .select_related("organisation")
                .get(pk=roster_import_id)
            )
            if (
                roster_import.status != ImportStatus.RUNNING
                or roster_import.summary.get("phase") != IMPORTING
            ):
                return roster_import
            plan = _plan(roster_import, progress=progress)
            if plan.issues:
                raise _Rejected(plan)
            user = get_user_model().objects.filter(pk=roster_import.summary.get("confirmed_by")).first()
            with audit.acting_as(user):  # a worker has no request: the audit rows name who confirmed
                if sum(row.action != UNCHANGED for row in plan.rows) >= BULK_ROWS:
                    member_ids = _write_in_bulk(roster_import.organisation, plan, user, progress)
                else:
                    member_ids = []
                    for n, row in enumerate(plan.rows, start=1):
                        member_ids.append(_write_row(roster_import.organisation, row, user, plan))
                        if progress and n % PROGRESS_EVERY == 0:
                            progress("writing", n, len(plan.rows))
            roster_import.status = ImportStatus.DONE
            roster_import.summary = {
                "rows": plan.parsed_rows,
                "counts": plan.counts,
                "member_ids": member_ids,
                "confirmed_by": roster_import.summary.get("confirmed_by"),
            }
            roster_import.finished_at = timezone.now()
            roster_import.save(update_fields=["status", "summary", "finished_at"])
        return roster_import
    except _Rejected as rejected:
        summary = {**_summary(rejected.plan), "rechecked": True}
        _close(roster_import_id, ImportStatus.INVALID, summary)
    except Exception:
        logger.exception("roster import %s failed", roster_import_id)
        _close(
            roster_import_id,
            ImportStatus.FAILED,
            {"message": "导入时发生系统错误，没有导入任何数据。请稍后重新上传，或联系系统管理员。"},
        )
        raise
    return RosterImport.objects.get(pk=roster_import_id)


def _close(roster_import_id: int, status: str, summary: dict) -> None:
    RosterImport.objects.filter(pk=roster_import_id, status=ImportStatus.RUNNING).update(
        status=status, summary=summary, finished_at=timezone.now()
    )


def _write_row(branch: Organisation, row: RowPlan, user, plan: Plan) -> int:
    try:
        if row.action == NEW:
            return member_create(organisation=branch, recorded_by=user, **row.values).pk
        if row.action == UPDATED:
            return member_update(member=row.member, **row.changes).pk
    except ValidationError as problem:
        # Something changed between the check and the write (another user saved the same person).
        plan.issues = [_issue(plan.layout, row.row, k, " ".join(v)) for k, v in _messages(problem).items()]
        raise _Rejected(plan) from None
    return row.member.pk


def _write_in_bulk(branch: Organisation, plan: Plan, user, progress: Progress | None) -> list[int]:
    """New rows through members_bulk_create, changed ones through members_bulk_update.

    Returns the members' pks in the order of the file, as the row-by-row write does.
    """
    new = [row for row in plan.rows if row.action == NEW]
    changed = [row for row in plan.rows if row.action == UPDATED]
    total = len(plan.rows)
    unchanged = total - len(new) - len(changed)

    def report(offset: int):
        if progress is None:
            return None
        return lambda done, _rows: progress("writing", unchanged + offset + done, total)

    try:
        created = members_bulk_create(
            organisation=branch, rows=[row.values for row in new], recorded_by=user, progress=report(0)
        )
    except ValidationError as problem:
        _reject_write(plan, new, problem)
    try:
        members_bulk_update(updates=[(row.member, row.changes) for row in changed], progress=report(len(new)))
    except ValidationError as problem:
        _reject_write(plan, changed, problem)
    if progress:
        progress("writing", total, total)
    pk_of_new = iter(member.pk for member in created)
    return [next(pk_of_new) if row.action == NEW else row.member.pk for row in plan.rows]


def _reject_write(plan: Plan, rows: list[RowPlan], problem: ValidationError) -> NoReturn:
    """A bulk write refused (something changed between the check and the write): report it, write nothing."""
    if isinstance(problem, RowErrors):
        plan.issues = [
            _issue(plan.layout, rows[index].row, key, " ".join(messages))
            for index, error in problem.rows.items()
            for key, messages in _messages(error).items()
        ]
    else:
        plan.issues = [Issue(0, "", "", " ".join(problem.messages))]
    raise _Rejected(plan) from None


def _messages(problem: ValidationError) -> dict:
    return problem.message_dict if hasattr(problem, "error_dict") else {"id_number": problem.messages}


# --- Error file and export ----------------------------------------------------------------


def issues_of(roster_import: RosterImport) -> list[Issue]:
    return [Issue(*item) for item in roster_import.summary.get("errors", [])]


def roster_import_error_file(*, user, roster_import: RosterImport, out) -> None:
    """The uploaded file with an error column added (and the wrong cells marked); it holds the
    file's ID numbers as uploaded, so the download is logged like a roster export."""
    roster_io.write_error_copy(_file_bytes(roster_import), out, issues_of(roster_import))
    ExportLog.objects.create(
        user=user,
        organisation=roster_import.organisation,
        kind=ExportKind.IMPORT_ERRORS,
        rows=roster_import.total_rows,
        masked=False,
    )


def roster_export(*, user, organisation: Organisation, out, masked: bool) -> int:
    """Write the roster of a branch, or of every branch under a committee, to ``out``; a read, not a write.

    ``masked`` hides most of the ID and phone numbers (for reviewers, DOMAIN §8); the
    unmasked export is for the branch's secretary and admins only. Every export is logged.
    """
    members = (
        selectors.visible_members(user)
        .filter(organisation__path__startswith=organisation.path, status=MemberStatus.ACTIVE)
        .select_related("organisation", "party_group")
        .order_by("organisation__path", "name", "pk")
    )

    def records():
        for member in members.iterator(chunk_size=2000):
            record = {c.field: getattr(member, c.field) for c in roster_io.COLUMNS}
            record["party_group"] = member.party_group.name if member.party_group else ""
            record["organisation"] = member.organisation.name
            if masked:
                record["id_number"] = privacy.mask_id_number(member.id_number)
                record["phone"] = privacy.mask_phone(member.phone)
            yield record

    count = roster_io.write_roster(out, records())
    ExportLog.objects.create(
        user=user, organisation=organisation, kind=ExportKind.ROSTER, rows=count, masked=masked
    )
    logger.info(
        "roster export: user=%s organisation=%s members=%s masked=%s",
        user.pk,
        organisation.pk,
        count,
        masked,
    )
    return count
