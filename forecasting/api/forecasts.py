"""Forecast API: thin views over forecasting.services.runs and forecasting.selectors."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import HasAnyRole
from forecasting import permissions
from forecasting.api.serializers import (
    ForecastRunOutputSerializer,
    PartForecastDetailOutputSerializer,
    PartForecastOutputSerializer,
    ReorderSuggestionOutputSerializer,
)
from forecasting.choices import ForecastTrigger
from forecasting.filters import PartForecastFilterSet, ReorderSuggestionFilterSet
from forecasting.models import ForecastRun, PartForecast, ReorderSuggestion
from forecasting.selectors import forecasts as selectors
from forecasting.services import runs


class CanViewForecasts(BasePermission):
    message = "Forecasts are for procurement, supervisors and administrators."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return permissions.can_view_forecasts(request.user)


class CanRunForecast(BasePermission):
    message = "Only procurement and administrators start forecast runs."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in ("GET", "HEAD", "OPTIONS") or permissions.can_run_forecast(request.user)


FORECAST_READ = [IsAuthenticated, HasAnyRole, CanViewForecasts]


class ForecastRunListApi(ListAPIView):
    """Forecast runs, newest first (GET); POST starts a run now instead of waiting for tonight's."""

    permission_classes = [*FORECAST_READ, CanRunForecast]
    serializer_class = ForecastRunOutputSerializer
    queryset = ForecastRun.objects.none()

    def get_queryset(self) -> QuerySet[ForecastRun]:
        return selectors.run_list()

    @extend_schema(
        request=None,
        responses={
            202: ForecastRunOutputSerializer,
            409: OpenApiResponse(description="A run is already pending or running."),
            503: OpenApiResponse(
                description="The task queue is unreachable: no run was started (nothing is left "
                "pending). Try again after Retry-After seconds."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        user = request.user
        assert isinstance(user, User)  # IsAuthenticated ran first
        run = runs.forecast_run_start(actor=user, trigger=ForecastTrigger.MANUAL)
        run = selectors.run_get(run_id=run.pk)
        return Response(ForecastRunOutputSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class ForecastRunDetailApi(APIView):
    """One run with its progress (parts done of part count)."""

    permission_classes = FORECAST_READ

    @extend_schema(responses=ForecastRunOutputSerializer)
    def get(self, request: Request, run_id: int) -> Response:
        return Response(ForecastRunOutputSerializer(selectors.run_get(run_id=run_id)).data)


class PartForecastListApi(ListAPIView):
    """The latest succeeded run's forecast per part, largest expected spend first."""

    permission_classes = FORECAST_READ
    serializer_class = PartForecastOutputSerializer
    filterset_class = PartForecastFilterSet
    queryset = PartForecast.objects.none()

    def get_queryset(self) -> QuerySet[PartForecast]:
        return selectors.forecast_list()


class PartForecastDetailApi(APIView):
    """A part's latest forecast with weekly means and quantiles; 404 when it has none."""

    permission_classes = FORECAST_READ

    @extend_schema(responses=PartForecastDetailOutputSerializer)
    def get(self, request: Request, part_id: int) -> Response:
        forecast = selectors.part_forecast_latest(part_id=part_id)
        if forecast is None:
            raise Http404("No forecast for this part yet.")
        return Response(PartForecastDetailOutputSerializer(forecast).data)


class ReorderSuggestionListApi(ListAPIView):
    """What to order per part and stock location, from the latest succeeded run."""

    permission_classes = FORECAST_READ
    serializer_class = ReorderSuggestionOutputSerializer
    filterset_class = ReorderSuggestionFilterSet
    queryset = ReorderSuggestion.objects.none()

    def get_queryset(self) -> QuerySet[ReorderSuggestion]:
        return selectors.suggestion_list()
