"""Fleet API: a device's recorded changes."""

from __future__ import annotations

from django.db.models import QuerySet
from pghistory.models import Events

from core.api.history import HistoryListApi
from fleet.api.devices import FleetReadMixin
from fleet.models import Device
from fleet.selectors import devices as selectors


class DeviceHistoryListApi(FleetReadMixin, HistoryListApi):
    """Every recorded change of one device, newest first: who, when, and {field: [old, new]}."""

    def get_subject(self) -> Device:
        return selectors.device_get(user=self.request.user, device_id=self.kwargs["device_id"])

    def get_history(self, subject: Device) -> QuerySet[Events]:  # type: ignore[override]
        return selectors.device_change_list(device=subject)
