"""Staff time: effective-dated overtime rules, overtime requests and their decisions, time
entries and weekly timesheets.

These models lived in ``accounts`` until overtime and time moved above repairs (they name tickets
and locations); their tables keep the names they were created with.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel, track_history
from staff.choices import (
    OvertimeRequestEventKind,
    OvertimeRequestStatus,
    TimeEntryKind,
    TimesheetStatus,
    Weekday,
)


@track_history()
class OvertimeRule(TimeStampedModel):
    """Overtime eligibility and pay for a grade range, in force from ``effective_from`` on.

    The rule in force for a grade on a date is the row covering that grade with the latest
    ``effective_from`` not after the date. Rows are never edited once a decision used them:
    a change is a new row with a later effective date.
    """

    effective_from = models.DateField()
    grade_min = models.PositiveSmallIntegerField()
    grade_max = models.PositiveSmallIntegerField()
    eligible = models.BooleanField()
    prior_approval_required = models.BooleanField(default=True)
    multiplier = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("1.50"))
    weekly_threshold_hours = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("40.00"))
    workweek_start = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.SUNDAY)
    comp_time_allowed = models.BooleanField(default=False)
    comp_time_rate = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("1.50"))
    comp_time_cap_hours = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("240.00"))
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="overtime_rules_created",
        null=True,
        blank=True,
    )

    class Meta:
        db_table = "accounts_overtimerule"
        ordering = ["-effective_from", "grade_min"]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade_min__lte=models.F("grade_max")), name="otrule_grade_range"
            ),
            models.CheckConstraint(condition=Q(multiplier__gte=1), name="otrule_multiplier_gte_1"),
            models.CheckConstraint(condition=Q(weekly_threshold_hours__gt=0), name="otrule_threshold_gt_0"),
            models.UniqueConstraint(
                fields=["effective_from", "grade_min", "grade_max"], name="otrule_unique_version"
            ),
        ]
        indexes = [
            models.Index(fields=["grade_min", "grade_max", "effective_from"], name="otrule_lookup_idx")
        ]

    def __str__(self) -> str:
        verdict = "eligible" if self.eligible else "not eligible"
        return f"Grades {self.grade_min}-{self.grade_max} {verdict} from {self.effective_from}"


@track_history()
class OvertimeDelegation(TimeStampedModel):
    """A supervisor names someone to decide their team's overtime for a period."""

    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations_given"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations_received"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        db_table = "accounts_overtimedelegation"
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_on__lte=models.F("ends_on")), name="delegation_period"),
            models.CheckConstraint(condition=~Q(supervisor=models.F("delegate")), name="delegation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.delegate} for {self.supervisor}, {self.starts_on} to {self.ends_on}"


class OvertimeRequestQuerySet(models.QuerySet["OvertimeRequest"]):
    def pending(self) -> OvertimeRequestQuerySet:
        return self.filter(status=OvertimeRequestStatus.PENDING)


@track_history()
class OvertimeRequest(TimeStampedModel):
    """A request to work overtime, decided by the requester's supervisor (or delegate, or admin)."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="overtime_requests"
    )
    work_date = models.DateField()
    expected_hours = models.DecimalField(
        max_digits=4, decimal_places=2, validators=[MinValueValidator(Decimal("0.25"))]
    )
    location = models.ForeignKey(
        "fleet.Location", on_delete=models.PROTECT, related_name="overtime_requests", null=True, blank=True
    )
    reason = models.TextField()
    is_emergency = models.BooleanField(default=False)
    emergency_reviewed_at = models.DateTimeField(null=True, blank=True)
    tickets = models.ManyToManyField("repairs.Ticket", related_name="overtime_requests", blank=True)
    status = models.CharField(
        max_length=20, choices=OvertimeRequestStatus.choices, default=OvertimeRequestStatus.PENDING
    )
    rule = models.ForeignKey(OvertimeRule, on_delete=models.PROTECT, related_name="requests")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="overtime_decisions",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = OvertimeRequestQuerySet.as_manager()

    class Meta:
        db_table = "accounts_overtimerequest"
        ordering = ["-work_date", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(expected_hours__gt=0), name="otrequest_hours_gt_0"),
        ]
        indexes = [
            models.Index(fields=["status", "work_date"], name="otrequest_status_idx"),
            models.Index(fields=["requester", "work_date"], name="otrequest_requester_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.requester} {self.work_date} {self.expected_hours}h ({self.get_status_display()})"


@track_history()
class OvertimeRequestEvent(models.Model):
    """Append-only history of an overtime request: who did what under which rule version."""

    request = models.ForeignKey(OvertimeRequest, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="overtime_request_events"
    )
    kind = models.CharField(max_length=20, choices=OvertimeRequestEventKind.choices)
    rule = models.ForeignKey(OvertimeRule, on_delete=models.PROTECT, related_name="request_events")
    comment = models.TextField(blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        db_table = "accounts_overtimerequestevent"
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind} by {self.actor_id}"


@track_history()
class TimeEntry(TimeStampedModel):
    """Hours one person logged for one day, of one kind."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries")
    work_date = models.DateField()
    kind = models.CharField(max_length=20, choices=TimeEntryKind.choices, default=TimeEntryKind.REGULAR)
    hours = models.DecimalField(max_digits=4, decimal_places=2)
    mileage = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    location = models.ForeignKey(
        "fleet.Location", on_delete=models.PROTECT, related_name="time_entries", null=True, blank=True
    )
    overtime_request = models.ForeignKey(
        OvertimeRequest, on_delete=models.SET_NULL, related_name="time_entries", null=True, blank=True
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "accounts_timeentry"
        ordering = ["-work_date", "pk"]
        verbose_name_plural = "time entries"
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0, hours__lte=24), name="timeentry_hours_range"),
            models.CheckConstraint(
                condition=Q(mileage__isnull=True) | Q(mileage__gte=0), name="timeentry_mileage_gte_0"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "work_date"], name="timeentry_user_date_idx"),
            # The default order, for the lists of everyone's entries (the API, the admin): the
            # first page from the index instead of sorting the district's 15,000 entries (11 ms).
            models.Index(fields=["-work_date", "id"], name="timeentry_date_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.work_date} {self.kind} {self.hours}h"


@track_history()
class Timesheet(TimeStampedModel):
    """One person's workweek, computed from time entries under one overtime rule version."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="timesheets")
    week_start = models.DateField()
    status = models.CharField(max_length=20, choices=TimesheetStatus.choices, default=TimesheetStatus.OPEN)
    rule = models.ForeignKey(OvertimeRule, on_delete=models.PROTECT, related_name="timesheets")
    total_hours = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0"))
    overtime_hours_approved = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0"))
    overtime_hours_unapproved = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0"))
    overtime_pay = models.DecimalField(max_digits=9, decimal_places=2, default=Decimal("0"))
    comp_time_hours = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0"))
    mileage = models.DecimalField(max_digits=7, decimal_places=1, default=Decimal("0"))
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="timesheets_signed_off",
        null=True,
        blank=True,
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        db_table = "accounts_timesheet"
        ordering = ["-week_start", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "week_start"], name="timesheet_one_per_week"),
        ]

    def __str__(self) -> str:
        return f"{self.user} week of {self.week_start}"
