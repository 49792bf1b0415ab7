"""Reads of star ratings for the rating pages, always scoped through branches.access.

A member-role grant does not show ratings (``as_member=False``): a secretary sees the
branch's own, a reviewer the subtree's, an admin everything.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from branches import access
from branches.models import Organisation, OrgKind, OrgStatus
from branches.rules import BRANCH_KINDS

from .models import (
    Dimension,
    Evidence,
    ObjectionStatus,
    Publicity,
    Rating,
    RatingTemplate,
    RatingVeto,
    Score,
    ScoreChange,
    Stage,
    TemplateStatus,
)

NOT_STARTED = "none"  # the stage filter's value for branches without a rating for the year


def rating_scope(user) -> QuerySet[Organisation]:
    return access.visible_organisations(user, as_member=False)


def visible_ratings(user) -> QuerySet[Rating]:
    return Rating.objects.filter(organisation__in=rating_scope(user))


def get_rating_or_404(user, pk) -> Rating:
    try:
        return (
            visible_ratings(user)
            .select_related("organisation", "organisation__parent", "template")
            .get(pk=pk)
        )
    except (Rating.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该星级评定，或您无权查看。") from None


def get_rating_org_or_404(user, pk) -> Organisation:
    """A branch or a committee whose ratings the user may read (not a party group, not as a member)."""
    org = access.get_organisation_or_404(user, pk)
    if org.kind == OrgKind.PARTY_GROUP or not rating_scope(user).filter(pk=org.pk).exists():
        raise Http404("没有找到该组织，或您无权查看。")
    return org


def get_evidence_or_404(user, pk) -> Evidence:
    try:
        return Evidence.objects.select_related("rating").get(pk=pk, rating__in=visible_ratings(user))
    except (Evidence.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该佐证材料，或您无权查看。") from None


# --- lists -----------------------------------------------------------------------------------------


def ratings_of_branch(organisation: Organisation) -> QuerySet[Rating]:
    """One branch's ratings, newest year first."""
    return Rating.objects.filter(organisation=organisation).select_related("template").order_by("-year")


def branch_rows(
    user, organisation: Organisation, *, year: int, stage: str = "", stars: int | None = None
) -> QuerySet[Organisation]:
    """The subtree's active branches the user may see, each annotated with its rating of ``year``.

    Branches without a rating for the year are included (``rating_id`` None); two queries
    a page (count and rows), whatever the number of branches.
    """
    year_rating = Rating.objects.filter(organisation=OuterRef("pk"), year=year)
    rows = (
        rating_scope(user)
        .filter(path__startswith=organisation.path, kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE)
        .annotate(
            rating_id=Subquery(year_rating.values("pk")[:1]),
            rating_stage=Subquery(year_rating.values("stage")[:1]),
            rating_total=Subquery(year_rating.values("total")[:1]),
            rating_self_total=Subquery(year_rating.values("self_total")[:1]),
            rating_stars=Subquery(
                year_rating.annotate(
                    s=Coalesce("final_stars", "proposed_stars", output_field=IntegerField())
                ).values("s")[:1]
            ),
        )
        .select_related("parent")
        .order_by("path")
    )
    if stage == NOT_STARTED:
        rows = rows.filter(rating_id__isnull=True)
    elif stage:
        rows = rows.filter(rating_stage=stage)
    if stars:
        rows = rows.filter(rating_stars=stars)
    return rows


def stage_counts(user, organisation: Organisation, *, year: int) -> dict[str, int]:
    """How many of the subtree's branches are at each stage for ``year`` (one grouped query)."""
    found = dict(
        Rating.objects.filter(
            organisation__in=rating_scope(user).filter(
                path__startswith=organisation.path, kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE
            ),
            year=year,
        )
        .values("stage")
        .annotate(n=Count("pk"))
        .values_list("stage", "n")
    )
    return {value: found.get(value, 0) for value in Stage.values}


# --- the detail ---------------------------------------------------------------------------------------


@dataclass
class DimensionBlock:
    code: str
    label: str
    scores: list[Score] = field(default_factory=list)


@dataclass
class RatingDetail:
    rating: Rating
    dimensions: list[DimensionBlock]
    events: list
    vetoes: list[RatingVeto]
    veto_items: list
    publicities: list[Publicity]
    evidence_count: int

    @property
    def marked_veto_ids(self) -> set[int]:
        return {v.veto_id for v in self.vetoes}


def rating_detail(rating: Rating) -> RatingDetail:
    """Everything the rating's page shows, in seven queries whatever the number of items.

    Each score carries ``item``, ``history`` (its ScoreChanges, oldest first) and ``files``
    (its evidence).
    """
    scores = list(
        rating.scores.select_related("item").prefetch_related(
            Prefetch("changes", queryset=ScoreChange.objects.select_related("by"), to_attr="adjustments")
        )
    )
    files = defaultdict(list)
    evidence = list(rating.evidence.select_related("uploaded_by").order_by("item_id", "pk"))
    for e in evidence:
        files[e.item_id].append(e)
    blocks = {code: DimensionBlock(code, label) for code, label in Dimension.choices}
    for score in scores:
        score.files = files.get(score.item_id, [])
        blocks[score.item.dimension].scores.append(score)
    publicities = list(
        rating.publicities.annotate(
            objection_count=Count("objections"),
            open_objections=Count("objections", filter=Q(objections__status=ObjectionStatus.OPEN)),
        ).order_by("starts_on", "pk")
    )
    return RatingDetail(
        rating=rating,
        dimensions=[b for b in blocks.values() if b.scores],
        events=list(rating.events.select_related("by")),
        vetoes=list(rating.vetoes.select_related("veto", "by")),
        veto_items=list(rating.template.vetoes.all()),
        publicities=publicities,
        evidence_count=len(evidence),
    )


def startable_years(organisation: Organisation, *, today) -> list[int]:
    """Years up to this one with an active template and no rating of the branch yet, newest first."""
    return list(
        RatingTemplate.objects.filter(status=TemplateStatus.ACTIVE, year__lte=today.year)
        .exclude(year__in=Rating.objects.filter(organisation=organisation).values("year"))
        .order_by("-year")
        .values_list("year", flat=True)[:2]
    )
