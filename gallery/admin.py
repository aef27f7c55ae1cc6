"""Admin for staff picks: every change goes through the service, like the site's button, so
the picks page's cache version moves and only moderators (superusers included) may pick."""

from django.contrib import admin

from gallery.models import StaffPick
from gallery.services.explore import staff_pick_set


@admin.register(StaffPick)
class StaffPickAdmin(admin.ModelAdmin):
    list_display = ("artwork", "picked_by", "created_at")
    list_select_related = ("artwork", "picked_by")
    raw_id_fields = ("artwork",)
    readonly_fields = ("picked_by", "created_at")
    ordering = ("-created_at", "-id")

    def save_model(self, request, obj, form, change):
        # The service writes the row (and refuses non-moderators and unpublished posts with
        # typed errors, shown by the admin as an error page).
        staff_pick_set(moderator=request.user, artwork=obj.artwork, picked=True)
        obj.pk = StaffPick.objects.get(artwork=obj.artwork).pk

    def delete_model(self, request, obj):
        staff_pick_set(moderator=request.user, artwork=obj.artwork, picked=False)

    def delete_queryset(self, request, queryset):
        # One service call per pick: each is checked and retires the cached listing.
        for pick in queryset.select_related("artwork"):
            staff_pick_set(moderator=request.user, artwork=pick.artwork, picked=False)
