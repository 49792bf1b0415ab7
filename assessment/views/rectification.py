"""软弱涣散整顿 (rectification): the list of cases, a case's items, and the moves of an item.

Reviewers in scope read the cases of their subtree, open a case by hand, add items, verify
close-outs (整改销号) or send them back; the branch's secretary reads the branch's cases,
adds items and reports them done with evidence. Anyone else, a member's grant included: 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from branches import access
from branches.forms import DateInput, add_errors
from branches.rules import BRANCH_KINDS

from .. import selectors_rectification as selectors
from ..models import CaseStatus, ItemStatus
from ..services import rectification as services
from .common import crumbs, refused_as_404

PAGE_SIZE = 30
CONTENT_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


# ---------------------------------------------------------------- forms


class CaseForm(forms.Form):
    code = forms.CharField(
        label="支部组织代码",
        max_length=32,
        help_text="要列入整顿的党支部的组织代码（见组织详情页）。",
    )
    reason = forms.CharField(
        label="整顿原因",
        max_length=services.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="例如：班子软弱涣散、组织生活长期不正常等。",
    )
    opened_on = forms.DateField(label="确定日期", widget=DateInput(), initial=timezone.localdate)

    def __init__(self, *args, ask_code: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_code:
            del self.fields["code"]


class ItemForm(forms.Form):
    problem = forms.CharField(
        label="问题", max_length=services.PROBLEM_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    measure = forms.CharField(
        label="整改措施", max_length=services.MEASURE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.CharField(label="责任人", max_length=services.OWNER_MAX)
    deadline = forms.DateField(label="完成时限", widget=DateInput())


class DoneForm(forms.Form):
    note = forms.CharField(
        label="完成情况",
        max_length=services.DONE_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="简要说明采取了哪些措施、取得了什么效果。",
    )
    evidence = forms.FileField(
        label="佐证材料（可选）",
        required=False,
        help_text="PDF、JPG 或 PNG 文件，按文件内容判断类型。",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


class VerifyForm(forms.Form):
    note = forms.CharField(
        label="验收意见（可选）",
        required=False,
        max_length=services.VERIFY_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label="我已核实该事项整改到位，确认销号（销号后不能撤回）",
        error_messages={"required": "请勾选确认后再销号。"},
    )


class ReopenForm(forms.Form):
    note = forms.CharField(
        label="退回理由",
        max_length=services.VERIFY_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="说明哪些方面尚未整改到位，支部将收到通知。",
    )


# ---------------------------------------------------------------- helpers


def _roles(user, org) -> dict:
    can_assess = access.can_assess(user, org)
    can_record = access.can_record(user, org)
    return {"can_assess": can_assess, "can_record": can_record}


def _case_or_404(request, pk, *, allowed):
    case = selectors.get_case_or_404(request.user, pk)
    if not allowed(request.user, case.organisation):
        raise Http404("没有找到该整顿，或您无权操作。")
    return case


def _item_or_404(request, pk, *, allowed):
    item = selectors.get_item_or_404(request.user, pk)
    if not allowed(request.user, item.case.organisation):
        raise Http404("没有找到该整改事项，或您无权操作。")
    return item


def _status_or_redirect(request, item, status: str, action: str):
    """A stale page or a second click: the item has moved on; say so on the case's page."""
    if item.status == status:
        return None
    messages.error(request, f"该事项当前为“{item.get_status_display()}”，不能{action}。")
    return redirect(item.case)


def _may_add(user, org) -> bool:
    return access.can_assess(user, org) or access.can_record(user, org)


def _branch_by_code(user, scope, code: str):
    """A branch in ``scope``'s subtree that the user may assess, by its 组织代码; None otherwise."""
    org = (
        access.visible_organisations(user, as_member=False)
        .filter(code=(code or "").strip(), path__startswith=scope.path, kind__in=BRANCH_KINDS)
        .first()
    )
    return org if org is not None and access.can_assess(user, org) else None


# ---------------------------------------------------------------- pages


@require_GET
def case_list(request, pk):
    org = selectors.get_scope_or_404(request.user, pk)
    today = timezone.localdate()
    status = request.GET.get("status", "")
    if status not in (*selectors.CASE_FILTERS, "overdue"):
        status = ""
    cases = selectors.cases_in(org, today=today, status=status or None)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.case_counts(org, today=today)
    filters = [
        ("", "全部", counts["open"] + counts["closed"]),
        ("open", "整顿中", counts["open"]),
        ("overdue", "有逾期事项", counts["overdue"]),
        ("closed", "已销号", counts["closed"]),
    ]
    return render(
        request,
        "assessment/rectification/case_list.html",
        {
            "org": org,
            "page": page,
            "status": status,
            "filters": filters,
            "can_open": org.is_active and access.can_assess(request.user, org),
            **crumbs(request, org, "软弱涣散整顿"),
        },
    )


@require_http_methods(["GET", "POST"])
def case_add(request, pk):
    """A reviewer lists a branch of the scope for rectification by hand, with the reason."""
    org = selectors.get_scope_or_404(request.user, pk)
    if not access.can_assess(request.user, org):
        raise Http404("没有找到该组织，或您无权操作。")
    ask_code = org.kind not in BRANCH_KINDS
    form = CaseForm(request.POST or None, ask_code=ask_code)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        branch = _branch_by_code(request.user, org, data["code"]) if ask_code else org
        if branch is None:
            form.add_error("code", f"在{org.name}范围内没有找到组织代码为“{data['code']}”的党支部。")
        else:
            try:
                case = services.case_open_by_reviewer(
                    organisation=branch, reason=data["reason"], opened_on=data["opened_on"], by=request.user
                )
            except PermissionDenied:
                form.add_error("code", "您无权将该支部列入整顿。")
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, f"已将{branch.name}列入软弱涣散党组织整顿，请添加整改事项。")
                return redirect(case)
    return render(
        request,
        "assessment/rectification/case_form.html",
        {"org": org, "form": form, **crumbs(request, org, "列入整顿")},
    )


