"""Output shapes of the students API."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from core.choices import JobStatus
from students import selectors
from students.models import Charge, Payment, RosterImportJob


class RosterIssueOutputSerializer(serializers.Serializer):
    file = serializers.CharField()
    line = serializers.IntegerField(help_text="Line in the file; the header is 1.")
    field = serializers.CharField(help_text="The column at fault.")
    message = serializers.CharField()
    key = serializers.CharField(help_text="The row's sourcedId, when it has one.")


class RosterImportJobOutputSerializer(serializers.Serializer):
    """A roster import running in the background: poll ``url`` until ``status`` is succeeded,
    failed or cancelled."""

    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=JobStatus.choices)
    phase = serializers.SerializerMethodField()
    rows_done = serializers.SerializerMethodField()
    rows_total = serializers.SerializerMethodField()
    requested_by = serializers.CharField(source="requested_by.username")
    file_name = serializers.CharField()
    valid_only = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    created = serializers.IntegerField(source="students_created")
    updated = serializers.IntegerField(source="students_updated")
    unchanged = serializers.IntegerField(source="students_unchanged")
    staff_skipped = serializers.IntegerField()
    error_rows = serializers.IntegerField(source="rows_refused")
    error_message = serializers.CharField()

    def _figures(self, job: RosterImportJob) -> selectors.RosterJobFigures:
        return selectors.roster_job_progress(job=job)

    def get_url(self, job: RosterImportJob) -> str:
        path = reverse("api:roster-job-detail", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_phase(self, job: RosterImportJob) -> str:
        return self._figures(job).phase

    def get_rows_done(self, job: RosterImportJob) -> int:
        return self._figures(job).done

    def get_rows_total(self, job: RosterImportJob) -> int:
        return self._figures(job).total


class RosterImportJobDetailOutputSerializer(RosterImportJobOutputSerializer):
    errors = RosterIssueOutputSerializer(source="row_errors", many=True)  # type: ignore[assignment]


class PaymentOutputSerializer(serializers.ModelSerializer):
    received_by = serializers.CharField(source="received_by.username")

    class Meta:
        model = Payment
        fields = [
            "id",
            "charge_id",
            "receipt_number",
            "amount",
            "method",
            "received_at",
            "received_by",
            "note",
        ]


class ChargeOutputSerializer(serializers.ModelSerializer):
    student_id = serializers.IntegerField()
    student = serializers.CharField(source="student.identifier", help_text="The district's student ID.")
    device_id = serializers.IntegerField()
    asset_tag = serializers.CharField(source="device.asset_tag")
    ticket_id = serializers.IntegerField(allow_null=True)
    handout_id = serializers.IntegerField(allow_null=True)
    balance = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)

    class Meta:
        model = Charge
        fields = [
            "id",
            "student_id",
            "student",
            "device_id",
            "asset_tag",
            "ticket_id",
            "handout_id",
            "damage_cause",
            "amount",
            "amount_paid",
            "balance",
            "status",
            "reason",
            "version",
            "created_at",
        ]


class ChargeDetailOutputSerializer(ChargeOutputSerializer):
    payments = PaymentOutputSerializer(many=True, read_only=True)

    class Meta(ChargeOutputSerializer.Meta):
        fields = [*ChargeOutputSerializer.Meta.fields, "payments"]
