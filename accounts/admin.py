from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("handle",)
    list_display = ("handle", "email", "display_name", "trust_level", "suspended_until", "is_staff")
    list_filter = ("is_staff", "is_superuser", "is_active", "trust_level", "groups")
    search_fields = ("handle", "email", "display_name")
    fieldsets = (
        (None, {"fields": ("handle", "email", "password")}),
        ("Profile", {"fields": ("display_name", "bio", "avatar", "links", "feed_preference")}),
        ("Standing", {"fields": ("trust_level", "suspended_until", "suspension_reason")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("handle", "email", "password1", "password2")}),
    )
