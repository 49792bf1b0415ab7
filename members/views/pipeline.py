"""The development pipeline (发展党员): the branch's list, and one page a step."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from branches import access
from branches import selectors as branch_selectors
from branches.forms import add_errors

from .. import rules
from .. import selectors_pipeline as selectors
from ..forms_pipeline import ProbationExtendForm, StageAdvanceForm
from ..models import PIPELINE_STAGES, MemberStatus, Stage
from ..selectors import get_member_or_404
from ..services import pipeline as services

PAGE_SIZE = 50


def pipeline(request, pk):
    branch = selectors.get_list_branch_or_404(request.user, pk)
    stage = request.GET.get("stage", "")
    if stage not in PIPELINE_STAGES:
        stage = ""
    today = timezone.localdate()
    page = Paginator(selectors.pipeline_members(request.user, branch, stage=stage), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [selectors.pipeline_row(member, today) for member in page]
    counts = selectors.pipeline_stage_counts(request.user, branch)
    return render(
        request,
        "members/pipeline/pipeline.html",
        {
            "org": branch,
            "page": page,
            "rows": rows,
            "stage": stage,
            "tabs": [(s, Stage(s).label, counts[s]) for s in PIPELINE_STAGES],
            "total": sum(counts.values()),
            "can_record": branch.is_active and access.can_record(request.user, branch),
            "warning_days": rules.PROBATION_WARNING_DAYS,
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, branch),
        },
    )


def _pipeline_member_or_404(request, pk):
    member = get_member_or_404(request.user, pk, edit=True)
    if member.status != MemberStatus.ACTIVE:
        raise Http404("该人员已不在册。")
    return member


def stage_advance(request, pk):
    """One step of the pipeline: the page shows what will be recorded; POST records it."""
    member = _pipeline_member_or_404(request, pk)
    to_stage = services.NEXT_STAGE.get(member.stage)
    if to_stage is None:
        raise Http404("正式党员没有下一个发展步骤。")
    form = StageAdvanceForm(request.POST or None, to_stage=to_stage)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.stage_advance(
                member=member,
                to_stage=data["to_stage"],
                on=data["on"],
                document=data["document"],
                note=data["note"],
                recorded_by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, f"已为{member.name}办理“{services.STEP_LABELS[to_stage]}”，记录已保存。"
            )
            return redirect("members:pipeline", member.organisation_id)
    return render(
        request,
        "members/pipeline/step_form.html",
        {
            "form": form,
            "member": member,
            "row": selectors.pipeline_row(member, timezone.localdate()),
            "step_label": services.STEP_LABELS[to_stage],
            "to_stage_label": Stage(to_stage).label,
            "needs_meeting": to_stage in services.DOCUMENT_REQUIRED,
            "submit_label": f"确认{services.STEP_LABELS[to_stage]}",
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, member.organisation),
        },
    )


def probation_extend(request, pk):
    member = _pipeline_member_or_404(request, pk)
    if member.stage != Stage.PROBATIONARY:
        raise Http404("只有预备党员才能延长预备期。")
    form = ProbationExtendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.probation_extend(
                member=member,
                months=data["months"],
                on=data["on"],
                document=data["document"],
                note=data["note"],
                recorded_by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已将{member.name}的预备期延长{data['months']}个月。")
            return redirect("members:pipeline", member.organisation_id)
    return render(
        request,
        "members/pipeline/extend_form.html",
        {
            "form": form,
            "member": member,
            "row": selectors.pipeline_row(member, timezone.localdate()),
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, member.organisation),
        },
    )


urls = [
    path("org/<int:pk>/pipeline/", pipeline, name="pipeline"),
    path("<int:pk>/advance/", stage_advance, name="stage_advance"),
    path("<int:pk>/probation/extend/", probation_extend, name="probation_extend"),
]
