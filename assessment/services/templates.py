"""Rating templates (星级评定标准): copying a year's scorecard as next year's draft.

Activation is ``services.ratings.template_activate`` (it checks the weights).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import RatingTemplate, StarThreshold, TemplateItem, TemplateStatus, VetoItem


@transaction.atomic
def template_copy(*, template: RatingTemplate, year: int | None = None) -> RatingTemplate:
    """A draft for ``year`` (default: the next year) with the same items, thresholds and vetoes.

    A second copy of the same template into the same year is refused, so a double click
    makes one draft.
    """
    year = year or template.year + 1
    name = template.name
    if (
        RatingTemplate.objects.select_for_update()
        .filter(year=year, name=name, status=TemplateStatus.DRAFT)
        .exists()
    ):
        raise ValidationError(f"{year}年度已有同名草稿“{name}”，请直接在系统管理中修改该草稿。")
    copy = RatingTemplate.objects.create(
        year=year,
        name=name,
        status=TemplateStatus.DRAFT,
        note=(f"复制自{template.year}年度。{template.note}")[:200],
    )
    TemplateItem.objects.bulk_create(
        TemplateItem(
            template=copy,
            dimension=i.dimension,
            item_type=i.item_type,
            title=i.title,
            max_points=i.max_points,
            evidence_required=i.evidence_required,
            indicator=i.indicator,
            mapping=i.mapping,
            order=i.order,
        )
        for i in template.items.all()
    )
    StarThreshold.objects.bulk_create(
        StarThreshold(template=copy, stars=t.stars, min_score=t.min_score) for t in template.thresholds.all()
    )
    VetoItem.objects.bulk_create(
        VetoItem(template=copy, title=v.title, max_stars=v.max_stars) for v in template.vetoes.all()
    )
    return copy
