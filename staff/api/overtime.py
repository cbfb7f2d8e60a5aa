"""Accounts API: overtime rules, requests and their decisions, over the pages' services and selectors."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import signed_in_user
from fleet.models import Location
from fleet.selectors import devices as fleet_selectors
from repairs.models import Ticket
from staff import permissions as staff_permissions
from staff.api.serializers import (
    OvertimeRequestDetailOutputSerializer,
    OvertimeRequestOutputSerializer,
    OvertimeRuleOutputSerializer,
)
from staff.choices import Weekday
from staff.filters import OvertimeRequestFilterSet
from staff.models import OvertimeRequest, OvertimeRule
from staff.selectors import overtime as overtime_selectors
from staff.services import overtime

# Overtime rules --------------------------------------------------------------------------------


class OvertimeRuleListApi(ListAPIView):
    """Every rule version, latest first (GET, anyone with a role); add a version (POST, admins).

    A change is a new version from a later date: backdating and two versions covering the same
    grade from the same day are refused (400).
    """

    serializer_class = OvertimeRuleOutputSerializer

    class InputSerializer(serializers.Serializer):
        effective_from = serializers.DateField()
        grade_min = serializers.IntegerField(min_value=1, max_value=99)
        grade_max = serializers.IntegerField(min_value=1, max_value=99)
        eligible = serializers.BooleanField()
        prior_approval_required = serializers.BooleanField(default=True)
        multiplier = serializers.DecimalField(max_digits=4, decimal_places=2, min_value=Decimal("1"))
        weekly_threshold_hours = serializers.DecimalField(
            max_digits=5, decimal_places=2, min_value=Decimal("0.25"), default=Decimal("40.00")
        )
        workweek_start = serializers.ChoiceField(choices=Weekday.choices, default=Weekday.SUNDAY)
        comp_time_allowed = serializers.BooleanField(default=False)
        comp_time_rate = serializers.DecimalField(
            max_digits=4, decimal_places=2, min_value=Decimal("1"), default=Decimal("1.50")
        )
        comp_time_cap_hours = serializers.DecimalField(
            max_digits=6, decimal_places=2, min_value=Decimal("0"), default=Decimal("240.00")
        )
        notes = serializers.CharField(required=False, allow_blank=True, default="")

    def get_queryset(self) -> QuerySet[OvertimeRule]:
        return overtime_selectors.overtime_rule_history()

    @extend_schema(request=InputSerializer, responses={201: OvertimeRuleOutputSerializer})
    def post(self, request: Request) -> Response:
        if not staff_permissions.can_edit_overtime_rules(request.user):
            raise PermissionDenied
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = overtime.overtime_rule_create(created_by=signed_in_user(request), **serializer.validated_data)
        return Response(OvertimeRuleOutputSerializer(rule).data, status=status.HTTP_201_CREATED)


# Overtime requests -----------------------------------------------------------------------------


class OvertimeRequestListApi(ListAPIView):
    """Requests the caller may see (own, their teams', all for admins); POST asks for overtime."""

    serializer_class = OvertimeRequestOutputSerializer
    filterset_class = OvertimeRequestFilterSet
    queryset = OvertimeRequest.objects.none()  # tells the schema generator the model

    class InputSerializer(serializers.Serializer):
        """``location`` and ``tickets`` are looked up among the caller's own choices only: active
        locations they can see, and open tickets assigned to them (``context["request"]``)."""

        work_date = serializers.DateField()
        expected_hours = serializers.DecimalField(max_digits=4, decimal_places=2)
        reason = serializers.CharField(max_length=2000)
        location = serializers.PrimaryKeyRelatedField(
            queryset=Location.objects.none(),
            required=False,
            allow_null=True,
            default=None,
            error_messages={
                "does_not_exist": "Location {pk_value} is not an active location you can choose."
            },
        )
        tickets = serializers.PrimaryKeyRelatedField(
            queryset=Ticket.objects.none(),
            many=True,
            required=False,
            default=list,
            help_text="Open tickets assigned to you.",
            error_messages={"does_not_exist": "Ticket {pk_value} is not one of your open tickets."},
        )
        is_emergency = serializers.BooleanField(
            default=False, help_text="Required for a past date: emergency work the supervisor reviews."
        )

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            request = self.context.get("request")
            if request is None:  # schema generation: no caller, so no choices
                return
            user = signed_in_user(request)
            location_field = self.fields["location"]
            ticket_field = self.fields["tickets"]
            assert isinstance(location_field, serializers.PrimaryKeyRelatedField)
            assert isinstance(ticket_field, serializers.ManyRelatedField)
            assert isinstance(ticket_field.child_relation, serializers.PrimaryKeyRelatedField)
            locations = fleet_selectors.location_list(user=user)
            tickets = overtime_selectors.overtime_ticket_choices(user=user)
            # The DRF stubs type ``queryset`` with the Manager descriptor, which mypy misreads here.
            location_field.queryset = locations  # type: ignore[arg-type]
            ticket_field.child_relation.queryset = tickets  # type: ignore[arg-type]

    def get_queryset(self) -> QuerySet[OvertimeRequest]:
        return overtime_selectors.overtime_request_list(user=signed_in_user(self.request))

    @extend_schema(request=InputSerializer, responses={201: OvertimeRequestOutputSerializer})
    def post(self, request: Request) -> Response:
        if not staff_permissions.can_request_overtime(request.user):
            raise PermissionDenied
        serializer = self.InputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        created = overtime.overtime_request_create(
            requester=signed_in_user(request), **serializer.validated_data
        )
        return Response(OvertimeRequestOutputSerializer(created).data, status=status.HTTP_201_CREATED)


class OvertimeRequestDetailApi(RetrieveAPIView):
    """One visible request with its history (404 when the caller may not see it)."""

    serializer_class = OvertimeRequestDetailOutputSerializer

    def get_object(self) -> OvertimeRequest:
        return overtime_selectors.overtime_request_get(
            user=signed_in_user(self.request), request_id=self.kwargs["request_id"]
        )


class _DecisionInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The version you read; 409 when it changed.")
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class OvertimeRequestApproveApi(APIView):
    """Approve a pending request: the requester's supervisor, their active delegate or an admin.

    403 for anyone else (the requester included), 409 when ``version`` is stale.
    """

    class InputSerializer(_DecisionInputSerializer):
        pass

    @extend_schema(request=InputSerializer, responses={200: OvertimeRequestOutputSerializer})
    def post(self, request: Request, request_id: int) -> Response:
        return _decide(request, request_id, self.InputSerializer, overtime.overtime_request_approve)


class OvertimeRequestDenyApi(APIView):
    """Deny a pending request with a comment (required); same deciders and 409 as approving."""

    class InputSerializer(_DecisionInputSerializer):
        comment = serializers.CharField(max_length=2000)

    @extend_schema(request=InputSerializer, responses={200: OvertimeRequestOutputSerializer})
    def post(self, request: Request, request_id: int) -> Response:
        return _decide(request, request_id, self.InputSerializer, overtime.overtime_request_deny)


def _decide(
    request: Request,
    request_id: int,
    input_serializer: type[serializers.Serializer],
    decide: Callable[..., OvertimeRequest],
) -> Response:
    user = signed_in_user(request)
    overtime_request = overtime_selectors.overtime_request_get(user=user, request_id=request_id)
    serializer = input_serializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    decided = decide(
        overtime_request=overtime_request,
        decided_by=user,
        expected_version=serializer.validated_data["version"],
        comment=serializer.validated_data["comment"],
    )
    return Response(OvertimeRequestOutputSerializer(decided).data)


class OvertimeRequestCancelApi(APIView):
    """The requester withdraws a pending request (409 when ``version`` is stale)."""

    class InputSerializer(serializers.Serializer):
        version = serializers.IntegerField(min_value=1)

    @extend_schema(request=InputSerializer, responses={200: OvertimeRequestOutputSerializer})
    def post(self, request: Request, request_id: int) -> Response:
        user = signed_in_user(request)
        overtime_request = overtime_selectors.overtime_request_get(user=user, request_id=request_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cancelled = overtime.overtime_request_cancel(
            overtime_request=overtime_request,
            cancelled_by=user,
            expected_version=serializer.validated_data["version"],
        )
        return Response(OvertimeRequestOutputSerializer(cancelled).data)
