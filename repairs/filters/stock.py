"""The parts, stock and purchase-order filters, shared by the HTML lists and the API."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet

from core.filters import FilterSet, NameModelChoiceFilter, PartModelChoiceFilter
from core.models import MAX_ID
from fleet.models import DeviceModel
from repairs.choices import PartCategory, PurchaseOrderStatus, StockMovementKind
from repairs.models import Part, PurchaseOrder, StockLevel, StockLocation, StockMovement, Vendor

# A yes/no filter whose blank choice reads "Any" (Django's default says "Unknown").
ANY_YES_NO = [("", "Any"), ("true", "Yes"), ("false", "No")]


def yes_no_select() -> forms.Select:
    return forms.Select(choices=ANY_YES_NO)


def date_picker() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PartFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Part number or description")
    category = django_filters.ChoiceFilter(choices=PartCategory.choices)
    vendor = NameModelChoiceFilter(queryset=Vendor.objects.all())
    compatible_model = NameModelChoiceFilter(
        field_name="compatible_models", queryset=DeviceModel.objects.all(), label="Fits model"
    )
    is_active = django_filters.BooleanFilter(label="Active", widget=yes_no_select())
    is_demo = django_filters.BooleanFilter(label="Demo part", widget=yes_no_select())

    class Meta:
        model = Part
        fields = ["q", "category", "vendor", "compatible_model", "is_active", "is_demo"]

    def filter_q(self, queryset: QuerySet[Part], name: str, value: str) -> QuerySet[Part]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(part_number__icontains=value) | Q(description__icontains=value))


class StockLevelFilterSet(FilterSet):
    part = PartModelChoiceFilter(queryset=Part.objects.all())
    stock_location = NameModelChoiceFilter(queryset=StockLocation.objects.all())
    category = django_filters.ChoiceFilter(field_name="part__category", choices=PartCategory.choices)
    low = django_filters.BooleanFilter(
        method="filter_low", label="At or below reorder point", widget=yes_no_select()
    )

    class Meta:
        model = StockLevel
        fields = ["part", "stock_location", "category", "low"]

    def filter_low(
        self, queryset: QuerySet[StockLevel], name: str, value: bool | None
    ) -> QuerySet[StockLevel]:
        if value is None:
            return queryset
        low = Q(reorder_point__gt=0, on_hand__lte=F("reorder_point"))
        return queryset.filter(low) if value else queryset.exclude(low)


class StockMovementFilterSet(FilterSet):
    part = PartModelChoiceFilter(queryset=Part.objects.all())
    stock_location = NameModelChoiceFilter(queryset=StockLocation.objects.all())
    kind = django_filters.MultipleChoiceFilter(choices=StockMovementKind.choices)
    ticket = django_filters.NumberFilter(
        field_name="ticket_id", min_value=1, max_value=MAX_ID, label="Ticket number"
    )
    date_from = django_filters.DateFilter(
        field_name="occurred_at", lookup_expr="date__gte", label="From", widget=date_picker()
    )
    date_to = django_filters.DateFilter(
        field_name="occurred_at", lookup_expr="date__lte", label="To", widget=date_picker()
    )

    class Meta:
        model = StockMovement
        fields = ["part", "stock_location", "kind", "ticket", "date_from", "date_to"]


class PurchaseOrderFilterSet(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=PurchaseOrderStatus.choices)
    vendor = NameModelChoiceFilter(queryset=Vendor.objects.all())
    ship_to = NameModelChoiceFilter(queryset=StockLocation.objects.all())

    class Meta:
        model = PurchaseOrder
        fields = ["status", "vendor", "ship_to"]
