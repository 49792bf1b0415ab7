"""The committee's and the county's steps of a rating: scores, vetoes, return, 公示, re-check, naming.

The secretary's side (list, self-assessment, evidence, submit) and the helpers shared by both
are in ``views/ratings.py``.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from branches.forms import add_errors

from .. import rules
from .. import selectors_ratings as selectors
from ..forms import (
    NamingForm,
    NoteForm,
    PublishForm,
    RecheckForm,
    ReturnForm,
    ScoreForm,
    VetoForm,
)
from ..models import ItemType, Stage
from ..services import ratings as services
from .ratings import NOTICE_DAYS, _call, _crumbs, _detail_context, _message, _role_or_404, _step_or_redirect

# --- 党委考评 ------------------------------------------------------------------------------------------


@require_POST
def score_set(request, pk):
    """The committee changes one item's score with a note, or enters the 述职评议 score."""
    rating = selectors.get_rating_or_404(request.user, pk)
    _role_or_404(request.user, rating, "committee")
    form = ScoreForm(request.POST, auto_id=f"score{request.POST.get('item', '')}_%s")
    item = None
    if form.is_valid():
        item = rating.template.items.filter(pk=form.cleaned_data["item"]).first()
        if item is None:
            form.add_error(None, "该项目不属于本次评定。")
    if form.is_valid():
        try:
            _call(
                services.score_set,
                rating=rating,
                item=item,
                points=form.cleaned_data["points"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已更新“{item.title}”的考评得分。")
            return redirect(f"{rating.get_absolute_url()}#item-{item.pk}")
    if item is None:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect(rating)
    messages.error(request, f"“{item.title}”的得分未保存，请查看该项的提示。")
    context = _detail_context(request, rating, score_forms={item.pk: form})
    return render(request, "assessment/ratings/rating_detail.html", context)


@require_POST
def veto_mark(request, pk):
    rating = selectors.get_rating_or_404(request.user, pk)
    _role_or_404(request.user, rating, "committee")
    form = VetoForm(request.POST)
    veto = None
    if form.is_valid():
        veto = rating.template.vetoes.filter(pk=form.cleaned_data["veto"]).first()
        if veto is None:
            form.add_error(None, "该否决项不属于本次评定标准。")
    if form.is_valid():
        try:
            _call(
                services.veto_mark, rating=rating, veto=veto, note=form.cleaned_data["note"], by=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已认定一票否决：{veto.title}。")
            return redirect(rating)
    messages.error(
        request, "未能认定一票否决：" + "；".join(e for errors in form.errors.values() for e in errors)
    )
    context = _detail_context(request, rating, veto_form=form)
    return render(request, "assessment/ratings/rating_detail.html", context)


@require_POST
def veto_clear(request, pk):
    rating = selectors.get_rating_or_404(request.user, pk)
    _role_or_404(request.user, rating, "committee")
    form = VetoForm(request.POST)
    veto = rating.template.vetoes.filter(pk=form.cleaned_data["veto"]).first() if form.is_valid() else None
    if veto is None:
        messages.error(request, "请说明撤销一票否决的理由。")
        return redirect(rating)
    try:
        _call(services.veto_clear, rating=rating, veto=veto, note=form.cleaned_data["note"], by=request.user)
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, f"已撤销一票否决：{veto.title}。")
    return redirect(rating)


def _form_page(request, rating, *, template: str, form, title: str, **extra):
    return render(
        request,
        template,
        {
            "rating": rating,
            "org": rating.organisation,
            "form": form,
            "title": title,
            "breadcrumb": _crumbs(request, rating.organisation),
            **extra,
        },
    )


@require_http_methods(["GET", "POST"])
def rating_return(request, pk):
    rating = selectors.get_rating_or_404(request.user, pk)
    refused = _step_or_redirect(request, rating, "return")
    if refused:
        return refused
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _call(services.rating_return, rating=rating, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "已退回自评，支部书记会收到通知。")
            return redirect(rating)
    return _form_page(
        request,
        rating,
        template="assessment/ratings/action_form.html",
        form=form,
        title="退回自评",
        intro="退回后支部可修改自评得分和佐证材料，重新提交；退回理由记入流程记录。",
        submit_label="确认退回",
        submit_class="btn-warning",
    )


def _notice_initial(today: dt.date) -> dict:
    return {"starts_on": today, "ends_on": today + dt.timedelta(days=NOTICE_DAYS - 1)}


@require_http_methods(["GET", "POST"])
def rating_publish(request, pk):
    """考评结果公示: the stars the total reaches (capped by vetoes) go on the board for the period."""
    rating = selectors.get_rating_or_404(request.user, pk)
    refused = _step_or_redirect(request, rating, "publish")
    if refused:
        return refused
    form = PublishForm(request.POST or None, initial=_notice_initial(timezone.localdate()))
    if request.method == "POST" and form.is_valid():
        try:
            done = _call(services.review_publish, rating=rating, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, f"考评结果已公示：拟定{done.proposed_stars}星，公示期满后进入下一环节。"
            )
            return redirect(rating)
    stars = services.stars_now(rating)
    missing = [
        s.item.title
        for s in rating.scores.select_related("item").filter(
            item__item_type=ItemType.APPRAISAL, points__isnull=True
        )
    ]
    return _form_page(
        request,
        rating,
        template="assessment/ratings/action_form.html",
        form=form,
        title="考评结果公示",
        preview_stars=stars,
        five_candidate=stars == rules.MODEL_SITE_STARS,
        missing=missing,
        submit_label="确认公示",
        submit_class="btn-danger",
    )


@require_http_methods(["GET", "POST"])
def notice_close(request, pk):
    """公示结束: shows why it cannot close yet (the period runs, objections open) or closes it."""
    rating = selectors.get_rating_or_404(request.user, pk)
    refused = _step_or_redirect(request, rating, "close_notice")
    if refused:
        return refused
    today = timezone.localdate()
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = _call(
                services.notice_close,
                rating=rating,
                by=request.user,
                note=form.cleaned_data["note"],
                today=today,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"公示已结束，进入“{done.get_stage_display()}”环节。")
            return redirect(rating)
    detail = selectors.rating_detail(rating)
    notice = detail.publicities[-1] if detail.publicities else None
    blockers = []
    if notice is not None:
        if today <= notice.ends_on:
            blockers.append(f"公示期至{notice.ends_on:%Y年%m月%d日}结束，期满后才能进入下一环节。")
        if notice.open_objections:
            blockers.append(f"有{notice.open_objections}条异议尚未处理，请先记录处理情况。")
    after = rules.after_notice(rating.stage, rating.proposed_stars)
    return _form_page(
        request,
        rating,
        template="assessment/ratings/notice_close.html",
        form=form,
        title="公示结束",
        notice=notice,
        blockers=blockers,
        next_stage=dict(Stage.choices)[after],
    )


# --- 县级复核 and 统一命名 -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def rating_recheck(request, pk):
    rating = selectors.get_rating_or_404(request.user, pk)
    refused = _step_or_redirect(request, rating, "recheck")
    if refused:
        return refused
    form = RecheckForm(request.POST or None, initial={"stars": 5, **_notice_initial(timezone.localdate())})
    if request.method == "POST" and form.is_valid():
        try:
            done = _call(services.recheck_record, rating=rating, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已记录县级复核结论（{done.proposed_stars}星）并公示。")
            return redirect(rating)
    return _form_page(
        request,
        rating,
        template="assessment/ratings/action_form.html",
        form=form,
        title="县级复核",
        intro="五星候选党支部经实地复核后，维持五星或降为四星，复核结论公示。",
        submit_label="保存复核结论并公示",
        submit_class="btn-danger",
    )


@require_http_methods(["GET", "POST"])
def rating_name(request, pk):
    rating = selectors.get_rating_or_404(request.user, pk)
    refused = _step_or_redirect(request, rating, "name")
    if refused:
        return refused
    initial = {"stars": rating.proposed_stars, "named_on": timezone.localdate()}
    form = NamingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            done = _call(services.rating_name, rating=rating, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已命名为{done.final_stars}星级党支部。")
            return redirect(rating)
    return _form_page(
        request,
        rating,
        template="assessment/ratings/action_form.html",
        form=form,
        title="统一命名",
        intro="命名后评定只读；二星及以下列入软弱涣散整顿，五星列入示范点。",
        submit_label="确认命名",
        submit_class="btn-danger",
    )


urls = [
    path("rating/<int:pk>/score/", score_set, name="score_set"),
    path("rating/<int:pk>/veto/", veto_mark, name="veto_mark"),
    path("rating/<int:pk>/veto/clear/", veto_clear, name="veto_clear"),
    path("rating/<int:pk>/return/", rating_return, name="rating_return"),
    path("rating/<int:pk>/publish/", rating_publish, name="rating_publish"),
    path("rating/<int:pk>/close/", notice_close, name="notice_close"),
    path("rating/<int:pk>/recheck/", rating_recheck, name="rating_recheck"),
    path("rating/<int:pk>/name/", rating_name, name="rating_name"),
]
