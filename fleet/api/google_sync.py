"""Google Admin sync over the API: start a run now, and list the runs."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import HasAnyRole
from fleet import permissions
from fleet.models import GoogleSyncRun
from fleet.selectors import google_sync as selectors
from fleet.services import google_sync as services


class CanSyncGoogle(BasePermission):
    message = "Only supervisors and administrators (who may import devices) use the Google sync."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return permissions.can_import_devices(request.user)


class GoogleSyncRunOutputSerializer(serializers.ModelSerializer):
    requested_by: serializers.StringRelatedField[User] = serializers.StringRelatedField()

    class Meta:
        model = GoogleSyncRun
        fields = [
            "id",
            "trigger",
            "status",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "pages",
            "retries",
            "devices_seen",
            "created",
            "updated",
            "unchanged",
            "refused",
            "removed_count",
            "removed",
            "problems",
            "error_message",
        ]


class GoogleSyncStartApi(APIView):
    """Start a sync from Google Admin now (202 with the run; poll ``google-sync/runs/``).

    400 when the sync is not set up (the message says what is missing), 409 while another run is
    pending or running, 503 when the task queue is unreachable (no run is left pending).
    """

    permission_classes = [IsAuthenticated, HasAnyRole, CanSyncGoogle]

    @extend_schema(
        request=None,
        responses={
            202: GoogleSyncRunOutputSerializer,
            400: OpenApiResponse(description="Google sync is not set up."),
            409: OpenApiResponse(description="A sync is already pending or running."),
            503: OpenApiResponse(description="The task queue is unreachable: try again after Retry-After."),
        },
    )
    def post(self, request: Request) -> Response:
        user = request.user
        assert isinstance(user, User)  # IsAuthenticated ran first
        run = services.google_sync_start(actor=user)
        run = selectors.google_sync_run_get(run_id=run.pk)
        return Response(GoogleSyncRunOutputSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class GoogleSyncRunListApi(ListAPIView):
    """Sync runs, newest first, with their counts and the devices gone from Google."""

    permission_classes = [IsAuthenticated, HasAnyRole, CanSyncGoogle]
    serializer_class = GoogleSyncRunOutputSerializer
    queryset = GoogleSyncRun.objects.none()

    def get_queryset(self) -> QuerySet[GoogleSyncRun]:
        return selectors.google_sync_run_list()
