"""What asset labels print: the devices of a filtered list, or a range of new tags."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied

from core.exceptions import DomainError
from fleet import permissions
from fleet.domain import labels
from fleet.filters import DeviceFilterSet
from fleet.models import Device, District
from fleet.selectors.devices import UserLike, device_filterset


def label_device_count(*, filterset: DeviceFilterSet) -> int:
    """How many devices a bound device filter set (from ``device_filterset``, so of the user's
    visible devices) matches, counted up to ``MAX_LABELS + 1`` only: a district's 250,000 are
    never counted just to be refused. Bad filters count none."""
    if not filterset.is_valid():
        return 0
    return filterset.qs.values("pk")[: labels.MAX_LABELS + 1].count()


def label_records_for_devices(
    *, user: UserLike, filters: Mapping[str, Any] | None = None
) -> list[labels.LabelRecord]:
    """One label per device of the device list's filters (the list's visibility and order):
    tag, model and the district's name; two queries.

    Raises PermissionDenied for a user who may not print labels, and DomainError on ``source``
    for filters that are not valid, match no device, or match more than MAX_LABELS.
    """
    if not permissions.can_print_labels(user):
        raise PermissionDenied
    filterset = device_filterset(user=user, filters=filters)
    if not filterset.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items())
        raise DomainError(f"The device filters are not valid ({problems}).", "source")
    rows = list(
        filterset.qs.values_list("asset_tag", "model__name", "manufacturer__name")[: labels.MAX_LABELS + 1]
    )
    if not rows:
        raise DomainError("No device matches these filters: there is nothing to print.", "source")
    if len(rows) > labels.MAX_LABELS:
        raise DomainError(
            f"These filters match more than {labels.MAX_LABELS:,} devices: narrow them (a location, a "
            f"status, a model) to print at most {labels.MAX_LABELS:,} labels at a time.",
            "source",
        )
    district = District.current().name
    return [
        labels.LabelRecord(tag=tag, district=district, model=labels.short_model_name(model, maker))
        for tag, model, maker in rows
    ]


def label_records_for_range(
    *, user: UserLike, prefix: str, first: int, last: int, digits: int
) -> list[labels.LabelRecord]:
    """One label per tag of a range of new tags (``CB-000101`` … ``CB-000130``), with the
    district's name; two queries.

    Raises PermissionDenied for a user who may not tag new devices, and DomainError naming the
    field for a bad range (see ``labels.tag_range``) or tags already on devices: a second device
    with the same tag would be a mix-up waiting to happen.
    """
    if not permissions.can_print_new_tags(user):
        raise PermissionDenied
    max_length = Device._meta.get_field("asset_tag").max_length or 30
    tags = labels.tag_range(prefix=prefix, first=first, last=last, digits=digits, max_length=max_length)
    taken = list(
        Device.objects.filter(asset_tag__in=tags).order_by("asset_tag").values_list("asset_tag", flat=True)
    )
    if taken:
        who = (
            f"{taken[0]} already belongs to a device"
            if len(taken) == 1
            else f"{taken[0]} and {len(taken) - 1:,} more already belong to devices"
        )
        raise DomainError(f"{who}: print a range no device has, or reprint from the device list.", "first")
    district = District.current().name
    return [labels.LabelRecord(tag=tag, district=district) for tag in tags]
