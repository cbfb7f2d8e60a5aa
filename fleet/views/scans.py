"""Bulk scan screens: scan to vehicle, check in at a location, collection check-in, audits.

A barcode scanner types the code and presses Enter: each scan posts one code with htmx and
gets back one row for the running list (plus the running count, swapped out of band). The
batch screens keep the scanned devices in the page as hidden ``device_id`` inputs that each
scan sends along, so the server can refuse a double scan and count without a session.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError
from core.htmx import domain_error_status, is_partial
from core.services import exports
from fleet import permissions
from fleet.choices import LocationKind
from fleet.forms import ScanForm
from fleet.models import Device, Location, LocationAudit
from fleet.selectors import devices as selectors
from fleet.services import devices as services

SCAN_SESSION = "fleet/scan_session.html"


def _require_change(request: HtmxHttpRequest) -> None:
    if not permissions.can_change_device(request.user):
        raise PermissionDenied


def _posted_ids(request: HtmxHttpRequest) -> list[int]:
    """The ``device_id`` values already in the page's list, in order, without duplicates."""
    ids: list[int] = []
    for value in request.POST.getlist("device_id"):
        if value.isdigit() and int(value) not in ids:
            ids.append(int(value))
    return ids


def _scan_result(
    request: HtmxHttpRequest,
    *,
    code: str,
    device: Device | None = None,
    error: str = "",
    note: str = "",
    count: int,
) -> HttpResponse:
    """One row for the running list, and the running count swapped out of band."""
    context = {"code": code, "device": device, "error": error, "note": note, "count": count}
    return render(request, f"{SCAN_SESSION}#scan-result", context)


def _lookup(request: HtmxHttpRequest) -> tuple[str, Device | None, str]:
    """The scanned code, its device and an error for the row when there is none."""
    form = ScanForm(request.POST)
    if not form.is_valid():
        return "", None, "Scan an asset tag or serial."
    code = form.cleaned_data["code"].strip()
    device = selectors.device_find_exact(user=request.user, identifier=code)
    if device is None:
        return code, None, f"No single device has the asset tag or serial “{code}”."
    return code, device, ""


# Scan to vehicle ------------------------------------------------------------------------------


def _vehicle_context(request: HtmxHttpRequest, device_ids: list[int], **extra: object) -> dict[str, object]:
    batch = selectors.devices_by_ids(user=request.user, device_ids=device_ids)
    return {"batch": batch, "count": len(batch), "form": ScanForm(), **extra}


@require_GET
@login_required
def scan_vehicle(request: HtmxHttpRequest) -> HttpResponse:
    _require_change(request)
    return render(request, "fleet/scan_vehicle.html", _vehicle_context(request, []))


@require_POST
@login_required
def scan_vehicle_add(request: HtmxHttpRequest) -> HttpResponse:
    """One scan on the scan-to-vehicle screen: checks it could go, nothing is written yet."""
    _require_change(request)
    ids = _posted_ids(request)
    code, device, error = _lookup(request)
    if device is not None:
        if device.pk in ids:
            error = f"{device.asset_tag} is already in the list."
        else:
            error = selectors.vehicle_check_out_refusal(device=device, user=request.user) or ""
        if not error:
            ids.append(device.pk)
    if not is_partial(request):
        context = _vehicle_context(request, ids, scan_error=error)
        return render(request, "fleet/scan_vehicle.html", context)
    return _scan_result(request, code=code, device=device, error=error, count=len(ids))


@require_POST
@login_required
def vehicle_check_out(request: HtmxHttpRequest) -> HttpResponse:
    """Check the scanned batch out to the technician's vehicle: all of them or none."""
    _require_change(request)
    ids = _posted_ids(request)
    try:
        devices = services.devices_check_out_to_vehicle(device_ids=ids, actor=request.user)
    except DomainError as exc:
        context = _vehicle_context(request, ids, error=str(exc))
    else:
        done = f"Checked out {len(devices)} device{'s' if len(devices) != 1 else ''} to your vehicle."
        if not is_partial(request):
            messages.success(request, done)
            return redirect("fleet:scan_check_in")
        context = _vehicle_context(request, [], done=done)
    template = "fleet/scan_vehicle.html#vehicle-batch" if is_partial(request) else "fleet/scan_vehicle.html"
    return render(request, template, context)


# Check in at a location -----------------------------------------------------------------------


def _check_in_context(
    request: HtmxHttpRequest, location: Location | None, device_ids: list[int], **extra: object
) -> dict[str, object]:
    batch = selectors.devices_by_ids(user=request.user, device_ids=device_ids)
    return {
        "locations": selectors.location_list(user=request.user),
        "selected": location,
        "batch": batch,
        "count": len(batch),
        "in_vehicle": list(selectors.devices_in_vehicle(user=request.user)),
        "form": ScanForm(),
        **extra,
    }


