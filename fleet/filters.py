"""The device filters, shared by the HTML list, its CSV export and the API."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.filters import FilterSet, NameModelChoiceFilter, StableOrderingFilter
from fleet.choices import DeviceStatus, DeviceType, WarrantyState
from fleet.models import Device, DeviceModel, Location, Manufacturer

EXPIRING_WITHIN = dt.timedelta(days=90)


def normalise_identifier(value: str) -> str:
    """Asset tags and serials are stored upper-case; scanners and people type either case."""
    return value.strip().upper()


class DeviceFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Asset tag or serial starts with")
    location = NameModelChoiceFilter(queryset=Location.objects.all())
    # A device has one status: the filter cannot duplicate rows, so no DISTINCT (which made
    # PostgreSQL sort and compare all 22 columns of every match).
    status = django_filters.MultipleChoiceFilter(choices=DeviceStatus.choices, distinct=False)
    model = NameModelChoiceFilter(queryset=DeviceModel.objects.all())
    manufacturer = NameModelChoiceFilter(queryset=Manufacturer.objects.all())
    device_type = django_filters.ChoiceFilter(field_name="model__device_type", choices=DeviceType.choices)
    aue_year = django_filters.NumberFilter(method="filter_aue_year", label="AUE year")
    warranty = django_filters.ChoiceFilter(choices=WarrantyState.choices, method="filter_warranty")
    ordering = StableOrderingFilter(
        fields=(
            ("asset_tag", "asset_tag"),
            ("serial", "serial"),
            ("status", "status"),
            ("location__name", "location"),
            ("model__name", "model"),
            ("warranty_end", "warranty_end"),
            ("purchase_date", "purchase_date"),
        ),
        ranked={"status": DeviceStatus},
    )

    class Meta:
        model = Device
        fields = ["q", "location", "status", "model", "manufacturer", "device_type", "aue_year", "warranty"]

    def filter_q(self, queryset: QuerySet[Device], name: str, value: str) -> QuerySet[Device]:
        prefix = normalise_identifier(value)
        if not prefix:
            return queryset
        return queryset.filter(Q(asset_tag__startswith=prefix) | Q(serial__startswith=prefix))

    def filter_aue_year(self, queryset: QuerySet[Device], name: str, value: int) -> QuerySet[Device]:
        year = int(value)
        if not 2000 <= year <= 2100:
            return queryset.none()
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        # The device's own date from Google wins over its model's month. The models are a few
        # dozen rows: their ids first, so the devices are found through indexes (model, and the
        # per-device date) rather than by joining every device to its model.
        model_ids = list(
            DeviceModel.objects.filter(aue_month__range=(start, end)).values_list("pk", flat=True)
        )
        return queryset.filter(
            Q(aue_override__range=(start, end)) | Q(aue_override__isnull=True, model_id__in=model_ids)
        )

    def filter_warranty(self, queryset: QuerySet[Device], name: str, value: str) -> QuerySet[Device]:
        today = timezone.localdate()
        if value == WarrantyState.UNKNOWN:
            return queryset.filter(warranty_end__isnull=True)
        if value == WarrantyState.EXPIRED:
            return queryset.filter(warranty_end__lt=today)
        if value == WarrantyState.EXPIRING:
            return queryset.filter(warranty_end__gte=today, warranty_end__lt=today + EXPIRING_WITHIN)
        return queryset.filter(warranty_end__gte=today + EXPIRING_WITHIN)


def warranty_state(warranty_end: dt.date | None, today: dt.date | None = None) -> WarrantyState:
    if warranty_end is None:
        return WarrantyState.UNKNOWN
    today = today or timezone.localdate()
    if warranty_end < today:
        return WarrantyState.EXPIRED
    if warranty_end < today + EXPIRING_WITHIN:
        return WarrantyState.EXPIRING
    return WarrantyState.ACTIVE
