"""Finding devices: the list with filters and CSV export, the scan search, the device page."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.views import HtmxHttpRequest
from core.exceptions import ConflictError, DomainError
from core.htmx import domain_error_status, is_partial, render_page_or_fragment
from core.pagination import CappedPaginator, keyset_page
from core.services import exports
from fleet import permissions
from fleet.choices import DeviceStatus
from fleet.domain.lifecycle import ALLOWED_TRANSITIONS
from fleet.filters import warranty_state
from fleet.forms import (
    DevicePageSizeForm,
    DeviceStatusForm,
    DeviceVariantConfirmForm,
    VehicleCheckInForm,
    label_device_filters,
)
from fleet.models import Device
from fleet.selectors import devices as selectors
from fleet.services import devices as services
from fleet.services import variants as variant_services

TIMELINE_PER_PAGE = 50


def _require_view(request: HtmxHttpRequest) -> None:
    if not permissions.can_view_devices(request.user):
        raise PermissionDenied


@require_GET
@login_required
def device_list(request: HtmxHttpRequest) -> HttpResponse:
    _require_view(request)
    filterset = selectors.device_filterset(user=request.user, filters=request.GET)
    label_device_filters(filterset.form)  # before validating, which fixes each field's label
    devices = filterset.qs if filterset.is_valid() else Device.objects.none()
    page_size = DevicePageSizeForm(request.GET)
    per_page = page_size.cleaned_data["per_page"] if page_size.is_valid() else DevicePageSizeForm.DEFAULT
    # Two steps: the page's ids from a narrow query (filters and sort only; a capped count), then
    # their rows with the joins the table shows, for those 50 ids alone.
    page = CappedPaginator(devices.values_list("pk", flat=True), per_page).get_page(request.GET.get("page"))
    page.object_list = selectors.device_list_rows(device_ids=list(page.object_list))
    context = {
        "filterset": filterset,
        "filter_fields": [*filterset.form, DevicePageSizeForm(initial={"per_page": per_page})["per_page"]],
        "page": page,
        "show_assignee": permissions.can_see_assignee(request.user),
        "can_print_labels": permissions.can_print_labels(request.user),
    }
    return render_page_or_fragment(request, "fleet/device_list.html", "device-results", context)


@require_GET
@login_required
def device_export(request: HtmxHttpRequest) -> StreamingHttpResponse:
    """The filtered list as CSV, streamed so 250,000 rows never sit in memory."""
    _require_view(request)
    devices = selectors.device_list(user=request.user, filters=request.GET)
    show_assignee = permissions.can_see_assignee(request.user)
    header: list[object] = [
        "asset_tag",
        "serial",
        "manufacturer",
        "model",
        "device_type",
        "status",
        "location",
    ]
    header += ["aue_date", "warranty_end", "warranty_state", "purchase_date", "purchase_order_number"]
    header += ["assignee_kind", "assignee_id"] if show_assignee else []

    def rows() -> Iterator[list[object]]:
        yield header
        for device in devices.iterator(chunk_size=2000):
            row: list[object] = [
                device.asset_tag,
                device.serial,
                device.manufacturer.name,
                device.model.name,
                device.model.device_type,
                device.status,
                device.location.code,
                device.aue_date,
                device.warranty_end,
                warranty_state(device.warranty_end),
                device.purchase_date,
                device.purchase_order_number,
            ]
            if show_assignee:
                row += [device.assignee_kind, device.assignee_id]
            yield row

    return exports.csv_streaming_response(rows(), filename=f"devices-{timezone.localdate():%Y-%m-%d}.csv")


@require_GET
@login_required
def device_search(request: HtmxHttpRequest) -> HttpResponse:
    """The scan box: an exact asset tag or serial opens the device; a prefix lists matches."""
    _require_view(request)
    code = request.GET.get("q", "")
    exact = request.GET.get("exact") == "1"
    if exact:
        device = selectors.device_find_exact(user=request.user, identifier=code)
        if device is not None:
            url = reverse("fleet:device_detail", args=[device.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    matches = selectors.device_search(user=request.user, prefix=code)
    context = {"q": code, "matches": matches, "exact": exact}
    return render_page_or_fragment(request, "fleet/device_search.html", "search-results", context)


def _detail_context(
    request: HtmxHttpRequest,
    device: Device,
    form: DeviceStatusForm | None = None,
    check_in_form: VehicleCheckInForm | None = None,
    variant_form: DeviceVariantConfirmForm | None = None,
) -> dict[str, object]:
    allowed = sorted(ALLOWED_TRANSITIONS.get(device.status, frozenset()))
    return {
        "variant_candidates": variant_services.device_variant_candidates(device=device),
        "variant_form": variant_form or DeviceVariantConfirmForm(initial={"version": device.version}),
        "device": device,
        "facts": selectors.device_life_facts(device=device),
        # Keyset pages by (occurred_at, id): a device moved daily for years has thousands of events.
        "timeline": keyset_page(
            selectors.device_custody_timeline(device=device),
            cursor=request.GET.get("after"),
            before=request.GET.get("before"),
            per_page=TIMELINE_PER_PAGE,
            count=False,
        ),
        "can_change": permissions.can_change_device(request.user),
        "show_assignee": permissions.can_see_assignee(request.user),
        "status_form": form or DeviceStatusForm(initial={"version": device.version}),
        "allowed_statuses": [(value, DeviceStatus(value).label) for value in allowed],
        "check_in_form": check_in_form
        or VehicleCheckInForm(locations=selectors.location_list(user=request.user)),
        "in_my_vehicle": device.custodian_id == request.user.pk,
    }


@require_GET
@login_required
def device_detail(request: HtmxHttpRequest, device_id: int) -> HttpResponse:
    _require_view(request)
    device = selectors.device_get(user=request.user, device_id=device_id)
    return render(request, "fleet/device_detail.html", _detail_context(request, device))


@require_POST
@login_required
def device_change_status(request: HtmxHttpRequest, device_id: int) -> HttpResponse:
    device = selectors.device_get(user=request.user, device_id=device_id)
    if not permissions.can_change_device(request.user):
        raise PermissionDenied
    form = DeviceStatusForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            services.device_change_status(
                device=device,
                actor=request.user,
                to_status=form.cleaned_data["to_status"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as exc:
            status = domain_error_status(exc, form)
        else:
            label = DeviceStatus(form.cleaned_data["to_status"]).label.lower()
            messages.success(request, f"{device.asset_tag} is now {label}.")
            url = reverse("fleet:device_detail", args=[device.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    device.refresh_from_db()
    context = _detail_context(request, device, form)
    template = "fleet/device_detail.html#status-form" if is_partial(request) else "fleet/device_detail.html"
    return render(request, template, context, status=status)


@require_POST
@login_required
def device_variant_confirm(request: HtmxHttpRequest, device_id: int) -> HttpResponse:
    """Record which variant a device is, from its label. Bad input: 400 with the form's errors."""
    device = selectors.device_get(user=request.user, device_id=device_id)
    if not permissions.can_change_device(request.user):
        raise PermissionDenied
    form = DeviceVariantConfirmForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            confirmed = variant_services.device_variant_confirm(
                device=device,
                actor=request.user,
                model_id=form.cleaned_data["model"],
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError as exc:
            status = domain_error_status(exc, form)
        except DomainError as exc:
            domain_error_status(exc, form)  # beside the field it names; the status stays 400
        else:
            messages.success(request, f"{device.asset_tag} is a {confirmed.model.name}: variant confirmed.")
            url = reverse("fleet:device_detail", args=[device.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    device.refresh_from_db()
    context = _detail_context(request, device, variant_form=form)
    template = "fleet/device_detail.html#variant-form" if is_partial(request) else "fleet/device_detail.html"
    return render(request, template, context, status=status)


def _custody_response(
    request: HtmxHttpRequest,
    device: Device,
    form: VehicleCheckInForm | None,
    error: str | None,
    done: str = "",
) -> HttpResponse:
    if error is None:
        messages.success(request, done)
        url = reverse("fleet:device_detail", args=[device.pk])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    device.refresh_from_db()
    context = _detail_context(request, device, check_in_form=form)
    context["custody_error"] = error
    template = (
        "fleet/device_detail.html#custody-actions" if is_partial(request) else "fleet/device_detail.html"
    )
    return render(request, template, context)


@require_POST
@login_required
def device_vehicle_check_out(request: HtmxHttpRequest, device_id: int) -> HttpResponse:
    """Put one device in the signed-in technician's vehicle."""
    device = selectors.device_get(user=request.user, device_id=device_id)
    if not permissions.can_change_device(request.user):
        raise PermissionDenied
    reason = request.POST.get("reason", "")[:255]
    error = None
    try:
        services.devices_check_out_to_vehicle(device_ids=[device.pk], actor=request.user, reason=reason)
    except DomainError as exc:
        error = str(exc)
    return _custody_response(request, device, None, error, f"{device.asset_tag} is in your vehicle.")


@require_POST
@login_required
def device_vehicle_check_in(request: HtmxHttpRequest, device_id: int) -> HttpResponse:
    """Take one device out of the technician's vehicle at a location (the depot: overnight storage)."""
    device = selectors.device_get(user=request.user, device_id=device_id)
    if not permissions.can_change_device(request.user):
        raise PermissionDenied
    form = VehicleCheckInForm(request.POST, locations=selectors.location_list(user=request.user))
    error, done = None, ""
    if form.is_valid():
        try:
            services.devices_check_in_from_vehicle(
                device_ids=[device.pk],
                actor=request.user,
                to_location=form.cleaned_data["to_location"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            domain_error_status(exc, form)
            # Said above the form unless it shows beside the field it names ("" still re-renders).
            error = " ".join(str(message) for message in form.non_field_errors())
        else:
            done = f"{device.asset_tag} is checked in at {form.cleaned_data['to_location']}."
    else:
        error = "Choose where the device is checked in."
    return _custody_response(request, device, form, error, done)