@require_GET
@login_required
def scan_check_in(request: HtmxHttpRequest) -> HttpResponse:
    _require_change(request)
    location: Location | None
    if request.GET.get("location"):
        location = selectors.location_get(user=request.user, location_id=request.GET["location"])
    else:
        location = selectors.location_default_depot()
    return render(request, "fleet/scan_check_in.html", _check_in_context(request, location, []))


@require_POST
@login_required
def scan_check_in_add(request: HtmxHttpRequest) -> HttpResponse:
    """One scan on the check-in screen: the device must be in the technician's vehicle."""
    _require_change(request)
    ids = _posted_ids(request)
    code, device, error = _lookup(request)
    if device is not None:
        if device.pk in ids:
            error = f"{device.asset_tag} is already in the list."
        else:
            error = selectors.vehicle_check_in_refusal(device=device, user=request.user) or ""
        if not error:
            ids.append(device.pk)
    if not is_partial(request):
        location = selectors.location_get(user=request.user, location_id=request.POST.get("location"))
        context = _check_in_context(request, location, ids, scan_error=error)
        return render(request, "fleet/scan_check_in.html", context)
    return _scan_result(request, code=code, device=device, error=error, count=len(ids))


@require_POST
@login_required
def vehicle_check_in(request: HtmxHttpRequest) -> HttpResponse:
    """Check devices in from the vehicle at the chosen location: the scanned ones, or all."""
    _require_change(request)
    location = selectors.location_get(user=request.user, location_id=request.POST.get("location"))
    scanned = _posted_ids(request)
    if request.POST.get("scope") == "all":
        ids = list(selectors.devices_in_vehicle(user=request.user).values_list("pk", flat=True))
    else:
        ids = scanned
    try:
        devices = services.devices_check_in_from_vehicle(
            device_ids=ids, actor=request.user, to_location=location
        )
    except DomainError as exc:
        context = _check_in_context(request, location, scanned, error=str(exc))
    else:
        where = "secure overnight storage" if location.kind == LocationKind.DEPOT else "checked in"
        n = len(devices)
        done = f"Checked in {n} device{'s' if n != 1 else ''} at {location.name}: {where}."
        if not is_partial(request):
            messages.success(request, done)
            return redirect(f"{reverse('fleet:scan_check_in')}?location={location.pk}")
        context = _check_in_context(request, location, [], done=done)
    template = "fleet/scan_check_in.html#check-in-form" if is_partial(request) else "fleet/scan_check_in.html"
    return render(request, template, context)


# Collection check-in --------------------------------------------------------------------------


@require_GET
@login_required
def scan_collection(request: HtmxHttpRequest) -> HttpResponse:
    _require_change(request)
    location = None
    if request.GET.get("location"):
        location = selectors.location_get(user=request.user, location_id=request.GET["location"])
    context = {
        "locations": selectors.location_list(user=request.user),
        "selected": location,
        "count": 0,
        "form": ScanForm(),
    }
    return render(request, "fleet/scan_collection.html", context)


@require_POST
@login_required
def scan_collection_add(request: HtmxHttpRequest) -> HttpResponse:
    """One scan during collection: records the device at the location (moves it unless the
    records already have it there); a device that is gone is reported, not moved."""
    _require_change(request)
    location = selectors.location_get(user=request.user, location_id=request.POST.get("location"))
    ids = _posted_ids(request)
    code, device, error = _lookup(request)
    note = ""
    if device is not None:
        if device.pk in ids:
            error = f"{device.asset_tag} was already scanned."
        else:
            from_name = device.location.name
            try:
                device, moved = services.device_collect(
                    device=device, actor=request.user, to_location=location, reason="Collection"
                )
            except DomainError as exc:
                error = str(exc)
            else:
                ids.append(device.pk)
                note = f"moved here from {from_name}" if moved else "already recorded here"
    if not is_partial(request):
        if error:
            messages.error(request, error)
        elif device is not None:
            messages.success(request, f"{device.asset_tag}: {note}.")
        return redirect(f"{reverse('fleet:scan_collection')}?location={location.pk}")
    return _scan_result(request, code=code, device=device, error=error, note=note, count=len(ids))


# Audits ---------------------------------------------------------------------------------------


def _audit_list_context(request: HtmxHttpRequest, **extra: object) -> dict[str, object]:
    return {
        "audits": selectors.location_audit_list(user=request.user),
        "locations": selectors.location_list(user=request.user),
        "can_change": permissions.can_change_device(request.user),
        **extra,
    }


