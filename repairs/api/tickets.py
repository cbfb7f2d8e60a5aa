"""Tickets API: the list with filters and opening by scan, one ticket, and its workflow moves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasAnyRole, signed_in_user
from fleet.models import Location
from fleet.selectors import devices as fleet_selectors
from repairs import permissions, selectors
from repairs.api.serializers import TicketDetailOutputSerializer, TicketOutputSerializer
from repairs.choices import DamageCause, Priority, Symptom, TicketStatus
from repairs.filters.tickets import TicketFilterSet
from repairs.models import Ticket
from repairs.services import tickets


class CanViewTickets(BasePermission):
    message = "Your role does not see repair tickets."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return permissions.can_view_tickets(request.user)


TICKETS = [IsAuthenticated, HasAnyRole, CanViewTickets]


class TicketListApi(ListAPIView):
    """Tickets the caller sees (GET, with the list page's filters); POST opens one by asset tag or
    serial. A school administrator's ticket is a repair request for one of their schools' devices."""

    permission_classes = TICKETS
    serializer_class = TicketOutputSerializer
    filterset_class = TicketFilterSet
    queryset = Ticket.objects.none()  # tells the schema generator the model

    class InputSerializer(serializers.Serializer):
        asset_tag = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
        serial = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
        symptom = serializers.ChoiceField(choices=Symptom.choices)
        damage_cause = serializers.ChoiceField(choices=DamageCause.choices, default=DamageCause.UNKNOWN)
        priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
        problem_summary = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
        location = serializers.PrimaryKeyRelatedField(
            queryset=Location.objects.filter(is_active=True),
            required=False,
            allow_null=True,
            default=None,
            help_text="An active location you can see; default: the device's own.",
        )

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            request = self.context.get("request")
            if request is not None:  # the caller's own choices, as the intake form offers them
                field = self.fields["location"]
                assert isinstance(field, serializers.PrimaryKeyRelatedField)
                # The DRF stubs type ``queryset`` with the Manager descriptor, which mypy misreads.
                field.queryset = fleet_selectors.location_list(user=request.user)  # type: ignore[arg-type]

        def validate(self, data: dict[str, object]) -> dict[str, object]:
            if not data["asset_tag"] and not data["serial"]:
                raise serializers.ValidationError({"asset_tag": ["Give the asset tag or the serial."]})
            return data

    def get_queryset(self) -> QuerySet[Ticket]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no signed-in user
            return Ticket.objects.none()
        return selectors.ticket_list(user=self.request.user)

    def paginate_queryset(self, queryset: QuerySet[Any] | Sequence[Any]) -> list[Any] | None:
        """The page's ids from the filtered tickets, then their rows as columns
        (``selectors.ticket_api_rows``), as the list page reads them."""
        assert isinstance(queryset, QuerySet)
        ids = super().paginate_queryset(queryset.values_list("pk", flat=True))
        return None if ids is None else selectors.ticket_api_rows(ticket_ids=list(ids))

    @extend_schema(request=InputSerializer, responses={201: TicketDetailOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        field = "asset_tag" if data["asset_tag"] else "serial"
        device = fleet_selectors.device_find_exact(user=request.user, identifier=data.pop(field))
        data.pop("asset_tag" if field == "serial" else "serial")
        if device is None:
            raise serializers.ValidationError({field: ["No single device you can see has this code."]})
        ticket = tickets.ticket_open(device=device, reporter=signed_in_user(request), **data)
        ticket = selectors.ticket_get(user=request.user, ticket_id=ticket.pk)
        return Response(TicketDetailOutputSerializer(ticket).data, status=status.HTTP_201_CREATED)


class TicketDetailApi(APIView):
    """One ticket with its timeline, the statuses it can move to, its flags and turnaround."""

    permission_classes = TICKETS

    @extend_schema(responses=TicketDetailOutputSerializer)
    def get(self, request: Request, ticket_id: int) -> Response:
        ticket = selectors.ticket_get(user=request.user, ticket_id=ticket_id)
        return Response(TicketDetailOutputSerializer(ticket).data)


class TicketTransitionApi(APIView):
    """Move a ticket through the workflow. ``version`` is the one last read: a stale one gets 409.
    Closing needs labour minutes and both summaries (give them here or beforehand)."""

    permission_classes = TICKETS

    class InputSerializer(serializers.Serializer):
        to_status = serializers.ChoiceField(choices=TicketStatus.choices)
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
        version = serializers.IntegerField(min_value=1)
        labour_minutes = serializers.IntegerField(min_value=0, max_value=24 * 60, required=False)
        problem_summary = serializers.CharField(max_length=4000, required=False, allow_blank=True)
        resolution_summary = serializers.CharField(max_length=4000, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=TicketDetailOutputSerializer)
    def post(self, request: Request, ticket_id: int) -> Response:
        ticket = selectors.ticket_get(user=request.user, ticket_id=ticket_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        tickets.ticket_transition(
            ticket=ticket, actor=signed_in_user(request), expected_version=data.pop("version"), **data
        )
        ticket = selectors.ticket_get(user=request.user, ticket_id=ticket_id)
        return Response(TicketDetailOutputSerializer(ticket).data)
