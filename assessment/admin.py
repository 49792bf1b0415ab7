"""Django admin for assessment: templates are edited here (items, thresholds, vetoes); activation
and copying happen on the portal page (they check the weights). Workflow records are read-only:
every change of a rating goes through ``assessment.services``."""

from django.contrib import admin

from .models import (
    Acceptance,
    AcceptancePolicy,
    Evidence,
    ModelSite,
    Objection,
    Publicity,
    Rating,
    RatingEvent,
    RatingTemplate,
    RatingVeto,
    RectificationCase,
    RectificationItem,
    Score,
    SiteCheck,
    SpotCheck,
    SpotCheckDraw,
    StarThreshold,
    TemplateItem,
    VetoItem,
)


class _FrozenWhenUsed:
    """Inline rows of a template that ratings already use cannot change: the ratings point at them."""

    def _used(self, obj) -> bool:
        return obj is not None and obj.ratings.exists()

    def has_add_permission(self, request, obj=None):
        return not self._used(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._used(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._used(obj) and super().has_delete_permission(request, obj)


class TemplateItemInline(_FrozenWhenUsed, admin.TabularInline):
    model = TemplateItem
    extra = 0
    fields = [
        "order",
        "dimension",
        "item_type",
        "title",
        "max_points",
        "evidence_required",
        "indicator",
        "mapping",
    ]


class StarThresholdInline(_FrozenWhenUsed, admin.TabularInline):
    model = StarThreshold
    extra = 0
    max_num = 5


class VetoItemInline(_FrozenWhenUsed, admin.TabularInline):
    model = VetoItem
    extra = 0


@admin.register(RatingTemplate)
class RatingTemplateAdmin(admin.ModelAdmin):
    list_display = ["year", "name", "status", "created_at"]
    list_filter = ["year", "status"]
    readonly_fields = ["status", "created_at"]
    inlines = [TemplateItemInline, StarThresholdInline, VetoItemInline]

    def has_delete_permission(self, request, obj=None):
        return (obj is None or not obj.ratings.exists()) and super().has_delete_permission(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records kept by the services: viewable, not added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ScoreInline(ReadOnlyInline):
    model = Score
    fields = ["item", "indicator_value", "auto_points", "self_points", "points", "self_note"]


class RatingVetoInline(ReadOnlyInline):
    model = RatingVeto
    fields = ["veto", "note", "by", "at"]


class EventInline(ReadOnlyInline):
    model = RatingEvent
    fields = ["action", "from_stage", "to_stage", "note", "by", "at"]


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ["item", "name", "size", "sha256", "uploaded_by", "uploaded_at"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "year", "stage", "self_total", "total", "proposed_stars", "final_stars"]
    list_filter = ["year", "stage", "final_stars"]
    search_fields = ["organisation__name", "organisation__code"]
    inlines = [ScoreInline, RatingVetoInline, EvidenceInline, EventInline]


class ObjectionInline(ReadOnlyInline):
    model = Objection
    fields = ["created_at", "text", "name", "status", "handling", "handled_by", "handled_at"]


@admin.register(Publicity)
class PublicityAdmin(ReadOnlyAdmin):
    list_display = ["title", "subject", "organisation", "starts_on", "ends_on"]
    list_filter = ["subject"]
    search_fields = ["title", "organisation__name"]
    date_hierarchy = "starts_on"
    inlines = [ObjectionInline]


class RectificationItemInline(ReadOnlyInline):
    model = RectificationItem
    fields = ["problem", "measure", "owner", "deadline", "status", "verified_by", "verified_at"]


@admin.register(RectificationCase)
class RectificationCaseAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "reason", "opened_on", "status", "closed_on"]
    list_filter = ["status"]
    search_fields = ["organisation__name", "organisation__code"]
    inlines = [RectificationItemInline]


class SiteCheckInline(ReadOnlyInline):
    model = SiteCheck
    fields = ["on", "result", "note", "by"]


@admin.register(ModelSite)
class ModelSiteAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "entered_on", "status", "exited_on"]
    list_filter = ["status"]
    search_fields = ["organisation__name", "organisation__code"]
    inlines = [SiteCheckInline]


@admin.register(AcceptancePolicy)
class AcceptancePolicyAdmin(admin.ModelAdmin):
    """The year's spot-check ratio and target share are data an admin sets."""

    list_display = ["year", "spot_check_ratio", "target_share"]


@admin.register(Acceptance)
class AcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "year", "status", "applied_at", "accepted_at"]
    list_filter = ["year", "status"]
    search_fields = ["organisation__name", "organisation__code"]


class SpotCheckInline(ReadOnlyInline):
    model = SpotCheck
    fields = ["acceptance", "result", "note", "checked_on", "by"]


@admin.register(SpotCheckDraw)
class SpotCheckDrawAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "year", "ratio", "seed", "population", "drawn_at"]
    list_filter = ["year"]
    inlines = [SpotCheckInline]
