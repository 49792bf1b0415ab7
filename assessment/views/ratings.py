"""星级评定 pages: the list, the rating's page with its stepper, and one page per step of the workflow.

The branch's secretary fills the self-assessment (``can_record``); the committee above reviews
(``can_assess``, never the branch's own secretary); the county re-checks and names
(``can_assess_higher``). Every write is a call to ``assessment.services.ratings``:
PermissionDenied becomes 404, a ValidationError a message or form errors on the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches import access
from branches import selectors as branch_selectors
from branches.forms import add_errors

from .. import rules
from .. import selectors_ratings as selectors
from ..forms import (
    EvidenceForm,
    NoteForm,
    RatingFilterForm,
    ScoreForm,
    SelfAssessmentForm,
    StartForm,
)
from ..models import ItemType, Stage
from ..services import ratings as services

PAGE_SIZE = 50
NOTICE_DAYS = 7  # the default 公示 period: today and the six days after


def _crumbs(request, org) -> list:
    return branch_selectors.organisation_crumbs(request.user, org)


def _call(function, **kwargs):
    """A service call whose PermissionDenied answers 404 (a refused role sees nothing)."""
    try:
        return function(**kwargs)
    except PermissionDenied:
        raise Http404("没有找到该星级评定，或您无权操作。") from None


def _message(error: ValidationError) -> str:
    return "；".join(error.messages)


# --- who may do what -------------------------------------------------------------------------------


def powers(user, rating) -> dict:
    """What ``user`` may do with ``rating`` at its current stage; nothing once it is named."""
    org, stage = rating.organisation, rating.stage
    record = access.can_record(user, org)
    assess = access.can_assess(user, org)
    higher = stage in (Stage.RECHECK, Stage.TO_NAME) and access.can_assess_higher(user, org)
    role_ok = {"secretary": record, "committee": assess, "higher": higher}
    actions = {
        action for action, (stages, role) in rules.TRANSITIONS.items() if stage in stages and role_ok[role]
    }
    return {
        "record": record,
        "assess": assess,
        "higher": higher,
        "actions": actions,
        "edit_self": stage == Stage.SELF and record,
        "add_evidence": stage in (Stage.SELF, Stage.REVIEW) and record,
        "score": stage == Stage.REVIEW and assess,
        "veto": stage in (Stage.REVIEW, Stage.RECHECK) and assess,
    }


def _role_or_404(user, rating, role: str) -> None:
    check = {
        "secretary": access.can_record,
        "committee": access.can_assess,
        "higher": access.can_assess_higher,
    }
    if not check[role](user, rating.organisation):
        raise Http404("没有找到该星级评定，或您无权操作。")


def _step_or_redirect(request, rating, action: str):
    """The role for ``action`` (404 otherwise) and the stage (a message and the rating's page otherwise)."""
    _, role = rules.TRANSITIONS[action]
    _role_or_404(request.user, rating, role)
    error = rules.transition_error(action, rating.stage)
    if error:
        messages.error(request, error)
        return redirect(rating)
    return None


def stepper(rating) -> list[dict]:
    """The stages as steps: done, current, to do, or skipped (the re-check of a non-five-star rating)."""
    order = Stage.values
    at = order.index(rating.stage)
    skipped = (
        rating.proposed_stars is not None
        and rating.proposed_stars < rules.MODEL_SITE_STARS
        and not rating.recheck_note
        and rating.stage not in (Stage.RECHECK, Stage.FINAL_NOTICE)
    )
    steps = []
    for index, (value, label) in enumerate(Stage.choices):
        if value in (Stage.RECHECK, Stage.FINAL_NOTICE) and skipped:
            state = "skipped"
        elif index < at or (index == at and value == Stage.NAMED):
            state = "done"
        elif index == at:
            state = "current"
        else:
            state = "todo"
        steps.append(
            {
                "value": value,
                "label": label,
                "state": state,
                "five_only": value in (Stage.RECHECK, Stage.FINAL_NOTICE),
                "number": index + 1,
            }
        )
    return steps


# --- the list --------------------------------------------------------------------------------------


@require_GET
def rating_list(request, pk):
    """A branch: its ratings by year (and 开始自评); a committee: its subtree's branches for a year."""
    user = request.user
    org = selectors.get_rating_org_or_404(user, pk)
    today = timezone.localdate()
    form = RatingFilterForm(request.GET)
    filters = form.filters(default_year=today.year)
    context = {
        "org": org,
        "form": form,
        "filters": filters,
        "years": range(today.year, today.year - 6, -1),
        "breadcrumb": _crumbs(request, org),
    }
    if org.is_branch:
        can_start = org.is_active and access.can_record(user, org)
        context |= {
            "ratings": list(selectors.ratings_of_branch(org)),
            "start_years": selectors.startable_years(org, today=today) if can_start else [],
        }
        return render(request, "assessment/ratings/branch_ratings.html", context)
    if not access.can_review(user, org):
        raise Http404("没有找到该组织，或您无权查看。")
    rows = selectors.branch_rows(user, org, **filters)
    context |= {
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "counts": selectors.stage_counts(user, org, year=filters["year"]),
        "stages": [(value, label) for value, label in Stage.choices],
        "stage_choices": form.fields["stage"].choices,
        "star_choices": form.fields["stars"].choices,
    }
    return render(request, "assessment/ratings/rating_list.html", context)


@require_POST
def rating_start(request, pk):
    """开始自评: the secretary opens the branch's rating for a year (once; a second click opens the same)."""
    org = selectors.get_rating_org_or_404(request.user, pk)
    if not org.is_branch or not access.can_record(request.user, org):
        raise Http404("没有找到该组织，或您无权操作。")
    form = StartForm(request.POST)
    today = timezone.localdate()
    if not form.is_valid() or form.cleaned_data["year"] > today.year:
        messages.error(request, "请选择要开始自评的年度。")
        return redirect("assessment:rating_list", org.pk)
    try:
        rating = _call(
            services.rating_start,
            organisation=org,
            year=form.cleaned_data["year"],
            by=request.user,
            today=today,
        )
    except ValidationError as error:
        messages.error(request, _message(error))
        return redirect("assessment:rating_list", org.pk)
    messages.success(request, f"已开始{rating.year}年度星级自评，自动指标已按现有数据预填。")
    return redirect("assessment:rating_self", rating.pk)


# --- the rating's page ---------------------------------------------------------------------------------


def _detail_context(request, rating, *, score_forms=None, veto_form=None) -> dict:
    detail = selectors.rating_detail(rating)
    can = powers(request.user, rating)
    forms_by_item = score_forms or {}
    if can["score"]:
        for block in detail.dimensions:
            for score in block.scores:
                if score.item_id not in forms_by_item:
                    forms_by_item[score.item_id] = ScoreForm(
                        initial={"item": score.item_id, "points": score.points},
                        auto_id=f"score{score.item_id}_%s",
                    )
                score.form = forms_by_item[score.item_id]
    notice = detail.publicities[-1] if detail.publicities else None
    return {
        "rating": rating,
        "org": rating.organisation,
        "detail": detail,
        "can": can,
        "steps": stepper(rating),
        "notice": notice,
        "veto_form": veto_form,
        "stars_now": services.stars_now(rating) if can["score"] else None,
        "breadcrumb": _crumbs(request, rating.organisation),
    }


@require_GET
def rating_detail(request, pk):
    rating = selectors.get_rating_or_404(request.user, pk)
    return render(request, "assessment/ratings/rating_detail.html", _detail_context(request, rating))


# --- 支部自评 -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def rating_self(request, pk):
    """The self-assessment on one screen: every item the branch scores, its note, and the 述职要点."""
    rating = selectors.get_rating_or_404(request.user, pk)
    _role_or_404(request.user, rating, "secretary")
    if rating.stage != Stage.SELF:
        messages.error(request, f"当前环节为“{rating.get_stage_display()}”，自评已提交，不能再修改得分。")
        return redirect(rating)
    scores = list(rating.scores.select_related("item"))
    data = request.POST if request.method == "POST" else None
    form = SelfAssessmentForm(data, scores=scores, initial={"report": rating.report})
    if data is not None and form.is_valid():
        try:
            _call(
                services.self_scores_save,
                rating=rating,
                by=request.user,
                entries=form.entries(),
                report=form.cleaned_data["report"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "已保存自评得分。")
            if data.get("action") == "submit":
                return redirect("assessment:rating_submit", rating.pk)
            return redirect(rating)
    with_files = set(rating.evidence.values_list("item_id", flat=True))
    return render(
        request,
        "assessment/ratings/self_form.html",
        {
            "rating": rating,
            "org": rating.organisation,
            "form": form,
            "lines": form.lines(),
            "with_files": with_files,
            "breadcrumb": _crumbs(request, rating.organisation),
        },
    )


@require_POST
def rating_refresh(request, pk):
    """按最新数据刷新自动指标: untouched automatic scores follow the data again."""
    rating = selectors.get_rating_or_404(request.user, pk)
    _role_or_404(request.user, rating, "secretary")
    if rating.stage != Stage.SELF:
        messages.error(request, "只有在“支部自评”环节可以刷新自动指标。")
        return redirect(rating)
    services.indicators_refresh(rating, today=timezone.localdate())
    messages.success(request, "已按最新数据刷新自动指标；您改过的得分保持不变。")
    return redirect("assessment:rating_self", rating.pk)


@require_http_methods(["GET", "POST"])
def rating_evidence(request, pk):
    """佐证材料: upload a file for an item; the list of files by item."""
    rating = selectors.get_rating_or_404(request.user, pk)
    _role_or_404(request.user, rating, "secretary")
    scores = list(rating.scores.select_related("item").exclude(item__item_type=ItemType.APPRAISAL))
    items = sorted((s.item for s in scores), key=lambda i: (not i.evidence_required, i.order, i.pk))
    data = request.POST if request.method == "POST" else None
    initial = {"item": request.GET.get("item")} if request.GET.get("item") else {}
    form = EvidenceForm(data, request.FILES or None, items=items, initial=initial)
    if data is not None and form.is_valid():
        item = form.items[form.cleaned_data["item"]]
        try:
            added = _call(
                services.evidence_add,
                rating=rating,
                item=item,
                file=form.cleaned_data["file"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已为“{item.title}”上传佐证材料“{added.name}”。")
            return redirect(f"{reverse('assessment:rating_evidence', args=[rating.pk])}?item={item.pk}")
    files = {}
    for e in rating.evidence.select_related("uploaded_by"):
        files.setdefault(e.item_id, []).append(e)
    return render(
        request,
        "assessment/ratings/evidence.html",
        {
            "rating": rating,
            "org": rating.organisation,
            "form": form,
            "items": [(i, files.get(i.pk, [])) for i in items],
            "can_add": rating.stage in (Stage.SELF, Stage.REVIEW),
            "breadcrumb": _crumbs(request, rating.organisation),
        },
    )


@require_GET
def evidence_download(request, pk):
    """A file of a rating the user may see, found through that scope, never by its path."""
    evidence = selectors.get_evidence_or_404(request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("佐证材料文件已不存在。") from None
    return FileResponse(handle, as_attachment=True, filename=evidence.name)


@require_http_methods(["GET", "POST"])
def rating_submit(request, pk):
    """提交自评, after a confirmation page that lists what is still missing."""
    rating = selectors.get_rating_or_404(request.user, pk)
    refused = _step_or_redirect(request, rating, "submit")
    if refused:
        return refused
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _call(services.rating_submit, rating=rating, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "自评已提交，等待党委考评。")
            return redirect(rating)
    return render(
        request,
        "assessment/ratings/submit_confirm.html",
        {
            "rating": rating,
            "org": rating.organisation,
            "form": form,
            "missing": services.submit_errors(rating),
            "breadcrumb": _crumbs(request, rating.organisation),
        },
    )


urls = [
    path("org/<int:pk>/ratings/", rating_list, name="rating_list"),
    path("org/<int:pk>/ratings/start/", rating_start, name="rating_start"),
    path("rating/<int:pk>/", rating_detail, name="rating_detail"),
    path("rating/<int:pk>/self/", rating_self, name="rating_self"),
    path("rating/<int:pk>/refresh/", rating_refresh, name="rating_refresh"),
    path("rating/<int:pk>/evidence/", rating_evidence, name="rating_evidence"),
    path("evidence/<int:pk>/", evidence_download, name="evidence_download"),
    path("rating/<int:pk>/submit/", rating_submit, name="rating_submit"),
]
