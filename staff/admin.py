from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from accounts.models import User
from core.admin import (
    AppendOnlyAdminMixin,
    AuditedModelAdmin,
    BigTableAdminMixin,
    ServiceFormAdminMixin,
    run_service,
    service_action_form,
)
from staff import models
from staff.services import overtime, timesheets

# Set only by the overtime services: a decision checks the rule in force and writes its event.
OVERTIME_DECISION_FIELDS = ["status", "decided_by", "decided_at", "decision_comment", "emergency_reviewed_at"]
# Set only by the timesheet services: the status, its sign-off, and the figures computed from entries.
TIMESHEET_FIELDS = [
    "user",
    "week_start",
    "rule",
    "status",
    "signed_off_by",
    "signed_off_at",
    *timesheets.FIGURE_FIELDS,
    "version",
]


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the admin site lets only signed-in staff in
    return request.user


@admin.register(models.OvertimeRule)
class OvertimeRuleAdmin(AuditedModelAdmin):
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
class OvertimeDelegationAdmin(AuditedModelAdmin):
    list_display = ["supervisor", "delegate", "starts_on", "ends_on"]
    autocomplete_fields = ["supervisor", "delegate"]


class OvertimeRequestEventInline(AppendOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = models.OvertimeRequestEvent
    extra = 0
    fields = readonly_fields = ("actor", "kind", "rule", "comment", "occurred_at")


class OvertimeDenyForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="Emailed to the requester with the decision."
    )


