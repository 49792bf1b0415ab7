"""换届选举 pages: the list, the request form, one page per election with the forms of its step, the PDF.

Who sees what: a branch's secretary and the reviewers above (``as_member=False``); everyone else 404.
The page shows only the forms the user may use at the election's status (``services.may`` and
``services.step_error``); every POST goes to one service. A refused role → 404, a wrong step or bad
input → the service's message on the page with what was typed kept.
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches import access
from branches import selectors as branch_selectors
from branches.forms import add_errors

from .. import elections as rules
from .. import pdf
from .. import selectors_elections as selectors
from ..forms_elections import (
    ApproveForm,
    BallotForm,
    DocForm,
    ElectionForm,
    MeetingForm,
    ReasonForm,
    ReportForm,
)
from ..models import ElectionStatus, RoundKind
from ..services import elections as services

PAGE_SIZE = 30

# The stepper: a label per milestone; ``ACHIEVED`` says how many are behind each status.
STEPS = ["起草请示", "已请示", "已批复", "选举大会/计票", "已报告", "已批准"]
ACHIEVED = {"draft": 0, "requested": 2, "approved": 3, "held": 4, "reported": 5, "confirmed": 6}
PDF_STATUSES = ("held", "reported", "confirmed")


def _crumbs(request, org):
    return branch_selectors.organisation_crumbs(request.user, org)


def _allowed(user, election, step: str) -> bool:
    if not election.organisation.is_active:
        return False
    return services.step_error(step, election.status) is None and services.may(user, election, step)


def _run(form, call):
    """Call a service; a refused role is a 404, a ValidationError lands on the form. True on success."""
    try:
        call()
    except PermissionDenied:
        raise Http404("没有找到该换届选举，或您无权操作。") from None
    except ValidationError as error:
        add_errors(form, error)
        return False
    return True


def _candidate_members(org):
    return services.eligible_members(org).order_by("name", "pk")


# ---------------------------------------------------------------- list and start


@require_GET
def election_list(request, pk):
    org = selectors.get_election_org_or_404(request.user, pk)
    today = timezone.localdate()
    page = Paginator(selectors.elections_of(request.user, org), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"org": org, "page": page, "breadcrumb": _crumbs(request, org), "current_crumb": "换届选举"}
    if org.is_branch:
        info = selectors.term_info(org, today)
        is_open = any(e.is_open for e in page.object_list) or (
            page.number > 1 and selectors.open_election(org) is not None
        )
        context |= {
            "term": info.term,
            "term_status": info.status,
            "term_due": info.is_due,
            "can_start": org.is_active and access.can_record(request.user, org) and not is_open,
        }
    return render(request, "meetings/elections/list.html", context)


@require_http_methods(["GET", "POST"])
def election_start(request, pk):
    org = selectors.get_election_org_or_404(request.user, pk)
    if not (org.is_active and access.can_record(request.user, org)):
        raise Http404("没有找到该组织，或您无权发起换届。")
    existing = selectors.open_election(org)
    if existing is not None:
        messages.info(request, "该组织已有一次正在进行的换届选举。")
        return redirect(existing)
    form = ElectionForm(request.POST or None, members=_candidate_members(org), initial={"seats": 5})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        created = {}

        def call():
            created["election"] = services.election_start(
                organisation=org,
                seats=d["seats"],
                has_deputy=d["has_deputy"],
                member_ids=[m.pk for m in d["candidates"]],
                note=d["note"],
                by=request.user,
            )

        if _run(form, call):
            election = created["election"]
            problems = services.candidate_errors(election)
            if problems:
                for p in problems:
                    messages.warning(request, p)
            else:
                messages.success(request, "已起草换届请示，核对后填写请示文号报送上级党组织。")
            return redirect(election)
    return render(
        request,
        "meetings/elections/form.html",
        {"org": org, "form": form, "breadcrumb": _crumbs(request, org), "current_crumb": "发起换届"},
    )


@require_http_methods(["GET", "POST"])
def election_edit(request, pk):
    election = selectors.get_election_or_404(request.user, pk)
    if not services.may(request.user, election, "edit"):
        raise Http404("没有找到该换届选举，或您无权操作。")
    org = election.organisation
    initial = {
        "seats": election.seats,
        "has_deputy": election.has_deputy,
        "note": election.request_note,
        "candidates": [c.member_id for c in election.candidates.all()],
    }
    form = ElectionForm(request.POST or None, members=_candidate_members(org), initial=initial)
    error = services.step_error("edit", election.status)
    if error:
        messages.error(request, error)
        return redirect(election)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if _run(
            form,
            lambda: services.election_update(
                election=election,
                seats=d["seats"],
                has_deputy=d["has_deputy"],
                member_ids=[m.pk for m in d["candidates"]],
                note=d["note"],
                by=request.user,
            ),
        ):
            messages.success(request, "已保存换届请示。")
            return redirect(election)
    return render(
        request,
        "meetings/elections/form.html",
        {
            "org": org,
            "election": election,
            "form": form,
            "breadcrumb": _crumbs(request, org),
            "current_crumb": "修改换届请示",
        },
    )


# ---------------------------------------------------------------- the detail page


def _detail(request, election, bound: dict | None = None, status: int = 200):
    user, bound = request.user, bound or {}
    data = selectors.election_data(election)
    allowed = {step: _allowed(user, election, step) for step in services.STEPS}
    forms = {}
    context = {}
    if allowed["request"]:
        forms["request"] = bound.get("request") or DocForm(
            label="请示文号", initial={"doc_no": election.request_doc_no}
        )
        context["candidate_errors"] = services.candidate_errors(election)
    if allowed["approve"]:
        forms["approve"] = bound.get("approve") or ApproveForm()
    if allowed["return"]:
        forms["return"] = bound.get("return") or ReasonForm(label="退回理由")
    if allowed["meeting"] and not data.rounds:
        forms["meeting"] = bound.get("meeting") or MeetingForm(
            meetings=selectors.election_meetings(election), initial={"meeting": election.meeting_id}
        )
    if election.entitled is not None:
        context["quorum"] = {
            "entitled": election.entitled,
            "present": election.present,
            "needed": rules.quorum_needed(election.entitled),
            "met": bool(election.entitled) and rules.quorum_met(election.entitled, election.present),
            "to_win": rules.votes_to_win(election.entitled),
        }
    plan = services.next_round(election) if election.status == ElectionStatus.APPROVED else None
    if plan is not None:
        kind, seats, standing = plan
        context["plan"] = {"kind": RoundKind(kind).label, "seats": seats, "standing": standing}
        if data.rounds:
            last = data.rounds[-1].round
            if not last.void and kind == RoundKind.RUNOFF:
                context["plan"]["why"] = f"得票相等，需在{len(standing)}名候选人之间再次投票，选出{seats}名。"
            elif not last.void:
                context["plan"]["why"] = f"尚缺{seats}名委员，需另行选举。"
    if allowed["round"] and election.meeting_id:
        context["quorum_error"] = services.quorum_error(election)
        if plan is not None and not context["quorum_error"] and plan[2]:
            forms["round"] = bound.get("round") or BallotForm(candidates=plan[2])
        if plan is not None and plan[0] == RoundKind.FURTHER and data.elected:
            forms["reduce"] = bound.get("reduce") or ReasonForm(label="经选举人同意减少名额的说明")
    if allowed["report"]:
        forms["report"] = bound.get("report") or ReportForm(
            elected=data.elected, has_deputy=election.has_deputy, initial={"doc_no": election.report_doc_no}
        )
    achieved = ACHIEVED.get(election.status, 0)
    context |= {
        "election": election,
        "org": election.organisation,
        "data": data,
        "forms": forms,
        "allowed": allowed,
        "stepper": [
            {"label": label, "done": n < achieved, "current": n == achieved} for n, label in enumerate(STEPS)
        ],
        "cancelled": election.status == ElectionStatus.CANCELLED,
        "has_pdf": election.status in PDF_STATUSES,
        "needed_candidates": rules.min_candidates(election.seats),
        "breadcrumb": _crumbs(request, election.organisation),
        "current_crumb": "换届选举",
    }
    return render(request, "meetings/elections/detail.html", context, status=status)


@require_GET
def election_detail(request, pk):
    return _detail(request, selectors.get_election_or_404(request.user, pk))


def _post_step(step: str, make_form, call, done: str, key: str = ""):
    """A detail-page form's POST: the role first (404), then the form, then the service."""

    @require_POST
    def view(request, pk):
        election = selectors.get_election_or_404(request.user, pk)
        if not services.may(request.user, election, step):
            raise Http404("没有找到该换届选举，或您无权操作。")
        form = make_form(request, election)
        error = services.step_error(step, election.status)
        if error:
            messages.error(request, error)
            return redirect(election)
        if form.is_valid() and _run(form, lambda: call(request, election, form.cleaned_data, form)):
            messages.success(request, done)
            return redirect(election)
        return _detail(request, election, {key or step: form})

    view.__name__ = f"election_{key or step}"
    return view


