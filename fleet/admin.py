from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from accounts.models import User
from core.admin import (
    AppendOnlyAdminMixin,
    AuditedModelAdmin,
    BigTableAdminMixin,
    run_service,
    service_action_form,
)
from fleet import models
from fleet.choices import DeviceStatus
from fleet.selectors import devices as device_selectors
from fleet.services import devices as device_services

# Moved only by the device services, each move with its custody event.
DEVICE_CUSTODY_FIELDS = ["status", "location", "custodian", "assignee_kind", "assignee_id"]


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the admin site lets only signed-in staff in
    return request.user


@admin.register(models.Manufacturer)
class ManufacturerAdmin(AuditedModelAdmin):
    list_display = ["name", "serial_regex", "serial_example"]
    search_fields = ["name"]


@admin.register(models.DeviceModel)
class DeviceModelAdmin(AuditedModelAdmin):
    list_display = ["name", "manufacturer", "device_type", "aue_month", "warranty_months", "unit_price"]
    list_filter = ["manufacturer", "device_type"]
    search_fields = ["name", "model_codes", "google_names"]


@admin.register(models.Location)
class LocationAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "kind", "cluster", "is_active"]
    list_filter = ["kind", "cluster", "is_active"]
    search_fields = ["code", "name"]


@admin.register(models.ImportMapping)
class ImportMappingAdmin(AuditedModelAdmin):
    """Answers imports learnt; people edit them on Import → mappings, the admin is for repairs."""

    list_display = ["kind", "key", "location", "device_model", "updated_by", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["key"]
    readonly_fields = ["key_normalised", "updated_by"]
    raw_id_fields = ["location", "device_model"]
    list_select_related = ["location", "device_model", "updated_by"]

    def save_model(self, request: Any, obj: models.ImportMapping, form: Any, change: bool) -> None:
        obj.key_normalised = models.ImportMapping.normalise(obj.key)  # the key imports look up
        super().save_model(request, obj, form, change)


class DeviceStatusForm(forms.Form):
    to_status = forms.ChoiceField(label="New status", choices=DeviceStatus.choices)
    reason = forms.CharField(
        max_length=255, help_text="Kept on the device's custody timeline with your name."
    )


class DeviceMoveForm(forms.Form):
    to_location = forms.ModelChoiceField(label="New location", queryset=models.Location.objects.none())
    reason = forms.CharField(max_length=255, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_location"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = device_selectors.location_list(user=user)


@admin.register(models.Device)
class DeviceAdmin(BigTableAdminMixin, AuditedModelAdmin):
    """Status, place, holder and assignee move only through the actions below (the device
    services), so each move writes its custody event with the admin as actor."""

    list_display = ["asset_tag", "serial", "model", "status", "location", "warranty_end"]
    list_filter = ["status", "manufacturer", "is_loaner"]
    # Prefix search: "^" keeps it on the asset tag and serial indexes at 250,000 devices.
    search_fields = ["^asset_tag", "^serial"]
    raw_id_fields = ["location", "custodian", "model"]
    list_select_related = ["model", "location"]
    actions = ["change_status", "move_to_location"]

    def get_readonly_fields(self, request: HttpRequest, obj: models.Device | None = None) -> list[str]:
        # A new device needs its first location (it starts in stock); after that only a move changes it.
        custody = [name for name in DEVICE_CUSTODY_FIELDS if obj is not None or name != "location"]
        return [*custody, "version"]

    @admin.action(description="Change status…", permissions=["change"])
    def change_status(
        self, request: HttpRequest, queryset: QuerySet[models.Device]
    ) -> TemplateResponse | None:
        actor = _actor(request)

        def apply(data: Mapping[str, Any]) -> None:
            run_service(
                self,
                request,
                queryset,
                call=lambda device: device_services.device_change_status(
                    device=device, actor=actor, to_status=data["to_status"], reason=data["reason"]
                ),
                fields=DEVICE_CUSTODY_FIELDS,
                note=f"Reason: {data['reason']}",
                done="Changed the status of",
            )

        return service_action_form(
            self,
            request,
            queryset,
            action="change_status",
            form_class=DeviceStatusForm,
            title="Change the status of devices",
            submit="Change status",
            apply=apply,
        )

    @admin.action(description="Move to another location…", permissions=["change"])
    def move_to_location(
        self, request: HttpRequest, queryset: QuerySet[models.Device]
    ) -> TemplateResponse | None:
        actor = _actor(request)

        class Form(DeviceMoveForm):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, user=actor, **kwargs)

        def apply(data: Mapping[str, Any]) -> None:
            run_service(
                self,
                request,
                queryset,
                call=lambda device: device_services.device_move(
                    device=device, actor=actor, to_location=data["to_location"], reason=data["reason"]
                ),
                fields=DEVICE_CUSTODY_FIELDS,
                note=f"Reason: {data['reason']}" if data["reason"] else "",
                done="Moved",
            )

        return service_action_form(
            self,
            request,
            queryset,
            action="move_to_location",
            form_class=Form,
            title="Move devices to another location",
            submit="Move",
            apply=apply,
        )


@admin.register(models.CustodyEvent)
class CustodyEventAdmin(BigTableAdminMixin, AppendOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Append-only: the history is written by services and never edited by hand."""

    list_display = ["device", "kind", "occurred_at", "actor", "from_status", "to_status", "to_location"]
    list_filter = ["kind"]
    date_hierarchy = "occurred_at"  # custody_time_id_idx
    raw_id_fields = [
        "device",
        "actor",
        "from_location",
        "to_location",
        "from_custodian",
        "to_custodian",
        "ticket",
    ]
    list_select_related = ["device", "actor", "from_location", "to_location"]


class LocationAuditScanInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.LocationAuditScan
    fields = ["scanned_code", "device", "outcome", "scanned_at"]
    readonly_fields = ["scanned_code", "device", "outcome", "scanned_at"]
    raw_id_fields = ["device"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: models.LocationAudit | None = None) -> bool:
        return False


@admin.register(models.LocationAudit)
class LocationAuditAdmin(AuditedModelAdmin):
    """Audits start and finish on the scan pages (one open audit per location); finishing here
    goes through the same service, which writes the missing lines and the custody events."""

    list_display = ["location", "started_by", "started_at", "finished_at"]
    list_filter = ["location__kind"]
    raw_id_fields = ["location", "started_by"]
    readonly_fields = ["location", "started_by", "started_at", "finished_at"]
    list_select_related = ["location", "started_by"]
    inlines = [LocationAuditScanInline]
    actions = ["finish_audit"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Finish the audit", permissions=["change"])
    def finish_audit(self, request: HttpRequest, queryset: QuerySet[models.LocationAudit]) -> None:
        actor = _actor(request)
        run_service(
            self,
            request,
            queryset,
            call=lambda audit: device_services.location_audit_finish(audit=audit, actor=actor),
            fields=["finished_at"],
            done="Finished",
        )


@admin.register(models.LocationAuditScan)
class LocationAuditScanAdmin(AppendOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Append-only: audit lines are written by services."""

    list_display = ["audit", "scanned_code", "device", "outcome", "scanned_at"]
    list_filter = ["outcome"]
    raw_id_fields = ["audit", "device"]
    list_select_related = ["audit", "device"]
    show_full_result_count = False


@admin.register(models.SummaryRefresh)
class SummaryRefreshAdmin(AppendOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """When each report summary table was last rebuilt (by its nightly task)."""

    list_display = ["name", "refreshed_at", "rows"]


@admin.register(models.DeviceTally)
class DeviceTallyAdmin(AppendOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Rebuilt whole from the devices; shown to check a report's figures, never edited."""

    list_display = ["location", "model", "status", "aue_override", "devices"]
    list_select_related = ["location", "model"]
    list_filter = ["status"]


@admin.register(models.GoogleSyncRun)
class GoogleSyncRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A run is a record of what the Google sync did: its status and counts are the job's alone.
    Runs start from the Google sync page ("Sync now") or the nightly schedule, never here."""

    list_display = ["pk", "trigger", "status", "created_at", "finished_at", "devices_seen", "refused"]
    list_filter = ["status", "trigger"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.GoogleSyncRun | None = None) -> bool:
        return False


@admin.register(models.ImportJob)
class ImportJobAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Import jobs are written by their services only: the admin reads them."""

    list_display = ["pk", "file_name", "requested_by", "status", "created_at", "devices_created"]
    list_filter = ["status"]
    list_select_related = ["requested_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.District)
class DistrictAdmin(AuditedModelAdmin):
    list_display = ["name", "labour_rate_per_hour", "student_names_shown"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One row, created with defaults on first read (District.current()): edit it, never add.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False
