"""示范点 (model sites): five-star branches, sampling re-checks and exits (DOMAIN §5).

A reviewer in scope (``access.can_assess``) records a sampling re-check (抽查复核) of an
active site and takes a site off the list (退出机制) with the reason. ``sites_sample`` draws
a reproducible random sample of the active sites in a scope for the re-check.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from branches import access
from branches.models import Organisation

from .. import rules
from ..models import CheckResult, ModelSite, Rating, SiteCheck, SiteStatus

NOTE_MAX = 500
REASON_MAX = 300
DEFAULT_SAMPLE_RATIO = Decimal("0.20")


@transaction.atomic
def site_enter(*, rating: Rating, entered_on: dt.date) -> ModelSite:
    """A five-star naming puts the branch on the model-site list (once while it is active)."""
    site = ModelSite.objects.filter(organisation=rating.organisation, status=SiteStatus.ACTIVE).first()
    if site is not None:
        return site
    return ModelSite.objects.create(
        organisation=rating.organisation, org_path=rating.org_path, rating=rating, entered_on=entered_on
    )


def _locked(site: ModelSite, by) -> ModelSite:
    site = ModelSite.objects.select_for_update().select_related("organisation").get(pk=site.pk)
    if not access.can_assess(by, site.organisation):
        raise PermissionDenied
    return site


def _day(on, *, site: ModelSite, today: dt.date, label: str) -> dt.date:
    if not isinstance(on, dt.date):
        raise ValidationError({"on": f"请填写{label}。"})
    if on > today:
        raise ValidationError({"on": f"{label}不能晚于今天。"})
    if on < site.entered_on:
        raise ValidationError(
            {"on": f"{label}不能早于确定为示范点的日期（{site.entered_on:%Y年%m月%d日}）。"}
        )
    return on


def _text(value, *, field: str, label: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: f"请填写{label}。"})
    if len(value) > limit:
        raise ValidationError({field: f"{label}不能超过{limit}个字（现为{len(value)}个字）。"})
    return value


@transaction.atomic
def site_check(
    *, site: ModelSite, on: dt.date, result: str, note: str, by, today: dt.date | None = None
) -> SiteCheck:
    """抽查复核: a reviewer records a re-check of an active site, pass or fail, with what was found."""
    today = today or timezone.localdate()
    site = _locked(site, by)
    if site.status != SiteStatus.ACTIVE:
        raise ValidationError("该示范点已退出，不能再记录抽查。")
    if result not in (CheckResult.PASS, CheckResult.FAIL):
        raise ValidationError({"result": "请选择抽查结果：合格或不合格。"})
    on = _day(on, site=site, today=today, label="抽查日期")
    note = _text(note, field="note", label="抽查情况", limit=NOTE_MAX)
    if site.checks.filter(on=on).exists():
        raise ValidationError({"on": f"{on:%Y年%m月%d日}已记录过对该示范点的抽查。"})
    return SiteCheck.objects.create(site=site, on=on, result=result, note=note, by=by)


@transaction.atomic
def site_exit(*, site: ModelSite, on: dt.date, reason: str, by, today: dt.date | None = None) -> ModelSite:
    """退出机制: the site leaves the list (active → exited) on a day, with the reason."""
    today = today or timezone.localdate()
    site = _locked(site, by)
    if site.status != SiteStatus.ACTIVE:
        raise ValidationError("该示范点已经退出。")
    on = _day(on, site=site, today=today, label="退出日期")
    reason = _text(reason, field="reason", label="退出原因", limit=REASON_MAX)
    changed = ModelSite.objects.filter(pk=site.pk, status=SiteStatus.ACTIVE).update(
        status=SiteStatus.EXITED, exited_on=on, exit_reason=reason
    )
    if not changed:
        raise ValidationError("该示范点已经退出。")
    site.status, site.exited_on, site.exit_reason = SiteStatus.EXITED, on, reason
    return site


def parse_ratio(value) -> Decimal:
    """A sampling ratio between 0 (excluded) and 1, from a form or a query string."""
    try:
        ratio = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"ratio": "抽查比例应为0到1之间的小数，例如0.2。"}) from None
    if not ratio.is_finite() or ratio <= 0 or ratio > 1:
        raise ValidationError({"ratio": "抽查比例应大于0且不超过1。"})
    return ratio


def sites_sample(*, scope: Organisation, ratio: Decimal, seed: int) -> list[int]:
    """Ids of the active sites in ``scope``'s subtree drawn for a re-check (same seed, same draw)."""
    ids = ModelSite.objects.filter(org_path__startswith=scope.path, status=SiteStatus.ACTIVE).values_list(
        "pk", flat=True
    )
    return rules.draw_sample(ids, ratio, seed)
