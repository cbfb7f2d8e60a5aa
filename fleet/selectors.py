"""Reads of the fleet for screens and endpoints: visibility, joins and filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fleet.filters import DeviceFilterSet, normalise_identifier, warranty_state
from fleet.models import CustodyEvent, Device, DeviceModel, Location

UserLike = AbstractBaseUser | AnonymousUser


def device_list(*, user: UserLike, filters: Mapping[str, Any] | None = None) -> QuerySet[Device]:
    """Devices the user may see, filtered; two queries for a page whatever its size."""
    devices = Device.objects.visible_to(user).select_related("model", "manufacturer", "location", "custodian")
    filterset = DeviceFilterSet(filters or {}, queryset=devices)
    if not filterset.is_valid():
        return devices.none()
    return filterset.qs


def device_filterset(*, user: UserLike, filters: Mapping[str, Any] | None = None) -> DeviceFilterSet:
    """The bound filter set (for the form on the list page), over the user's visible devices."""
    devices = Device.objects.visible_to(user).select_related("model", "manufacturer", "location", "custodian")
    return DeviceFilterSet(filters or {}, queryset=devices)


def device_get(*, user: UserLike, device_id: int) -> Device:
    """One device the user may see. Raises Http404 otherwise."""
    try:
        return (
            Device.objects.visible_to(user)
            .select_related("model", "model__manufacturer", "manufacturer", "location", "custodian")
            .get(pk=device_id)
        )
    except Device.DoesNotExist as exc:
        raise Http404("No such device.") from exc


def device_find_exact(*, user: UserLike, identifier: str) -> Device | None:
    """The device whose asset tag or serial is exactly ``identifier`` (any case), if visible.

    A serial may repeat across manufacturers; then there is no single match and None returns.
    """
    value = normalise_identifier(identifier)
    if not value:
        return None
    matches = list(Device.objects.visible_to(user).filter(Q(asset_tag=value) | Q(serial=value))[:2])
    return matches[0] if len(matches) == 1 else None


def device_search(*, user: UserLike, prefix: str, limit: int = 10) -> list[Device]:
    """Up to ``limit`` devices whose asset tag or serial starts with ``prefix``; one query."""
    value = normalise_identifier(prefix)
    if len(value) < 2:
        return []
    devices = Device.objects.visible_to(user).select_related("model", "location")
    return list(
        devices.filter(Q(asset_tag__startswith=value) | Q(serial__startswith=value)).order_by("asset_tag")[
            :limit
        ]
    )


def device_custody_timeline(*, device: Device) -> QuerySet[CustodyEvent]:
    return device.custody_events.select_related(
        "actor", "from_location", "to_location", "from_custodian", "to_custodian"
    ).order_by("-occurred_at", "-pk")


def location_list(*, user: UserLike) -> QuerySet[Location]:
    return Location.objects.visible_to(user).filter(is_active=True).order_by("name")


def device_model_list() -> QuerySet[DeviceModel]:
    return DeviceModel.objects.select_related("manufacturer").order_by("manufacturer__name", "name")


@dataclass(frozen=True)
class DeviceLifeFacts:
    aue_date: dt.date | None
    months_of_updates_left: int | None
    warranty_state: str


def device_life_facts(*, device: Device, today: dt.date | None = None) -> DeviceLifeFacts:
    """AUE date and the whole months of updates left (0 once past), and the warranty state."""
    today = today or timezone.localdate()
    aue = device.aue_date
    months = None
    if aue is not None:
        months = max(
            0, (aue.year - today.year) * 12 + aue.month - today.month - (1 if aue.day < today.day else 0)
        )
    return DeviceLifeFacts(
        aue_date=aue, months_of_updates_left=months, warranty_state=warranty_state(device.warranty_end, today)
    )
