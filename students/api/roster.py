"""Roster import over the API: send a OneRoster export, get 202 and the job to poll."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import RetrieveAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasAnyRole
from students import permissions, selectors
from students.api.serializers import RosterImportJobDetailOutputSerializer, RosterImportJobOutputSerializer
from students.models import RosterImportJob
from students.services import roster_jobs


class CanImportRosters(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return permissions.can_import_rosters(request.user)


class RosterImportApi(APIView):
    """Import students from a OneRoster 1.1 or 1.2 CSV export (multipart: ``file`` once for a
    zip, or repeated for orgs.csv, users.csv, enrollments.csv and roles.csv).

    202 with the job to poll at its ``url`` (with no task queue it has already ended). All or
    nothing unless ``valid_only``: any bad row ends the job failed with its row errors (file, line,
    field). An export over ROSTER_IMPORT_MAX_BYTES or ROSTER_IMPORT_MAX_ROWS, or missing a file or
    column, is refused with 400 naming ``file``. Supervisors and administrators only.
    """

    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [IsAuthenticated, HasAnyRole, CanImportRosters]

    class InputSerializer(serializers.Serializer):
        file = serializers.ListField(child=serializers.FileField(), min_length=1, max_length=5)
        valid_only = serializers.BooleanField(default=False)

    @extend_schema(request=InputSerializer, responses={202: RosterImportJobOutputSerializer})
    def post(self, request: Request) -> Response:
        if not permissions.can_import_rosters(request.user):
            raise PermissionDenied
        serializer = self.InputSerializer(data={"file": request.FILES.getlist("file"), **request.POST.dict()})
        serializer.is_valid(raise_exception=True)
        uploads = serializer.validated_data["file"]
        job = roster_jobs.roster_job_create(
            actor=request.user,  # type: ignore[arg-type]
            files=[(upload.name or "", upload.read()) for upload in uploads],
            filename=", ".join(upload.name or "" for upload in uploads),
            valid_only=serializer.validated_data["valid_only"],
        )
        body = RosterImportJobOutputSerializer(job, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class RosterJobDetailApi(RetrieveAPIView):  # type: ignore[type-arg]
    """One roster import with its live progress and, once it ended, its row errors."""

    permission_classes = [IsAuthenticated, HasAnyRole, CanImportRosters]
    serializer_class = RosterImportJobDetailOutputSerializer
    queryset = RosterImportJob.objects.none()

    def get_object(self) -> RosterImportJob:
        return selectors.roster_job_get(user=self.request.user, job_id=self.kwargs["job_id"])
