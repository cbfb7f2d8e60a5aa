"""Output shapes of the time and pay API."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import TimeEntry, Timesheet


class TimeEntryOutputSerializer(serializers.ModelSerializer):
    location_id = serializers.IntegerField(allow_null=True, read_only=True)
    user_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "user_id",
            "work_date",
            "kind",
            "hours",
            "mileage",
            "location_id",
            "note",
            "updated_at",
        ]


class TimesheetOutputSerializer(serializers.ModelSerializer):
    """Figures as computed under ``rule_id`` (in force from ``rule_effective_from``).

    ``total_hours`` is hours worked (leave excluded); with ``overtime_eligible`` false the pay and
    comp time are 0 and the overtime hours are recorded only.
    """

    user_id = serializers.IntegerField(read_only=True)
    user_name = serializers.SerializerMethodField()
    employee_id = serializers.SerializerMethodField()
    rule_id = serializers.IntegerField(read_only=True)
    rule_effective_from = serializers.DateField(source="rule.effective_from", read_only=True)
    overtime_eligible = serializers.BooleanField(source="rule.eligible", read_only=True)
    signed_off_by_id = serializers.IntegerField(allow_null=True, read_only=True)

    class Meta:
        model = Timesheet
        fields = [
            "id",
            "user_id",
            "user_name",
            "employee_id",
            "week_start",
            "status",
            "rule_id",
            "rule_effective_from",
            "overtime_eligible",
            "total_hours",
            "overtime_hours_approved",
            "overtime_hours_unapproved",
            "overtime_pay",
            "comp_time_hours",
            "mileage",
            "signed_off_by_id",
            "signed_off_at",
            "version",
        ]

    def get_user_name(self, timesheet: Timesheet) -> str:
        return timesheet.user.get_full_name() or timesheet.user.get_username()

    def get_employee_id(self, timesheet: Timesheet) -> str:
        profile = getattr(timesheet.user, "profile", None)
        return profile.employee_id if profile is not None else ""
