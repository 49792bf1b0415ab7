"""本组织适用的组织生活要求 — what applies to an organisation and why — and the admin's overrides.

The requirements page is read by the branch's secretary and the reviewers
above it; the override pages are for admins only (everyone else: 404).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches import access
from branches import selectors as branch_selectors
from branches.forms import add_errors

from .. import compliance, selectors, selectors_requirements
from ..forms_requirements import OverrideForm
from ..models import ComplianceStatus, Period
from ..services import requirements as services
from .compliance import STATUS_LOOK, percent, period_text, progress

SOURCES = {"default": "全国默认", "sector": "领域调整", "organisation": "本组织调整"}
QUARTERS = {"1,2,3": "第一季度", "4,5,6": "第二季度", "7,8,9": "第三季度", "10,11,12": "第四季度"}


def usual_text(usual_months: str) -> str:
    """“10,11,12” → “通常在第四季度”; other lists of months → “通常在3、9月”."""
    months = [m.strip() for m in (usual_months or "").split(",") if m.strip().isdigit()]
    if not months:
        return ""
    key = ",".join(months)
    return f"通常在{QUARTERS[key]}" if key in QUARTERS else f"通常在{'、'.join(months)}月"


@dataclass
class Line:
    """One requirement as the page shows it: the figures in force, where they come from, this period."""

    cell: compliance.Cell

    @property
    def requirement(self):
        return self.cell.requirement

    @property
    def figures(self):
        return self.cell.figures

    @property
    def period(self) -> str:
        return Period(self.figures.period).label

    @property
    def source(self) -> str:
        return SOURCES.get(self.figures.source, self.figures.source)

    @property
    def applies(self) -> bool:
        return self.cell.status != ComplianceStatus.NOT_APPLICABLE

    @property
    def look(self):
        return STATUS_LOOK[self.cell.status]

    @property
    def usual(self) -> str:
        return usual_text(self.requirement.usual_months)

    @property
    def progress(self) -> str:
        return progress(self.requirement.condition, self.cell.expected, self.cell.held)

    @property
    def attendance(self) -> str:
        return percent(self.cell.attendance_rate)

    @property
    def period_label(self) -> str:
        return period_text(self.cell)


@require_GET
def requirements(request, pk):
    org = selectors.get_compliance_org_or_404(request.user, pk)
    today = timezone.localdate()
    return render(
        request,
        "meetings/requirements.html",
        {
            "org": org,
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, org),
            "current_crumb": "适用要求",
            "lines": [Line(cell) for cell in selectors.requirements_of(org, today)],
            "today": today,
            "is_admin": access.is_admin(request.user),
        },
    )


# --- the admin's overrides ---------------------------------------------------------------------


@require_GET
def overrides(request):
    found = list(selectors_requirements.requirements_with_overrides(request.user))
    return render(
        request,
        "meetings/overrides.html",
        {"requirements": found, "overridden": sum(len(r.overrides.all()) for r in found)},
    )


@require_http_methods(["GET", "POST"])
def override_add(request, req_pk):
    requirement = selectors_requirements.get_requirement_or_404(request.user, req_pk)
    form = OverrideForm(request.POST or None, requirement=requirement, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            override = services.override_save(
                requirement=requirement,
                effective_from=data["effective_from"],
                reason=data["reason"],
                sector=data["sector"],
                organisation=data["organisation"],
                applies=data["applies"],
                period=data["period"],
                min_count=data["min_count"],
                min_attendance=data["min_attendance"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            target = override.organisation.name if override.organisation_id else override.get_sector_display()
            messages.success(
                request,
                f"已保存：{target}的“{requirement.kind.name}”自{override.effective_from:%Y年%m月%d日}起按新要求考核，"
                "达标情况将在后台重新计算。",
            )
            return redirect("meetings:overrides")
    return render(request, "meetings/override_form.html", {"form": form, "requirement": requirement})


@require_POST
def override_delete(request, pk):
    override = selectors_requirements.get_override_or_404(request.user, pk)
    text = str(override)
    services.override_delete(override=override)
    messages.success(request, f"已删除调整“{text}”，达标情况将在后台重新计算。")
    return redirect(reverse("meetings:overrides"))


urls = [
    path("org/<int:pk>/requirements/", requirements, name="requirements"),
    path("requirements/", overrides, name="overrides"),
    path("requirements/<int:req_pk>/override/", override_add, name="override_add"),
    path("requirements/override/<int:pk>/delete/", override_delete, name="override_delete"),
]
