"""星级评定标准 (rating templates), for admins: the year's templates with their weight check,
启用 (refused with the reasons) and 复制为下一年度. Items are edited in the Django admin."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from branches import access

from ..models import Dimension, RatingTemplate, TemplateItem
from ..services import ratings as rating_services
from ..services import templates as services


def _admin_or_404(user) -> None:
    if not access.is_admin(user):
        raise Http404("没有找到该页面。")


def _get_template_or_404(pk) -> RatingTemplate:
    try:
        return RatingTemplate.objects.get(pk=pk)
    except (RatingTemplate.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该评定标准。") from None


def _year(value, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


@require_GET
def template_list(request):
    _admin_or_404(request.user)
    years = sorted(set(RatingTemplate.objects.values_list("year", flat=True)), reverse=True)
    year = _year(request.GET.get("year"), timezone.localdate().year)
    templates = list(
        RatingTemplate.objects.filter(year=year)
        .prefetch_related(
            Prefetch("items", queryset=TemplateItem.objects.order_by("order", "pk")), "thresholds", "vetoes"
        )
        .order_by("status", "pk")
    )
    labels = dict(Dimension.choices)
    cards = []
    for template in templates:
        items = list(template.items.all())
        by_dimension = [
            (labels[code], [i for i in items if i.dimension == code])
            for code in Dimension.values
            if any(i.dimension == code for i in items)
        ]
        totals = {}
        for i in items:
            totals[i.item_type] = totals.get(i.item_type, 0) + i.max_points
        cards.append(
            {
                "template": template,
                "dimensions": by_dimension,
                "totals": totals,
                "errors": rating_services.template_errors(template),
                "thresholds": sorted(template.thresholds.all(), key=lambda t: -t.stars),
                "vetoes": list(template.vetoes.all()),
                "admin_url": reverse("admin:assessment_ratingtemplate_change", args=[template.pk]),
            }
        )
    return render(
        request,
        "assessment/templates/template_list.html",
        {"year": year, "years": sorted(set(years) | {year}, reverse=True), "cards": cards},
    )


@require_POST
def template_activate(request, pk):
    _admin_or_404(request.user)
    template = _get_template_or_404(pk)
    back = f"{reverse('assessment:template_list')}?year={template.year}"
    try:
        rating_services.template_activate(template)
    except ValidationError as error:
        messages.error(request, "不能启用：" + "；".join(error.messages))
    else:
        messages.success(request, f"已启用“{template}”，同年度原启用的标准已停用。")
    return redirect(back)


@require_POST
def template_copy(request, pk):
    _admin_or_404(request.user)
    template = _get_template_or_404(pk)
    try:
        copy = services.template_copy(template=template)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect(f"{reverse('assessment:template_list')}?year={template.year}")
    messages.success(request, f"已复制为{copy.year}年度草稿，请核对后启用。")
    return redirect(f"{reverse('assessment:template_list')}?year={copy.year}")


urls = [
    path("templates/", template_list, name="template_list"),
    path("templates/<int:pk>/activate/", template_activate, name="template_activate"),
    path("templates/<int:pk>/copy/", template_copy, name="template_copy"),
]
