"""Moderation in the Django admin: read-only where history must not change."""

from django.contrib import admin

from moderation.models import AuditEntry, Case, Decision, Flag, Report


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_role", "actor", "action", "case", "artwork_id")
    list_filter = ("actor_role", "action")
    search_fields = ("reason",)


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "case", "moderator", "by_community", "reversed_at")
    list_filter = ("action",)


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("pk", "artwork", "reason", "status", "risk_score", "opened_at", "closed_at")
    list_filter = ("status", "reason")


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "reason", "source", "artwork", "reporter", "status")
    list_filter = ("source", "reason", "status")


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("period", "start", "end", "created_at")
