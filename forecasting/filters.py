"""The forecast and reorder-suggestion filters, shared by the HTML pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from core.filters import FilterSet, NameModelChoiceFilter
from fleet.models import DeviceModel
from forecasting.models import PartForecast, ReorderSuggestion
from repairs.choices import PartCategory
from repairs.models import Part, StockLocation, Vendor

# Ordering choice -> order_by fields; the part number breaks ties so pages are stable.
FORECAST_ORDERINGS: dict[str, tuple[str, ...]] = {
    "spend": ("-expected_spend", "part__part_number"),
    "part": ("part__part_number",),
    "point": ("-point", "part__part_number"),
}
DEFAULT_FORECAST_ORDERING = "spend"


class PartForecastFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Part number or description")
    category = django_filters.ChoiceFilter(field_name="part__category", choices=PartCategory.choices)
    vendor = NameModelChoiceFilter(field_name="part__vendor", queryset=Vendor.objects.all())
    model = NameModelChoiceFilter(
        method="filter_model", queryset=DeviceModel.objects.all(), label="Fits model"
    )
    ordering = django_filters.ChoiceFilter(
        method="filter_ordering",
        choices=[("spend", "Expected spend"), ("part", "Part number"), ("point", "Expected demand")],
        label="Order by",
    )

    class Meta:
        model = PartForecast
        fields = ["q", "category", "vendor", "model", "ordering"]

    def filter_q(self, queryset: QuerySet[PartForecast], name: str, value: str) -> QuerySet[PartForecast]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(part__part_number__icontains=value) | Q(part__description__icontains=value))

    def filter_model(
        self, queryset: QuerySet[PartForecast], name: str, value: DeviceModel | None
    ) -> QuerySet[PartForecast]:
        # A subquery, not a join on the many-to-many: a part fitting the model twice stays one row.
        if value is None:
            return queryset
        return queryset.filter(part__in=Part.objects.filter(compatible_models=value).values("pk"))

    def filter_ordering(
        self, queryset: QuerySet[PartForecast], name: str, value: str
    ) -> QuerySet[PartForecast]:
        return queryset.order_by(
            *FORECAST_ORDERINGS.get(value, FORECAST_ORDERINGS[DEFAULT_FORECAST_ORDERING])
        )


class ReorderSuggestionFilterSet(FilterSet):
    vendor = NameModelChoiceFilter(field_name="part__vendor", queryset=Vendor.objects.all())
    stock_location = NameModelChoiceFilter(queryset=StockLocation.objects.all())
    category = django_filters.ChoiceFilter(field_name="part__category", choices=PartCategory.choices)

    class Meta:
        model = ReorderSuggestion
        fields = ["vendor", "stock_location", "category"]
