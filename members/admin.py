from django.contrib import admin
from django.utils import timezone

from .models import (
    Appointment,
    DuesBase,
    DuesPayment,
    DuesRate,
    ExportLog,
    Member,
    Remittance,
    RosterImport,
    StageChange,
    Transfer,
)


class NoDeleteMixin:
    """History depends on these rows: they are closed or corrected, never deleted (nothing is lost)."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Member)
class MemberAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "organisation", "stage", "status", "dues_category", "completeness"]
    list_filter = ["stage", "status", "dues_category", "is_mobile", "is_lost"]
    search_fields = ["name", "organisation__name", "organisation__code"]
    raw_id_fields = ["organisation", "party_group", "user"]
    readonly_fields = ["completeness", "created_at", "updated_at"]
    list_select_related = ["organisation"]


@admin.register(StageChange)
class StageChangeAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["member", "stage", "on", "document"]
    list_filter = ["stage"]
    search_fields = ["member__name", "document"]
    raw_id_fields = ["member", "recorded_by"]
    list_select_related = ["member"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["term", "position", "member", "appointed_on", "ended_on"]
    list_filter = ["position"]
    search_fields = ["member__name", "term__organisation__name"]
    raw_id_fields = ["term", "member"]
    list_select_related = ["term__organisation", "member"]


@admin.register(Transfer)
class TransferAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["member", "direction", "from_organisation", "to_organisation", "status", "requested_on"]
    list_filter = ["direction", "status"]
    search_fields = ["member__name", "letter_no", "external_organisation"]
    raw_id_fields = ["member", "from_organisation", "to_organisation", "requested_by", "decided_by"]
    list_select_related = ["member", "from_organisation", "to_organisation"]


@admin.register(DuesRate)
class DuesRateAdmin(admin.ModelAdmin):
    """党费交纳标准: admins add a year's rows when the standard changes (a category takes effect
    from the year that has its row without an upper bound)."""

    list_display = [
        "year",
        "category",
        "upper",
        "percent",
        "amount",
        "min_amount",
        "max_amount",
        "updated_at",
    ]
    list_filter = ["year", "category"]
    readonly_fields = ["created_at", "updated_at"]
    fields = ["year", "category", "upper", "percent", "amount", "min_amount", "max_amount", *readonly_fields]

    def has_delete_permission(self, request, obj=None):
        # A standard that was in force explains the amounts fixed under it; only a year
        # still to come may be withdrawn.
        if obj is not None and obj.year <= timezone.localdate().year:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(DuesBase)
class DuesBaseAdmin(admin.ModelAdmin):
    list_display = ["member", "year", "category", "base", "monthly_amount"]
    list_filter = ["year", "category"]
    search_fields = ["member__name"]
    raw_id_fields = ["member"]
    list_select_related = ["member"]


@admin.register(DuesPayment)
class DuesPaymentAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["member", "month", "amount_due", "amount_paid", "paid_on", "receipt_no"]
    list_filter = ["month"]
    search_fields = ["member__name", "receipt_no"]
    raw_id_fields = ["member", "recorded_by"]
    readonly_fields = ["updated_at"]
    list_select_related = ["member"]


@admin.register(Remittance)
class RemittanceAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["organisation", "month_from", "month_to", "total", "voucher_no", "remitted_on"]
    search_fields = ["organisation__name", "organisation__code", "voucher_no"]
    raw_id_fields = ["organisation", "recorded_by"]
    readonly_fields = ["created_at"]
    list_select_related = ["organisation"]


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    list_display = ["organisation", "original_name", "status", "total_rows", "created_at", "finished_at"]
    list_filter = ["status"]
    search_fields = ["organisation__name", "original_name"]
    raw_id_fields = ["organisation", "uploaded_by"]
    readonly_fields = ["summary", "task_id", "created_at", "finished_at"]
    list_select_related = ["organisation"]


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    """The log of personal-data downloads: read only, never edited or deleted."""

    list_display = ["at", "user", "organisation", "kind", "rows", "masked"]
    list_filter = ["kind", "masked"]
    search_fields = ["organisation__name", "user__username"]
    list_select_related = ["organisation", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
