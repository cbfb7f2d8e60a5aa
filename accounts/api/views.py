"""Accounts API: overtime rules, requests and their decisions, over the pages' services and selectors."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import overtime, permissions, selectors
from accounts.api.serializers import (
    OvertimeRequestDetailOutputSerializer,
    OvertimeRequestOutputSerializer,
    OvertimeRuleOutputSerializer,
)
from accounts.choices import Weekday
from accounts.filters import OvertimeRequestFilterSet
from accounts.models import OvertimeRequest, OvertimeRule, User
from fleet.models import Location
from repairs.models import Ticket


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)  # guaranteed by the default IsAuthenticated + HasAnyRole permissions
    return user


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
        return selectors.overtime_rule_history()

    @extend_schema(request=InputSerializer, responses={201: OvertimeRuleOutputSerializer})
    def post(self, request: Request) -> Response:
        if not permissions.can_edit_overtime_rules(request.user):
            raise PermissionDenied
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = overtime.overtime_rule_create(created_by=_user(request), **serializer.validated_data)
        return Response(OvertimeRuleOutputSerializer(rule).data, status=status.HTTP_201_CREATED)


# Overtime requests -----------------------------------------------------------------------------


class OvertimeRequestListApi(ListAPIView):
    """Requests the caller may see (own, their teams', all for admins); POST asks for overtime."""

    serializer_class = OvertimeRequestOutputSerializer
    filterset_class = OvertimeRequestFilterSet
    queryset = OvertimeRequest.objects.none()  # tells the schema generator the model

    class InputSerializer(serializers.Serializer):
        work_date = serializers.DateField()
        expected_hours = serializers.DecimalField(max_digits=4, decimal_places=2)
        reason = serializers.CharField(max_length=2000)
        location = serializers.PrimaryKeyRelatedField(
            queryset=Location.objects.all(), required=False, allow_null=True, default=None
        )
        tickets = serializers.PrimaryKeyRelatedField(
            queryset=Ticket.objects.all(), many=True, required=False, default=list
        )
        is_emergency = serializers.BooleanField(
            default=False, help_text="Required for a past date: emergency work the supervisor reviews."
        )

    def get_queryset(self) -> QuerySet[OvertimeRequest]:
        return selectors.overtime_request_list(user=_user(self.request))

    @extend_schema(request=InputSerializer, responses={201: OvertimeRequestOutputSerializer})
    def post(self, request: Request) -> Response:
        if not permissions.can_request_overtime(request.user):
            raise PermissionDenied
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = overtime.overtime_request_create(requester=_user(request), **serializer.validated_data)
        return Response(OvertimeRequestOutputSerializer(created).data, status=status.HTTP_201_CREATED)


class OvertimeRequestDetailApi(RetrieveAPIView):
    """One visible request with its history (404 when the caller may not see it)."""

    serializer_class = OvertimeRequestDetailOutputSerializer

    def get_object(self) -> OvertimeRequest:
        return selectors.overtime_request_get(user=_user(self.request), request_id=self.kwargs["request_id"])


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
    user = _user(request)
    overtime_request = selectors.overtime_request_get(user=user, request_id=request_id)
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
        user = _user(request)
        overtime_request = selectors.overtime_request_get(user=user, request_id=request_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cancelled = overtime.overtime_request_cancel(
            overtime_request=overtime_request,
            cancelled_by=user,
            expected_version=serializer.validated_data["version"],
        )
        return Response(OvertimeRequestOutputSerializer(cancelled).data)
