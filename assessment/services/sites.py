"""示范点 (model sites): five-star branches, sampling re-checks and exits (DOMAIN §5)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from ..models import ModelSite, Rating, SiteStatus


@transaction.atomic
def site_enter(*, rating: Rating, entered_on: dt.date) -> ModelSite:
    """A five-star naming puts the branch on the model-site list (once while it is active)."""
    site = ModelSite.objects.filter(organisation=rating.organisation, status=SiteStatus.ACTIVE).first()
    if site is not None:
        return site
    return ModelSite.objects.create(
        organisation=rating.organisation, org_path=rating.org_path, rating=rating, entered_on=entered_on
    )
