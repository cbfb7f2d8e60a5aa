"""Time and pay API: time entries and weekly timesheets, with the pages' rules and visibility."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import signed_in_user
from fleet.selectors import devices as fleet_selectors
from staff import permissions as staff_permissions
from staff.api.serializers import TimeEntryOutputSerializer, TimesheetOutputSerializer
from staff.choices import TimeEntryKind
from staff.filters import TimeEntryFilterSet, TimesheetFilterSet
from staff.models import TimeEntry, Timesheet
from staff.selectors import time as time_selectors
from staff.services import timesheets


class TimeEntryInputSerializer(serializers.Serializer):
    work_date = serializers.DateField()
    kind = serializers.ChoiceField(choices=TimeEntryKind.choices)
    hours = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        min_value=timesheets.MIN_ENTRY_HOURS,
        max_value=timesheets.MAX_DAY_HOURS,
    )
    mileage = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0"),
        max_value=Decimal("500"),
        required=False,
        allow_null=True,
    )
    location_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="An active location you can see (the form's choices).",
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def validate_location_id(self, value: int | None) -> int | None:
        """Looked up among the caller's own choices, as every related object a write names is."""
        request = self.context.get("request")
        if value is None or request is None:
            return value
        if not fleet_selectors.location_list(user=request.user).filter(pk=value).exists():
            raise serializers.ValidationError(f"Location {value} is not an active location you can choose.")
        return value


class TimeEntryListApi(ListAPIView):
    """GET: time entries the caller may see (own; team for supervisors; all for admins), with
    ``week_start`` (first day of the workweek), ``user`` and ``kind`` filters.
    POST: log one of the caller's own days (hours 0-24, at most 24 a day; mileage only on
    travel; no future days; not in a submitted or signed-off week)."""

    serializer_class = TimeEntryOutputSerializer
    filterset_class = TimeEntryFilterSet

    class InputSerializer(TimeEntryInputSerializer):
        pass

    def get_queryset(self) -> QuerySet[TimeEntry]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no signed-in user
            return TimeEntry.objects.none()
        return time_selectors.time_entry_list(user=signed_in_user(self.request))

    @extend_schema(request=InputSerializer, responses={201: TimeEntryOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        entry = timesheets.time_entry_create(actor=signed_in_user(request), **serializer.validated_data)
        return Response(TimeEntryOutputSerializer(entry).data, status=status.HTTP_201_CREATED)


class TimeEntryDetailApi(APIView):
    """One visible entry. PATCH and DELETE: own entries (admins: anyone's) of an open week."""

    class InputSerializer(TimeEntryInputSerializer):
        pass

    @extend_schema(responses=TimeEntryOutputSerializer)
    def get(self, request: Request, entry_id: int) -> Response:
        entry = time_selectors.time_entry_get(user=signed_in_user(request), entry_id=entry_id)
        return Response(TimeEntryOutputSerializer(entry).data)

    @extend_schema(request=InputSerializer(partial=True), responses=TimeEntryOutputSerializer)
    def patch(self, request: Request, entry_id: int) -> Response:
        entry = time_selectors.time_entry_get(user=signed_in_user(request), entry_id=entry_id)
        if not staff_permissions.can_change_time_entry(request.user, entry):
            raise PermissionDenied
        # No request in the context: the service checks the location only when it changes, so an
        # entry made at a site that has since closed can still be corrected.
        serializer = self.InputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        entry = timesheets.time_entry_update(
            entry=entry, actor=signed_in_user(request), **serializer.validated_data
        )
        return Response(TimeEntryOutputSerializer(entry).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, entry_id: int) -> Response:
        entry = time_selectors.time_entry_get(user=signed_in_user(request), entry_id=entry_id)
        if not staff_permissions.can_change_time_entry(request.user, entry):
            raise PermissionDenied
        timesheets.time_entry_delete(entry=entry, actor=signed_in_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TimesheetListApi(ListAPIView):
    """Timesheets the caller may see (pay is private): own; the team's for their supervisor and
    the supervisor's active delegate; all for admins. Filters: ``status``, ``week_start``,
    ``week_from``, ``week_to``, ``user``."""

    serializer_class = TimesheetOutputSerializer
    filterset_class = TimesheetFilterSet

    def get_queryset(self) -> QuerySet[Timesheet]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no signed-in user
            return Timesheet.objects.none()
        return time_selectors.timesheet_list(user=signed_in_user(self.request))


class TimesheetDetailApi(APIView):
    @extend_schema(responses=TimesheetOutputSerializer)
    def get(self, request: Request, timesheet_id: int) -> Response:
        timesheet = time_selectors.timesheet_get(user=signed_in_user(request), timesheet_id=timesheet_id)
        return Response(TimesheetOutputSerializer(timesheet).data)


class TimesheetSubmitApi(APIView):
    """The staff member hands in their open week (optionally electing comp time). 409 when stale."""

    class InputSerializer(serializers.Serializer):
        version = serializers.IntegerField(min_value=1)
        comp_time_elected = serializers.BooleanField(default=False)

    @extend_schema(request=InputSerializer, responses=TimesheetOutputSerializer)
    def post(self, request: Request, timesheet_id: int) -> Response:
        timesheet = time_selectors.timesheet_get(user=signed_in_user(request), timesheet_id=timesheet_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        timesheet = timesheets.timesheet_submit(
            timesheet=timesheet,
            actor=signed_in_user(request),
            expected_version=serializer.validated_data["version"],
            comp_time_elected=serializer.validated_data["comp_time_elected"],
        )
        return Response(
            TimesheetOutputSerializer(
                time_selectors.timesheet_get(user=signed_in_user(request), timesheet_id=timesheet.pk)
            ).data
        )


class TimesheetSignOffApi(APIView):
    """The owner's supervisor or an admin (never the owner) signs off a submitted week. 409 when stale."""

    class InputSerializer(serializers.Serializer):
        version = serializers.IntegerField(min_value=1)

    @extend_schema(request=InputSerializer, responses=TimesheetOutputSerializer)
    def post(self, request: Request, timesheet_id: int) -> Response:
        timesheet = time_selectors.timesheet_get(user=signed_in_user(request), timesheet_id=timesheet_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        timesheets.timesheet_sign_off(
            timesheet=timesheet,
            actor=signed_in_user(request),
            expected_version=serializer.validated_data["version"],
        )
        timesheet = time_selectors.timesheet_get(user=signed_in_user(request), timesheet_id=timesheet.pk)
        return Response(TimesheetOutputSerializer(timesheet).data)


class TimesheetReopenApi(APIView):
    """The owner's supervisor or an admin sends a submitted week back; signed-off weeks are final."""

    class InputSerializer(serializers.Serializer):
        version = serializers.IntegerField(min_value=1)

    @extend_schema(request=InputSerializer, responses=TimesheetOutputSerializer)
    def post(self, request: Request, timesheet_id: int) -> Response:
        timesheet = time_selectors.timesheet_get(user=signed_in_user(request), timesheet_id=timesheet_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        timesheets.timesheet_reopen(
            timesheet=timesheet,
            actor=signed_in_user(request),
            expected_version=serializer.validated_data["version"],
        )
        timesheet = time_selectors.timesheet_get(user=signed_in_user(request), timesheet_id=timesheet.pk)
        return Response(TimesheetOutputSerializer(timesheet).data)
