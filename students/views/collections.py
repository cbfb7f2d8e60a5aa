"""The collection scan screen: scan a device (or type a student's ID and pick the device), say
what came back and in what state, and the hand-out closes; the empty scan box returns."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods

from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError
from core.htmx import domain_error_status, is_partial
from students import permissions, selectors
from students.forms import CollectForm, CollectScanForm
from students.models import Handout
from students.services import handouts

PAGE = "students/collect_scan.html"


def _require(request: HtmxHttpRequest) -> None:
    if not permissions.can_hand_out_devices(request.user):
        raise PermissionDenied


def _render(request: HtmxHttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    template = f"{PAGE}#collect-panel" if is_partial(request) else PAGE
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _handout(request: HtmxHttpRequest) -> Handout:
    value = request.POST.get("handout", "")
    return selectors.handout_get(user=request.user, handout_id=int(value) if value.isdigit() else 0)


@require_http_methods(["GET", "POST"])
@login_required
def collect_scan(request: HtmxHttpRequest) -> HttpResponse:
    _require(request)
    if request.method == "GET":
        return _render(request, {"step": "scan", "scan_form": CollectScanForm()})
    step = request.POST.get("step", "scan")
    if step == "scan":
        scan_form = CollectScanForm(request.POST)
        if not scan_form.is_valid():
            return _render(request, {"step": "scan", "scan_form": scan_form})
        found, error = selectors.handout_find_open(user=request.user, code=scan_form.cleaned_data["code"])
        if error:
            scan_form.add_error("code", error)
            return _render(request, {"step": "scan", "scan_form": scan_form})
        if len(found) > 1:
            return _render(request, {"step": "pick", "handouts": found, "student": found[0].student})
        handout = found[0]
        return _render(request, {"step": "collect", "handout": handout, "form": CollectForm(handout=handout)})
    handout = _handout(request)
    if step == "pick":
        return _render(request, {"step": "collect", "handout": handout, "form": CollectForm(handout=handout)})
    form = CollectForm(request.POST, handout=handout)
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        returns = [
            handouts.AccessoryReturn(
                kind=item.kind,
                returned_quantity=data[f"{item.kind}_returned"],
                condition=data.get(f"{item.kind}_condition") or "",
            )
            for item in handout.accessories.all()
        ]
        try:
            closed = handouts.handout_collect(
                handout=handout,
                actor=request.user,
                condition_in=data["condition_in"],
                accessories=returns,
                damage_cause=data.get("damage_cause") or "",
                symptom=data.get("symptom") or "other",
                notes=data.get("notes") or "",
            )
        except DomainError as exc:
            status = domain_error_status(exc, form)
        else:
            return _render(request, {"step": "scan", "scan_form": CollectScanForm(), "done": closed})
    return _render(request, {"step": "collect", "handout": handout, "form": form}, status=status)
