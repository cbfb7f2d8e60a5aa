"""Device import over the API: the same services and report as the command and the browser.

A file sent for import starts a background job (202); the job is polled at import-jobs/<id>/.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasAnyRole
from fleet import permissions
from fleet.choices import ImportJobStatus, ImportMappingKind
from fleet.models import ImportJob
from fleet.selectors import imports as import_selectors
from fleet.services import importing
from fleet.services.importing import jobs, uploads
from fleet.services.importing import mappings as import_mappings


class ImportIssueOutputSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Record number in the file; the header is 1.")
    asset_tag = serializers.CharField()
    serial = serializers.CharField()
    code = serializers.CharField()
    reason = serializers.CharField()
    detail = serializers.CharField()


class ImportPlannedDeviceOutputSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    asset_tag = serializers.CharField()
    serial = serializers.CharField()
    model = serializers.CharField()
    location = serializers.CharField()
    status = serializers.CharField()


class ImportQuestionOutputSerializer(serializers.Serializer):
    """A name the import could not match: answer it with POST import-mappings/ and import again."""

    kind = serializers.ChoiceField(
        choices=ImportMappingKind.choices,
        help_text="location: answer with a location code; model: answer with a catalogue model name.",
    )
    text = serializers.CharField(help_text="The name as the file has it: the mapping's key.")
    org_unit_path = serializers.CharField(allow_blank=True)
    first_row = serializers.IntegerField()
    rows = serializers.IntegerField()


class ImportReportOutputSerializer(serializers.Serializer):
    """With ``dry_run`` (or ``written`` false) the counts say what the import would do."""

    format = serializers.CharField()
    # DRF takes declared fields off the class, so these names do not shadow Serializer attributes.
    source = serializers.CharField()  # type: ignore[assignment]
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    error_rows = serializers.IntegerField()
    errors = ImportIssueOutputSerializer(many=True)  # type: ignore[assignment]
    notices = ImportIssueOutputSerializer(many=True)
    to_create = ImportPlannedDeviceOutputSerializer(many=True)
    questions = ImportQuestionOutputSerializer(many=True)
    dry_run = serializers.BooleanField()
    valid_only = serializers.BooleanField()
    written = serializers.BooleanField()


class ImportRefusedOutputSerializer(serializers.Serializer):
    """A refusal: ``detail`` says why, and ``report`` lists the bad rows when rows were at fault.

    Unreadable files carry only ``detail``; invalid input carries DRF's field errors instead.
    """

    detail = serializers.CharField(required=False)
    report = ImportReportOutputSerializer(required=False)
    questions = ImportQuestionOutputSerializer(
        many=True, required=False, help_text="The report's mapping questions, repeated for convenience."
    )


class ImportJobOutputSerializer(serializers.Serializer):
    """A device import running in the background. Poll ``url`` until ``status`` is succeeded,
    failed or cancelled; ``rows_done`` of ``rows_total`` are through ``phase`` meanwhile."""

    id = serializers.IntegerField()
    url = serializers.SerializerMethodField(help_text="Where to poll the job.")
    status = serializers.ChoiceField(choices=ImportJobStatus.choices)
    phase = serializers.SerializerMethodField(help_text="checking or writing; blank before it starts.")
    rows_done = serializers.SerializerMethodField()
    rows_total = serializers.SerializerMethodField()
    requested_by = serializers.CharField(source="requested_by.username")
    file_name = serializers.CharField()
    file_format = serializers.CharField()
    valid_only = serializers.BooleanField()
    default_location = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    created = serializers.IntegerField(source="devices_created")
    updated = serializers.IntegerField(source="devices_updated")
    unchanged = serializers.IntegerField(source="devices_unchanged")
    error_rows = serializers.IntegerField(source="rows_refused")
    error_message = serializers.CharField()
    cancel_requested = serializers.BooleanField()

    def _figures(self, job: ImportJob) -> import_selectors.JobFigures:
        return import_selectors.import_job_progress(job=job)

    def get_url(self, job: ImportJob) -> str:
        path = reverse("api:import-job-detail", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_phase(self, job: ImportJob) -> str:
        return self._figures(job).phase

    def get_rows_done(self, job: ImportJob) -> int:
        return self._figures(job).done

    def get_rows_total(self, job: ImportJob) -> int:
        return self._figures(job).total


class ImportJobDetailOutputSerializer(ImportJobOutputSerializer):
    errors = ImportIssueOutputSerializer(
        source="row_errors",
        many=True,
        help_text="Rows with problems (the first 10,000): why a job failed, or the rows valid_only skipped.",
    )  # type: ignore[assignment]


class CanImportDevices(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return permissions.can_import_devices(request.user)


class ImportJobMixin(GenericAPIView):  # type: ignore[type-arg]
    permission_classes = [IsAuthenticated, HasAnyRole, CanImportDevices]


class ImportJobListApi(ImportJobMixin, ListAPIView):  # type: ignore[type-arg]
    """Device imports, newest first: who, when, which file, how they ended. Supervisors and
    administrators only."""

    serializer_class = ImportJobOutputSerializer
    queryset = ImportJob.objects.none()  # tells the schema generator the model

    def get_queryset(self) -> QuerySet[ImportJob]:
        return import_selectors.import_job_list(user=self.request.user)


class ImportJobDetailApi(ImportJobMixin, RetrieveAPIView):  # type: ignore[type-arg]
    """One device import with its live progress and, once it ended, its row errors."""

    serializer_class = ImportJobDetailOutputSerializer
    queryset = ImportJob.objects.none()

    def get_object(self) -> ImportJob:
        return import_selectors.import_job_get(user=self.request.user, job_id=self.kwargs["job_id"])


class ImportJobCancelApi(ImportJobMixin):
    """Ask a running or pending import to stop: nothing it did is written. 200 with the job
    (a pending one is cancelled at once, a running one stops within a second or so); 400 when
    it has already ended."""

    serializer_class = ImportJobOutputSerializer
    queryset = ImportJob.objects.none()

    @extend_schema(request=None, responses={200: ImportJobOutputSerializer})
    def post(self, request: Request, job_id: int) -> Response:
        job = import_selectors.import_job_get(user=request.user, job_id=job_id)
        job = jobs.import_job_cancel(job=job, actor=request.user)  # type: ignore[arg-type]
        return Response(ImportJobOutputSerializer(job, context={"request": request}).data)


class DeviceImportApi(APIView):
    """Import devices from a GAM, Admin console or CSV file (multipart upload).

    The import runs as a background job: 202 with the job, to poll at its ``url`` (with no task
    queue configured it has already ended by the answer). All or nothing unless ``valid_only``:
    any bad row ends the job failed with its row errors, nothing written; names it could not
    match are listed by a ``dry_run``'s ``questions``: answer them with ``POST import-mappings/``
    and send the file again. ``dry_run`` checks at once, writes nothing and returns the report
    (200) whatever it says. Files over DEVICE_IMPORT_MAX_BYTES or DEVICE_IMPORT_MAX_ROWS are
    refused (400 naming ``file``). Supervisors and administrators only.
    """

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()
        format = serializers.ChoiceField(
            choices=importing.ImportFormat.choices, default=importing.ImportFormat.AUTO
        )
        dry_run = serializers.BooleanField(default=False)
        valid_only = serializers.BooleanField(default=False)
        location = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            help_text="Code of the location for new devices whose row names no known location.",
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            200: ImportReportOutputSerializer,
            202: ImportJobOutputSerializer,
            400: ImportRefusedOutputSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        if not permissions.can_import_devices(request.user):
            raise PermissionDenied
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data["file"]
        if not data["dry_run"]:
            job = jobs.import_job_create(
                actor=request.user,  # type: ignore[arg-type]
                data=upload,
                filename=upload.name or "",
                file_format=data["format"],
                valid_only=data["valid_only"],
                default_location=data["location"],
            )
            body = ImportJobOutputSerializer(job, context={"request": request}).data
            return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})
        uploads.upload_check_size(size=upload.size)
        # A large upload is already on disk (Django's temporary file): read it from there.
        on_disk = getattr(upload, "temporary_file_path", None)
        report = importing.devices_import(
            data=Path(on_disk()) if on_disk else upload.read(),
            actor=request.user,  # type: ignore[arg-type]
            file_format=data["format"],
            dry_run=True,
            valid_only=data["valid_only"],
            default_location=data["location"],
            source=upload.name or "",
        )
        return Response(ImportReportOutputSerializer(asdict(report)).data, status=status.HTTP_200_OK)


class ImportMappingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    key = serializers.CharField()
    location = serializers.CharField(source="location.code", allow_null=True, default=None)
    device_model = serializers.CharField(source="device_model.name", allow_null=True, default=None)


class ImportMappingListApi(APIView):
    """GET: the answers every import reuses. POST: answer an import question (replaces the
    answer for the same kind and key): 201. Supervisors and administrators only."""

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=ImportMappingKind.choices)
        key = serializers.CharField(
            max_length=255, help_text="A question's text: the name as the file has it."
        )
        target = serializers.CharField(
            max_length=120,
            help_text="A location code (kind location) or a catalogue model name (kind model).",
        )

    @extend_schema(responses={200: ImportMappingOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        if not permissions.can_import_devices(request.user):
            raise PermissionDenied
        mappings = import_mappings.import_mapping_list()
        return Response(ImportMappingOutputSerializer(mappings, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: ImportMappingOutputSerializer})
    def post(self, request: Request) -> Response:
        if not permissions.can_import_devices(request.user):
            raise PermissionDenied
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mapping = import_mappings.import_mapping_save(
            actor=request.user,  # type: ignore[arg-type]
            **serializer.validated_data,
        )
        return Response(ImportMappingOutputSerializer(mapping).data, status=status.HTTP_201_CREATED)