@require_GET
@login_required
def location_audit_list(request: HtmxHttpRequest) -> HttpResponse:
    _require_change(request)
    response = render(request, _audit_list_template(request), _audit_list_context(request))
    patch_vary_headers(response, ["HX-Request"])
    return response


def _audit_list_template(request: HtmxHttpRequest) -> str:
    return (
        "fleet/location_audit_list.html#audit-list"
        if is_partial(request)
        else "fleet/location_audit_list.html"
    )


@require_POST
@login_required
def location_audit_start(request: HtmxHttpRequest) -> HttpResponse:
    _require_change(request)
    location = selectors.location_get(user=request.user, location_id=request.POST.get("location"))
    try:
        audit = services.location_audit_start(
            location=location, actor=request.user, notes=request.POST.get("notes", "")[:2000]
        )
    except DomainError as exc:  # shown beside the location, the choice at fault
        context = _audit_list_context(
            request, error=str(exc), chosen=str(location.pk), notes=request.POST.get("notes", "")
        )
        return render(request, "fleet/location_audit_list.html", context)
    messages.success(request, f"Audit of {location.name} started: scan every device you find there.")
    url = reverse("fleet:location_audit", args=[audit.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _audit_context(audit: LocationAudit, **extra: object) -> dict[str, object]:
    return {
        "audit": audit,
        "progress": selectors.location_audit_progress(audit=audit),
        "scans": selectors.location_audit_recent_scans(audit=audit),
        "form": ScanForm(),
        **extra,
    }


@require_GET
@login_required
def location_audit(request: HtmxHttpRequest, audit_id: int) -> HttpResponse:
    """The scan screen of one audit: scan box, running counts and the latest scans."""
    _require_change(request)
    audit = selectors.location_audit_get(user=request.user, audit_id=audit_id)
    template = (
        "fleet/location_audit.html#audit-counts" if is_partial(request) else "fleet/location_audit.html"
    )
    response = render(request, template, _audit_context(audit))
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@login_required
def location_audit_scan(request: HtmxHttpRequest, audit_id: int) -> HttpResponse:
    _require_change(request)
    audit = selectors.location_audit_get(user=request.user, audit_id=audit_id)
    form = ScanForm(request.POST)
    code = request.POST.get("code", "").strip()
    scan, error = None, ""
    if form.is_valid():
        try:
            scan = services.location_audit_scan(audit=audit, actor=request.user, code=code)
        except DomainError as exc:  # shown under the scan box, the one field of this screen
            domain_error_status(exc, form)
            error = str(exc)
    else:
        error = "Scan an asset tag or serial."
    if not is_partial(request):
        if error:
            messages.error(request, error)
        return redirect("fleet:location_audit", audit_id=audit.pk)
    context = {
        "audit": audit,
        "scan": scan,
        "code": code,
        "error": error,
        "progress": selectors.location_audit_progress(audit=audit),
    }
    return render(request, "fleet/location_audit.html#audit-scan-result", context)


@require_POST
@login_required
def location_audit_finish(request: HtmxHttpRequest, audit_id: int) -> HttpResponse:
    _require_change(request)
    audit = selectors.location_audit_get(user=request.user, audit_id=audit_id)
    try:
        services.location_audit_finish(audit=audit, actor=request.user, notes=request.POST.get("notes", ""))
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Audit of {audit.location.name} finished: here is how it compares.")
    url = reverse("fleet:location_audit_report", args=[audit.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_GET
@login_required
def location_audit_report(request: HtmxHttpRequest, audit_id: int) -> HttpResponse:
    _require_change(request)
    audit = selectors.location_audit_get(user=request.user, audit_id=audit_id)
    report = selectors.location_audit_report(audit=audit)
    return render(request, "fleet/location_audit_report.html", {"audit": audit, "report": report})


@require_GET
@login_required
def location_audit_export(request: HtmxHttpRequest, audit_id: int) -> HttpResponse:
    """The audit report as CSV: one line per present, missing, unexpected or unknown device."""
    _require_change(request)
    audit = selectors.location_audit_get(user=request.user, audit_id=audit_id)
    report = selectors.location_audit_report(audit=audit)
    header = ["outcome", "asset_tag", "serial", "model", "recorded_location", "status", "scanned_code"]
    rows: list[list[object]] = [[*header, "scanned_at"]]
    for line in report.lines:
        device = line.device
        rows.append(
            [
                line.outcome,
                device.asset_tag if device else "",
                device.serial if device else "",
                device.model.name if device else "",
                device.location.code if device else "",
                device.status if device else "",
                line.scanned_code,
                line.scanned_at.isoformat() if line.scanned_at else "",
            ]
        )
    filename = f"audit-{audit.location.code}-{audit.started_at:%Y%m%d}.csv"
    return exports.csv_response(rows, filename=filename)