election_request = _post_step(
    "request",
    lambda r, e: DocForm(r.POST, label="请示文号"),
    lambda r, e, d, f: services.election_request(election=e, doc_no=d["doc_no"], by=r.user),
    "已报送换届请示，等待上级党组织批复。",
)
election_approve = _post_step(
    "approve",
    lambda r, e: ApproveForm(r.POST),
    lambda r, e, d, f: services.election_approve(
        election=e, doc_no=d["doc_no"], note=d["note"], seats=d["seats"], by=r.user
    ),
    "已批复换届请示。",
)
election_return = _post_step(
    "return",
    lambda r, e: ReasonForm(r.POST, label="退回理由"),
    lambda r, e, d, f: services.election_return(election=e, reason=d["reason"], by=r.user),
    "已退回，并通知了支部书记。",
)
election_meeting = _post_step(
    "meeting",
    lambda r, e: MeetingForm(r.POST, meetings=selectors.election_meetings(e)),
    lambda r, e, d, f: services.election_meeting_set(election=e, meeting=d["meeting"], by=r.user),
    "已确定选举大会，应到、实到人数取自会议出勤。",
)


def _ballot_form(request, election):
    plan = services.next_round(election)
    return BallotForm(request.POST, candidates=plan[2] if plan else [])


election_round = _post_step(
    "round",
    _ballot_form,
    lambda r, e, d, f: services.round_record(
        election=e, issued=d["issued"], returned=d["returned"], counts=f.counts(), by=r.user
    ),
    "已录入本轮计票结果。",
)
election_reduce = _post_step(
    "round",
    lambda r, e: ReasonForm(r.POST, label="经选举人同意减少名额的说明"),
    lambda r, e, d, f: services.seats_reduce(election=e, note=d["reason"], by=r.user),
    "已减少委员名额，选举结束。",
    key="reduce",
)


