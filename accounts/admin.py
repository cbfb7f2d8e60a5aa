from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from knox.models import AuthToken

from accounts import models
from accounts.choices import LockoutKind
from accounts.services import lockouts
from core.admin import AuditedModelAdmin, OldNewChangeMessageMixin


class StaffProfileInline(admin.StackedInline):
    model = models.StaffProfile
    fk_name = "user"
    autocomplete_fields = ["supervisor", "locations"]
    extra = 0


@admin.register(models.User)
class UserAdmin(OldNewChangeMessageMixin, DjangoUserAdmin):  # type: ignore[type-arg]
    inlines = [StaffProfileInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff"]
    list_filter = ["groups", "is_active", "is_staff"]
    actions = ["unlock_sign_in"]

    @admin.action(description="Unlock sign-in (clear failed sign-ins)")
    def unlock_sign_in(self, request: HttpRequest, queryset: QuerySet[models.User]) -> None:
        for user in queryset:
            lockouts.lockout_clear(kind=LockoutKind.USERNAME, value=user.username, cleared_by=request.user)  # type: ignore[arg-type]
        self.message_user(request, f"Unlocked sign-in for {queryset.count()} user(s).", messages.SUCCESS)


@admin.register(models.StaffGrade)
class StaffGradeAdmin(AuditedModelAdmin):
    list_display = ["grade", "title", "short_title"]


@admin.register(models.StaffProfile)
class StaffProfileAdmin(AuditedModelAdmin):
    list_display = ["user", "employee_id", "grade", "supervisor", "licence_expires_on", "hourly_rate"]
    list_filter = ["grade"]
    search_fields = ["employee_id", "user__username", "user__last_name"]
    autocomplete_fields = ["user", "supervisor", "locations"]
    list_select_related = ["user", "grade", "supervisor"]


# API tokens are made by their owner on the token page (shown once there); the admin lists and
# revokes them (delete), never shows a digest or makes one.
admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class AuthTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "token_key", "created", "expiry"]
    search_fields = ["user__username", "token_key"]
    list_select_related = ["user"]
    fields = ["user", "token_key", "created", "expiry"]
    readonly_fields = ["user", "token_key", "created", "expiry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuthToken | None = None) -> bool:
        return False
