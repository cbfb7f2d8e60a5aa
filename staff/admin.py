from django.contrib import admin

from staff import models


@admin.register(models.OvertimeRule)
class OvertimeRuleAdmin(admin.ModelAdmin):
    list_display = [
        "effective_from",
        "grade_min",
        "grade_max",
        "eligible",
        "prior_approval_required",
        "multiplier",
    ]
    list_filter = ["eligible"]


@admin.register(models.OvertimeDelegation)
class OvertimeDelegationAdmin(admin.ModelAdmin):
    list_display = ["supervisor", "delegate", "starts_on", "ends_on"]
    autocomplete_fields = ["supervisor", "delegate"]


class OvertimeRequestEventInline(admin.TabularInline):
    model = models.OvertimeRequestEvent
    extra = 0
    can_delete = False
    readonly_fields = ["actor", "kind", "rule", "comment", "occurred_at"]

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(models.OvertimeRequest)
class OvertimeRequestAdmin(admin.ModelAdmin):
    list_display = ["requester", "work_date", "expected_hours", "status", "is_emergency", "decided_by"]
    list_filter = ["status", "is_emergency"]
    date_hierarchy = "work_date"
    raw_id_fields = ["requester", "decided_by", "location", "rule", "tickets"]
    list_select_related = ["requester", "decided_by"]
    inlines = [OvertimeRequestEventInline]


@admin.register(models.OvertimeRequestEvent)
class OvertimeRequestEventAdmin(admin.ModelAdmin):
    """Append-only history: written by services, never edited in the admin."""

    list_display = ["request", "kind", "actor", "rule", "occurred_at"]
    list_filter = ["kind"]
    raw_id_fields = ["request", "actor", "rule"]
    list_select_related = ["request__requester", "actor", "rule"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(models.TimeEntry)
class TimeEntryAdmin(admin.ModelAdmin):
    list_display = ["user", "work_date", "kind", "hours", "mileage", "location"]
    list_filter = ["kind"]
    date_hierarchy = "work_date"
    raw_id_fields = ["user", "location", "overtime_request"]
    list_select_related = ["user", "location"]


@admin.register(models.Timesheet)
class TimesheetAdmin(admin.ModelAdmin):
    list_display = ["user", "week_start", "status", "total_hours", "overtime_hours_approved", "overtime_pay"]
    list_filter = ["status"]
    date_hierarchy = "week_start"
    raw_id_fields = ["user", "rule", "signed_off_by"]
    list_select_related = ["user"]