def _report_form(request, election):
    elected = [c for c in election.candidates.select_related("member") if c.elected]
    return ReportForm(request.POST, elected=elected, has_deputy=election.has_deputy)


election_report = _post_step(
    "report",
    _report_form,
    lambda r, e, d, f: services.result_report(
        election=e, positions=f.positions(), doc_no=d["doc_no"], by=r.user
    ),
    "已报告选举结果，等待上级党组织批准。",
)


# ---------------------------------------------------------------- confirm and cancel (own pages)


@require_http_methods(["GET", "POST"])
def election_confirm(request, pk):
    """批准选举结果: irreversible — its own page with the result to check before the document number."""
    election = selectors.get_election_or_404(request.user, pk)
    if not services.may(request.user, election, "confirm"):
        raise Http404("没有找到该换届选举，或您无权操作。")
    error = services.step_error("confirm", election.status)
    if error:
        messages.error(request, error)
        return redirect(election)
    form = DocForm(request.POST or None, label="批准文号")
    outcome = {}
    if request.method == "POST" and form.is_valid():

        def call():
            outcome.update(
                services.result_confirm(
                    election=election, doc_no=form.cleaned_data["doc_no"], by=request.user
                )
            )

        if _run(form, call):
            # The one-time password is shown in this response only: no redirect, nothing stored.
            response = render(
                request,
                "meetings/elections/confirmed.html",
                {
                    "election": election,
                    "org": election.organisation,
                    "outcome": outcome,
                    "breadcrumb": _crumbs(request, election.organisation),
                    "current_crumb": "换届选举",
                },
            )
            response["Cache-Control"] = "no-store"
            return response
    data = selectors.election_data(election)
    return render(
        request,
        "meetings/elections/confirm.html",
        {
            "election": election,
            "org": election.organisation,
            "data": data,
            "form": form,
            "breadcrumb": _crumbs(request, election.organisation),
            "current_crumb": "批准选举结果",
        },
    )


