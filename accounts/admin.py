from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts import models


class StaffProfileInline(admin.StackedInline):
    model = models.StaffProfile
    fk_name = "user"
    autocomplete_fields = ["supervisor", "locations"]
    extra = 0


@admin.register(models.User)
class UserAdmin(DjangoUserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff"]
    list_filter = ["groups", "is_active", "is_staff"]


@admin.register(models.StaffGrade)
class StaffGradeAdmin(admin.ModelAdmin):
    list_display = ["grade", "title", "short_title"]


@admin.register(models.StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "employee_id", "grade", "supervisor", "licence_expires_on", "hourly_rate"]
    list_filter = ["grade"]
    search_fields = ["employee_id", "user__username", "user__last_name"]
    autocomplete_fields = ["user", "supervisor", "locations"]
    list_select_related = ["user", "grade", "supervisor"]
