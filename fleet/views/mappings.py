"""The answers imports learnt (org units to locations, Google model names to models): list, edit, delete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError
from fleet import permissions
from fleet.choices import ImportMappingKind
from fleet.forms import ImportMappingForm
from fleet.models import ImportMapping
from fleet.selectors import devices as selectors
from fleet.services.importing import mappings as services


def _require_import(request: HtmxHttpRequest) -> None:
    if not permissions.can_import_devices(request.user):
        raise PermissionDenied


@require_GET
@login_required
def import_mapping_list(request: HtmxHttpRequest) -> HttpResponse:
    _require_import(request)
    return render(request, "fleet/import_mapping_list.html", {"mappings": services.import_mapping_list()})


@require_http_methods(["GET", "POST"])
@login_required
def import_mapping_edit(request: HtmxHttpRequest, mapping_id: int) -> HttpResponse:
    """GET: the form. POST: save; bad input re-renders the form with 400 and changes nothing."""
    _require_import(request)
    mapping = get_object_or_404(ImportMapping, pk=mapping_id)
    target = (
        mapping.location.code
        if mapping.location
        else mapping.device_model.name
        if mapping.device_model
        else ""
    )
    status = 200
    if request.method == "POST":
        form = ImportMappingForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.import_mapping_update(
                    mapping=mapping,
                    key=form.cleaned_data["key"],
                    target=form.cleaned_data["target"],
                    actor=request.user,
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                messages.success(request, "Mapping saved: later imports use it.")
                return redirect("fleet:import_mapping_list")
    else:
        form = ImportMappingForm(initial={"key": mapping.key, "target": target})
    context: dict[str, Any] = {
        "mapping": mapping,
        "form": form,
        "choices": selectors.location_list(user=request.user)
        if mapping.kind == ImportMappingKind.LOCATION
        else selectors.device_model_list(),
    }
    return render(request, "fleet/import_mapping_edit.html", context, status=status)


@require_POST
@login_required
def import_mapping_delete(request: HtmxHttpRequest, mapping_id: int) -> HttpResponse:
    _require_import(request)
    mapping = get_object_or_404(ImportMapping, pk=mapping_id)
    services.import_mapping_delete(mapping=mapping, actor=request.user)
    messages.success(request, f"Mapping for {mapping.key!r} deleted: the next import asks again.")
    return redirect("fleet:import_mapping_list")
