from django.contrib import admin

from .models import Grant, Notice, Organisation, Term


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "sector", "parent", "status"]
    list_filter = ["kind", "sector", "status"]
    search_fields = ["name", "code"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "depth", "created_at", "updated_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # organisations are dissolved, never deleted


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["organisation", "number", "elected_on", "expires_on", "status"]
    list_filter = ["status"]
    search_fields = ["organisation__name", "organisation__code"]
    raw_id_fields = ["organisation"]


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organisation", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "organisation__name", "organisation__code"]
    raw_id_fields = ["user", "organisation"]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "recipient__username"]
    raw_id_fields = ["recipient", "organisation", "term"]
