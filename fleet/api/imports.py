"""Device import over the API: the same service and report as the command and the browser."""

from __future__ import annotations

from dataclasses import asdict

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fleet import permissions
from fleet.choices import ImportMappingKind
from fleet.services import importing
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


class DeviceImportApi(APIView):
    """Import devices from a GAM, Admin console or CSV file (multipart upload).

    All or nothing unless ``valid_only``: any bad row gives 400 with the row errors and writes
    nothing; names it could not match are listed in ``questions``: answer them with
    ``POST import-mappings/`` and send the file again. ``dry_run`` writes nothing and returns the
    report (200) whatever it says. 201 when devices were created, 200 otherwise. Supervisors and
    administrators only.
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
            201: ImportReportOutputSerializer,
            400: ImportRefusedOutputSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        if not permissions.can_import_devices(request.user):
            raise PermissionDenied
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            report = importing.devices_import(
                data=data["file"].read(),
                actor=request.user,  # type: ignore[arg-type]
                file_format=data["format"],
                dry_run=data["dry_run"],
                valid_only=data["valid_only"],
                default_location=data["location"],
                source=data["file"].name or "",
            )
        except importing.ImportRejected as exc:
            report_data = asdict(exc.report)
            body = {"detail": str(exc), "report": report_data, "questions": report_data["questions"]}
            return Response(ImportRefusedOutputSerializer(body).data, status=status.HTTP_400_BAD_REQUEST)
        code = status.HTTP_201_CREATED if report.written and report.created else status.HTTP_200_OK
        return Response(ImportReportOutputSerializer(asdict(report)).data, status=code)


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
