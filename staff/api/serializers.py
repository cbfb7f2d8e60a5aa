"""Output shapes of the accounts API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from staff.models import OvertimeRequest, OvertimeRequestEvent, OvertimeRule, TimeEntry, Timesheet
from staff.selectors import overtime as overtime_selectors

if TYPE_CHECKING:
    from repairs.models import Ticket

# Overtime ----------------------------------------------------------------------------------------


class OvertimeRuleOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = OvertimeRule
        fields = [
            "id",
            "effective_from",
            "grade_min",
            "grade_max",
            "eligible",
            "prior_approval_required",
            "multiplier",
            "weekly_threshold_hours",
            "workweek_start",
            "comp_time_allowed",
            "comp_time_rate",
            "comp_time_cap_hours",
            "notes",
            "created_by",
            "created_at",
        ]


class OvertimeRequestEventOutputSerializer(serializers.ModelSerializer):
    actor: serializers.StringRelatedField[User] = serializers.StringRelatedField()
    actor_id = serializers.IntegerField(read_only=True)
    rule_id = serializers.IntegerField(read_only=True, help_text="The rule version it was made under.")

    class Meta:
        model = OvertimeRequestEvent
        fields = ["id", "kind", "actor", "actor_id", "rule_id", "comment", "occurred_at"]


class OvertimeRequestOutputSerializer(serializers.ModelSerializer):
    """A request with the rule version it was made under (``rule``)."""

    requester: serializers.StringRelatedField[User] = serializers.StringRelatedField()
    requester_id = serializers.IntegerField(read_only=True)
    location_id = serializers.IntegerField(read_only=True, allow_null=True)
    decided_by: serializers.StringRelatedField[User] = serializers.StringRelatedField(
        allow_null=True, help_text="Who approved or denied it; null while nobody has."
    )
    decided_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    rule = OvertimeRuleOutputSerializer()
    tickets: serializers.PrimaryKeyRelatedField[Ticket] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = OvertimeRequest
        fields = [
            "id",
            "requester",
            "requester_id",
            "work_date",
            "expected_hours",
            "location_id",
            "reason",
            "tickets",
            "is_emergency",
            "emergency_reviewed_at",
            "status",
            "rule",
            "decided_by",
            "decided_by_id",
            "decided_at",
            "decision_comment",
            "version",
            "created_at",
        ]


class OvertimeRequestDetailOutputSerializer(OvertimeRequestOutputSerializer):
    """A request with its history; each event names the rule version it was made under."""

    events = serializers.SerializerMethodField()

    class Meta(OvertimeRequestOutputSerializer.Meta):
        fields = [*OvertimeRequestOutputSerializer.Meta.fields, "events"]

    @extend_schema_field(OvertimeRequestEventOutputSerializer(many=True))
    def get_events(self, obj: OvertimeRequest) -> list[dict[str, object]]:
        events = overtime_selectors.overtime_request_events(overtime_request=obj)
        return list(OvertimeRequestEventOutputSerializer(events, many=True).data)


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
