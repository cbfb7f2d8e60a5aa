"""Filters for time entries and timesheets, shared by the HTML pages and the API."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import QuerySet

from accounts.choices import TimeEntryKind, TimesheetStatus
from accounts.models import TimeEntry, Timesheet


class TimeEntryFilterSet(django_filters.FilterSet):
    """``week_start`` is the first day of a workweek: entries on it and the six days after."""

    week_start = django_filters.DateFilter(method="filter_week", label="Week starting")
    user = django_filters.NumberFilter(field_name="user_id", label="Staff member (user id)")
    kind = django_filters.ChoiceFilter(choices=TimeEntryKind.choices)

    class Meta:
        model = TimeEntry
        fields = ["week_start", "user", "kind"]

    def filter_week(self, queryset: QuerySet[TimeEntry], name: str, value: dt.date) -> QuerySet[TimeEntry]:
        end = value + dt.timedelta(days=6) if value <= dt.date.max - dt.timedelta(days=6) else dt.date.max
        return queryset.filter(work_date__range=(value, end))


class TimesheetFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TimesheetStatus.choices)
    week_start = django_filters.DateFilter(field_name="week_start", label="Week starting")
    week_from = django_filters.DateFilter(field_name="week_start", lookup_expr="gte", label="Weeks from")
    week_to = django_filters.DateFilter(field_name="week_start", lookup_expr="lte", label="Weeks to")
    user = django_filters.NumberFilter(field_name="user_id", label="Staff member (user id)")

    class Meta:
        model = Timesheet
        fields = ["status", "week_start", "week_from", "week_to", "user"]