@require_http_methods(["GET", "POST"])
def election_cancel(request, pk):
    election = selectors.get_election_or_404(request.user, pk)
    if not services.may(request.user, election, "cancel"):
        raise Http404("没有找到该换届选举，或您无权操作。")
    error = services.step_error("cancel", election.status)
    if error:
        messages.error(request, error)
        return redirect(election)
    form = ReasonForm(request.POST or None, label="撤销理由")
    cancel = lambda: services.election_cancel(  # noqa: E731
        election=election, reason=form.cleaned_data["reason"], by=request.user
    )
    if request.method == "POST" and form.is_valid() and _run(form, cancel):
        messages.success(request, "已撤销本次换届选举。")
        return redirect(election)
    return render(
        request,
        "meetings/elections/cancel.html",
        {
            "election": election,
            "org": election.organisation,
            "form": form,
            "breadcrumb": _crumbs(request, election.organisation),
            "current_crumb": "撤销换届选举",
        },
    )


# ---------------------------------------------------------------- the printable result


@require_GET
def election_result_pdf(request, pk):
    election = selectors.get_election_or_404(request.user, pk)
    if election.status not in PDF_STATUSES:
        raise Http404("选举结果报告单在选举后才能生成。")
    started = time.perf_counter()
    content = pdf.election_result_pdf(election, selectors.election_data(election))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="election-{election.pk}.pdf"'
    response["Server-Timing"] = f"pdf;dur={(time.perf_counter() - started) * 1000:.0f}"
    return response


urls = [
    path("org/<int:pk>/elections/", election_list, name="election_list"),
    path("org/<int:pk>/elections/start/", election_start, name="election_start"),
    path("elections/<int:pk>/", election_detail, name="election_detail"),
    path("elections/<int:pk>/edit/", election_edit, name="election_edit"),
    path("elections/<int:pk>/request/", election_request, name="election_request"),
    path("elections/<int:pk>/approve/", election_approve, name="election_approve"),
    path("elections/<int:pk>/return/", election_return, name="election_return"),
    path("elections/<int:pk>/meeting/", election_meeting, name="election_meeting"),
    path("elections/<int:pk>/round/", election_round, name="election_round"),
    path("elections/<int:pk>/reduce/", election_reduce, name="election_reduce"),
    path("elections/<int:pk>/report/", election_report, name="election_report"),
    path("elections/<int:pk>/confirm/", election_confirm, name="election_confirm"),
    path("elections/<int:pk>/cancel/", election_cancel, name="election_cancel"),
    path("elections/<int:pk>/result.pdf", election_result_pdf, name="election_result_pdf"),
]
