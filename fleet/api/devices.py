"""Fleet API: read endpoints over the same selectors and filters as the HTML pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.permissions import HasAnyRole
from core.pagination import KeysetCursorPagination
from fleet import permissions
from fleet.api.serializers import (
    CustodyEventOutputSerializer,
    DeviceModelOutputSerializer,
    DeviceOutputSerializer,
    LocationOutputSerializer,
)
from fleet.filters import DeviceFilterSet
from fleet.models import CustodyEvent, Device, DeviceModel, Location
from fleet.selectors import devices as selectors


class CanViewDevices(BasePermission):
    message = "Your role does not see devices."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return permissions.can_view_devices(request.user)


class FleetReadMixin(GenericAPIView):  # type: ignore[type-arg]
    permission_classes = [IsAuthenticated, HasAnyRole, CanViewDevices]

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["show_assignee"] = permissions.can_see_assignee(self.request.user)
        return context


class LocationListApi(FleetReadMixin, ListAPIView):
    """Locations the caller may see (school administrators: their own schools)."""

    serializer_class = LocationOutputSerializer

    def get_queryset(self) -> QuerySet[Location]:
        return selectors.location_list(user=self.request.user)


class DeviceModelListApi(FleetReadMixin, ListAPIView):
    serializer_class = DeviceModelOutputSerializer

    def get_queryset(self) -> QuerySet[DeviceModel]:
        return selectors.device_model_list()


class DeviceListApi(FleetReadMixin, ListAPIView):
    """Devices with the list page's filters; ``q`` is an asset tag or serial prefix."""

    serializer_class = DeviceOutputSerializer
    filterset_class = DeviceFilterSet

    def get_queryset(self) -> QuerySet[Device]:
        return selectors.device_list(user=self.request.user)

    def paginate_queryset(self, queryset: QuerySet[Any] | Sequence[Any]) -> list[Any] | None:
        """The page's ids from the filtered devices, then their rows as columns
        (``selectors.device_api_rows``), as the list page reads them."""
        assert isinstance(queryset, QuerySet)
        ids = super().paginate_queryset(queryset.values_list("pk", flat=True))
        return None if ids is None else selectors.device_api_rows(device_ids=list(ids))


class DeviceDetailApi(FleetReadMixin, RetrieveAPIView):
    serializer_class = DeviceOutputSerializer

    def get_object(self) -> Device:
        return selectors.device_get(user=self.request.user, device_id=self.kwargs["device_id"])


class DeviceCustodyListApi(FleetReadMixin, ListAPIView):
    """A device's custody events, newest first, in keyset pages (``after``/``before`` cursors)."""

    pagination_class = KeysetCursorPagination
    serializer_class = CustodyEventOutputSerializer
    queryset = CustodyEvent.objects.none()  # tells the schema generator the model

    def get_queryset(self) -> QuerySet[CustodyEvent]:
        if getattr(self, "swagger_fake_view", False):
            return CustodyEvent.objects.none()
        device = selectors.device_get(user=self.request.user, device_id=self.kwargs["device_id"])
        return selectors.device_custody_timeline(device=device)