@require_GET
def case_detail(request, pk):
    case = selectors.get_case_or_404(request.user, pk)
    today = timezone.localdate()
    items = selectors.case_items(case, today=today)
    roles = _roles(request.user, case.organisation)
    return render(
        request,
        "assessment/rectification/case_detail.html",
        {
            "case": case,
            "org": case.organisation,
            "items": items,
            "today": today,
            "is_open": case.status == CaseStatus.OPEN,
            "counts": {
                "open": sum(i.status == ItemStatus.OPEN for i in items),
                "done": sum(i.status == ItemStatus.DONE for i in items),
                "verified": sum(i.status == ItemStatus.VERIFIED for i in items),
                "overdue": sum(i.overdue_days > 0 for i in items),
            },
            "can_add": case.status == CaseStatus.OPEN and (roles["can_assess"] or roles["can_record"]),
            **roles,
            **crumbs(request, case.organisation, "整顿详情"),
        },
    )


def _item_page(request, *, case, item=None, form, title: str, template="item_form.html", **extra):
    return render(
        request,
        f"assessment/rectification/{template}",
        {
            "case": case,
            "org": case.organisation,
            "item": item,
            "form": form,
            "title": title,
            **extra,
            **crumbs(request, case.organisation, title),
        },
    )


@require_http_methods(["GET", "POST"])
@refused_as_404
def item_add(request, pk):
    case = _case_or_404(request, pk, allowed=_may_add)
    if case.status != CaseStatus.OPEN:
        messages.error(request, "该整顿已销号，不能再添加整改事项。")
        return redirect(case)
    form = ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.item_add(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已添加整改事项“{item.problem}”。")
            return redirect(case)
    return _item_page(request, case=case, form=form, title="添加整改事项", submit_label="添加")


@require_http_methods(["GET", "POST"])
@refused_as_404
def item_done(request, pk):
    item = _item_or_404(request, pk, allowed=access.can_record)
    case = item.case
    if request.method == "GET" and (moved := _status_or_redirect(request, item, ItemStatus.OPEN, "报告完成")):
        return moved
    form = DoneForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_done(
                item=item,
                note=form.cleaned_data["note"],
                evidence=form.cleaned_data["evidence"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已报告“{item.problem}”整改完成，等待上级党委验收销号。")
            return redirect(case)
    return _item_page(
        request,
        case=case,
        item=item,
        form=form,
        title="报告整改完成",
        submit_label="报告完成",
        multipart=True,
    )


@require_http_methods(["GET", "POST"])
@refused_as_404
def item_verify(request, pk):
    """整改销号: a confirm page; the reviewer ticks the box, since a verified item stays verified."""
    item = _item_or_404(request, pk, allowed=access.can_assess)
    case = item.case
    if request.method == "GET" and (moved := _status_or_redirect(request, item, ItemStatus.DONE, "验收销号")):
        return moved
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_verify(item=item, note=form.cleaned_data["note"], by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            case.refresh_from_db(fields=["status", "closed_on"])
            if case.status == CaseStatus.CLOSED:
                messages.success(request, f"已销号“{item.problem}”。全部整改事项已销号，整顿结束。")
            else:
                messages.success(request, f"已销号“{item.problem}”。")
            return redirect(case)
    return _item_page(
        request,
        case=case,
        item=item,
        form=form,
        title="验收销号",
        submit_label="确认销号",
        submit_class="btn-party",
    )


@require_http_methods(["GET", "POST"])
@refused_as_404
def item_reopen(request, pk):
    item = _item_or_404(request, pk, allowed=access.can_assess)
    case = item.case
    if request.method == "GET" and (moved := _status_or_redirect(request, item, ItemStatus.DONE, "退回")):
        return moved
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_reopen(item=item, note=form.cleaned_data["note"], by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已将“{item.problem}”退回支部继续整改。")
            return redirect(case)
    return _item_page(request, case=case, item=item, form=form, title="退回整改", submit_label="退回")


@require_GET
def item_evidence(request, pk):
    """The evidence of an item the user may see, found through that scope, never by its path."""
    item = selectors.get_item_or_404(request.user, pk)
    if not item.evidence:
        raise Http404("该事项没有佐证材料。")
    try:
        handle = item.evidence.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("佐证材料文件已不存在。") from None
    ext = "." + item.evidence.name.rsplit(".", 1)[-1].lower() if "." in item.evidence.name else ""
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"整改佐证-{item.pk}{ext}",
        content_type=CONTENT_TYPES.get(ext, "application/octet-stream"),
    )


urls = [
    path("org/<int:pk>/rectification/", case_list, name="case_list"),
    path("org/<int:pk>/rectification/open/", case_add, name="case_add"),
    path("rectification/<int:pk>/", case_detail, name="case_detail"),
    path("rectification/<int:pk>/items/add/", item_add, name="item_add"),
    path("rectification/items/<int:pk>/done/", item_done, name="item_done"),
    path("rectification/items/<int:pk>/verify/", item_verify, name="item_verify"),
    path("rectification/items/<int:pk>/reopen/", item_reopen, name="item_reopen"),
    path("rectification/items/<int:pk>/evidence/", item_evidence, name="item_evidence"),
]
