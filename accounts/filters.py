"""Filters over people's time, shared by the HTML lists and the API."""

from __future__ import annotations

import django_filters

from accounts.choices import OvertimeRequestStatus
from accounts.models import OvertimeRequest


class OvertimeRequestFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=OvertimeRequestStatus.choices)
    is_emergency = django_filters.BooleanFilter()
    work_date_from = django_filters.DateFilter(field_name="work_date", lookup_expr="gte")
    work_date_to = django_filters.DateFilter(field_name="work_date", lookup_expr="lte")

    class Meta:
        model = OvertimeRequest
        fields = ["status", "is_emergency"]
