from django.contrib import admin

from .models import (
    Appraisal,
    ComplianceRecord,
    Meeting,
    MeetingEvent,
    MeetingKind,
    Requirement,
    RequirementOverride,
    Resolution,
    Talk,
)


@admin.register(MeetingKind)
class MeetingKindAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order", "has_lecturer", "allows_votes", "for_groups"]


class OverrideInline(admin.TabularInline):
    model = RequirementOverride
    extra = 0
    raw_id_fields = ["organisation", "created_by"]


@admin.register(Requirement)
class RequirementAdmin(admin.ModelAdmin):
    list_display = ["kind", "org_kind", "period", "min_count", "min_attendance", "condition", "usual_months"]
    list_filter = ["org_kind", "period"]
    inlines = [OverrideInline]


class EventInline(admin.TabularInline):
    model = MeetingEvent
    extra = 0
    readonly_fields = ["kind", "note", "by", "at"]
    can_delete = False


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["topic", "kind", "organisation", "starts_at", "status", "is_late", "present_count"]
    list_filter = ["status", "is_late", "kind"]
    search_fields = ["topic", "organisation__name", "organisation__code"]
    raw_id_fields = ["organisation", "branch", "recorded_by"]
    date_hierarchy = "starts_at"
    inlines = [EventInline]


@admin.register(Resolution)
class ResolutionAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "eligible", "present", "yes", "written_yes", "passed"]
    raw_id_fields = ["meeting", "subject", "recorded_by"]


@admin.register(Talk)
class TalkAdmin(admin.ModelAdmin):
    list_display = ["organisation", "member_a", "member_b", "on", "occasion"]
    raw_id_fields = ["organisation", "member_a", "member_b", "recorded_by"]


@admin.register(Appraisal)
class AppraisalAdmin(admin.ModelAdmin):
    list_display = ["member", "organisation", "year", "result"]
    list_filter = ["year", "result"]
    raw_id_fields = ["organisation", "member", "recorded_by"]


@admin.register(ComplianceRecord)
class ComplianceRecordAdmin(admin.ModelAdmin):
    list_display = ["organisation", "requirement", "period_start", "expected", "held", "status"]
    list_filter = ["year", "status"]
    raw_id_fields = ["organisation"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
