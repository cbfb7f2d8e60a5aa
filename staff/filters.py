"""Filters over people's time, shared by the HTML lists and the API."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import QuerySet

from core.filters import FilterSet
from core.models import MAX_ID
from staff.choices import OvertimeRequestStatus, TimeEntryKind, TimesheetStatus
from staff.models import OvertimeRequest, TimeEntry, Timesheet


class OvertimeRequestFilterSet(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=OvertimeRequestStatus.choices)
    is_emergency = django_filters.BooleanFilter()
    work_date_from = django_filters.DateFilter(field_name="work_date", lookup_expr="gte")
    work_date_to = django_filters.DateFilter(field_name="work_date", lookup_expr="lte")

    class Meta:
        model = OvertimeRequest
        fields = ["status", "is_emergency"]


class TimeEntryFilterSet(FilterSet):
    """``week_start`` is the first day of a workweek: entries on it and the six days after."""

    week_start = django_filters.DateFilter(method="filter_week", label="Week starting")
    user = django_filters.NumberFilter(
        field_name="user_id", label="Staff member (user id)", min_value=1, max_value=MAX_ID
    )
    kind = django_filters.ChoiceFilter(choices=TimeEntryKind.choices)

    class Meta:
        model = TimeEntry
        fields = ["week_start", "user", "kind"]

    def filter_week(self, queryset: QuerySet[TimeEntry], name: str, value: dt.date) -> QuerySet[TimeEntry]:
        end = value + dt.timedelta(days=6) if value <= dt.date.max - dt.timedelta(days=6) else dt.date.max
        return queryset.filter(work_date__range=(value, end))


class TimesheetFilterSet(FilterSet):
    status = django_filters.ChoiceFilter(choices=TimesheetStatus.choices)
    week_start = django_filters.DateFilter(field_name="week_start", label="Week starting")
    week_from = django_filters.DateFilter(field_name="week_start", lookup_expr="gte", label="Weeks from")
    week_to = django_filters.DateFilter(field_name="week_start", lookup_expr="lte", label="Weeks to")
    user = django_filters.NumberFilter(
        field_name="user_id", label="Staff member (user id)", min_value=1, max_value=MAX_ID
    )

    class Meta:
        model = Timesheet
        fields = ["status", "week_start", "week_from", "week_to", "user"]