@admin.register(models.OvertimeRequest)
class OvertimeRequestAdmin(AuditedModelAdmin):
    """Requests are made in the app (the grade's eligibility is checked then); decisions go
    through the overtime service by the actions below, under the rule in force now."""

    list_display = ["requester", "work_date", "expected_hours", "status", "is_emergency", "decided_by"]
    list_filter = ["status", "is_emergency"]
    date_hierarchy = "work_date"
    raw_id_fields = ["requester", "decided_by", "location", "rule", "tickets"]
    readonly_fields = ["requester", "rule", "is_emergency", *OVERTIME_DECISION_FIELDS, "version"]
    list_select_related = ["requester", "decided_by"]
    inlines = [OvertimeRequestEventInline]
    actions = ["approve_requests", "deny_requests", "mark_emergency_reviewed"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Approve", permissions=["change"])
    def approve_requests(self, request: HttpRequest, queryset: QuerySet[models.OvertimeRequest]) -> None:
        actor = _actor(request)
        run_service(
            self,
            request,
            queryset.select_related("requester"),
            call=lambda made: overtime.overtime_request_approve(
                overtime_request=made, decided_by=actor, expected_version=made.version
            ),
            fields=OVERTIME_DECISION_FIELDS[:3],
            done="Approved",
        )

    @admin.action(description="Deny…", permissions=["change"])
    def deny_requests(
        self, request: HttpRequest, queryset: QuerySet[models.OvertimeRequest]
    ) -> TemplateResponse | None:
        actor = _actor(request)

        def apply(data: Mapping[str, Any]) -> None:
            run_service(
                self,
                request,
                queryset.select_related("requester"),
                call=lambda made: overtime.overtime_request_deny(
                    overtime_request=made,
                    decided_by=actor,
                    expected_version=made.version,
                    comment=data["comment"],
                ),
                fields=OVERTIME_DECISION_FIELDS[:4],
                done="Denied",
            )

        return service_action_form(
            self,
            request,
            queryset,
            action="deny_requests",
            form_class=OvertimeDenyForm,
            title="Deny overtime requests",
            submit="Deny",
            apply=apply,
        )

    @admin.action(description="Mark the emergency reviewed", permissions=["change"])
    def mark_emergency_reviewed(
        self, request: HttpRequest, queryset: QuerySet[models.OvertimeRequest]
    ) -> None:
        actor = _actor(request)
        run_service(
            self,
            request,
            queryset.select_related("requester"),
            call=lambda made: overtime.overtime_emergency_review(
                overtime_request=made, reviewed_by=actor, expected_version=made.version
            ),
            fields=["emergency_reviewed_at"],
            done="Marked reviewed",
        )


@admin.register(models.OvertimeRequestEvent)
class OvertimeRequestEventAdmin(AppendOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Append-only history: written by services, never edited in the admin."""

    list_display = ["request", "kind", "actor", "rule", "occurred_at"]
    list_filter = ["kind"]
    raw_id_fields = ["request", "actor", "rule"]
    list_select_related = ["request__requester", "actor", "rule"]


@admin.register(models.TimeEntry)
class TimeEntryAdmin(BigTableAdminMixin, ServiceFormAdminMixin, AuditedModelAdmin):
    """Logged hours make the week's pay: adding, changing and deleting an entry here go through the
    time services (open weeks only, at most 24 hours a day, the week recomputed), with the admin
    as actor. The owner of an entry and its overtime request are not changed here."""

    list_display = ["user", "work_date", "kind", "hours", "mileage", "location"]
    list_filter = ["kind"]
    date_hierarchy = "work_date"
    raw_id_fields = ["user", "location", "overtime_request"]
    list_select_related = ["user", "location"]

    def get_readonly_fields(self, request: HttpRequest, obj: models.TimeEntry | None = None) -> list[str]:
        return ["overtime_request"] if obj is None else ["user", "overtime_request"]

    def service_save(
        self, request: HttpRequest, obj: models.TimeEntry, form: forms.ModelForm, change: bool
    ) -> None:
        values = {
            name: form.cleaned_data[name] for name in timesheets.ENTRY_FIELDS if name in form.cleaned_data
        }
        if change:
            # The form has already written its values onto ``obj``: the service reads the entry as
            # stored (its week may be another one) and applies only what changed.
            stored = models.TimeEntry.objects.get(pk=obj.pk)
            changed = {name: value for name, value in values.items() if name in form.changed_data}
            timesheets.time_entry_update(entry=stored, actor=_actor(request), **changed)
            return
        location = values.pop("location", None)
        entry = timesheets.time_entry_create(
            actor=_actor(request),
            owner=form.cleaned_data["user"],
            location_id=location.pk if location is not None else None,
            **values,
        )
        obj.pk, obj._state.adding = entry.pk, False

    def service_delete(self, request: HttpRequest, obj: models.TimeEntry) -> None:
        timesheets.time_entry_delete(entry=obj, actor=_actor(request))


@admin.register(models.Timesheet)
class TimesheetAdmin(AuditedModelAdmin):
    """Computed from time entries and moved only by the timesheet services: signing off and
    reopening go through them by the actions below (never by the week's owner)."""

    list_display = ["user", "week_start", "status", "total_hours", "overtime_hours_approved", "overtime_pay"]
    list_filter = ["status"]
    date_hierarchy = "week_start"
    raw_id_fields = ["user", "rule", "signed_off_by"]
    readonly_fields = TIMESHEET_FIELDS
    list_select_related = ["user"]
    actions = ["sign_off", "reopen"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Timesheet | None = None) -> bool:
        return False

    @admin.action(description="Sign off", permissions=["change"])
    def sign_off(self, request: HttpRequest, queryset: QuerySet[models.Timesheet]) -> None:
        actor = _actor(request)
        run_service(
            self,
            request,
            queryset.select_related("user"),
            call=lambda sheet: timesheets.timesheet_sign_off(timesheet=sheet, actor=actor),
            fields=["status", "signed_off_by", "signed_off_at"],
            done="Signed off",
        )

    @admin.action(description="Reopen for changes", permissions=["change"])
    def reopen(self, request: HttpRequest, queryset: QuerySet[models.Timesheet]) -> None:
        actor = _actor(request)
        run_service(
            self,
            request,
            queryset.select_related("user"),
            call=lambda sheet: timesheets.timesheet_reopen(timesheet=sheet, actor=actor),
            fields=["status"],
            done="Reopened",
        )
