"""The charge filters, shared by the charges page and the charges API."""

from __future__ import annotations

import django_filters

from core.filters import FilterSet, NameModelChoiceFilter
from fleet.models import Location
from students.choices import ChargeStatus
from students.models import Charge


class ChargeFilterSet(FilterSet):
    # One status per charge: the filter cannot duplicate rows, so no DISTINCT.
    status = django_filters.MultipleChoiceFilter(choices=ChargeStatus.choices, distinct=False)
    school = NameModelChoiceFilter(
        field_name="student__school", queryset=Location.objects.all(), label="School"
    )

    class Meta:
        model = Charge
        fields = ["status", "school"]
