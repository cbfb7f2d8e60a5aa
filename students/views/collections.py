"""The collection scan screen: scan a device (or type a student's ID and pick the device), say
what came back and in what state, and the hand-out closes; the empty scan box returns.

A device assigned to the student without a hand-out in the app (a Google Admin import) is found
the same way and collected by ``handouts.handout_collect_assigned``: the form then carries the
student and device instead of a hand-out."""

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
# A refusal naming these sends the person back to the scan box, the error beside it.
SCAN_FIELDS = frozenset({"student", "device"})


def _require(request: HtmxHttpRequest) -> None:
    if not permissions.can_hand_out_devices(request.user):
        raise PermissionDenied


def _render(request: HtmxHttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    template = f"{PAGE}#collect-panel" if is_partial(request) else PAGE
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _int(value: str) -> int:
    return int(value) if value.isdigit() else 0


def _item(request: HtmxHttpRequest) -> selectors.Collectable:
    """The hand-out the form names, or the student and device assigned to them."""
    if "device" in request.POST:
        return selectors.collectable_assigned_get(
            user=request.user,
            student_id=_int(request.POST.get("student", "")),
            device_id=_int(request.POST.get("device", "")),
        )
    handout: Handout = selectors.handout_get(
        user=request.user, handout_id=_int(request.POST.get("handout", ""))
    )
    return selectors.Collectable(handout.student, handout.device, handout)


def _collect_form(item: selectors.Collectable, data: Any = None) -> CollectForm:
    return CollectForm(data, handout=item.handout)


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
        found, error = selectors.collectable_find(user=request.user, code=scan_form.cleaned_data["code"])
        if error:
            scan_form.add_error("code", error)
            return _render(request, {"step": "scan", "scan_form": scan_form})
        if len(found) > 1:
            return _render(request, {"step": "pick", "items": found, "student": found[0].student})
        return _render(request, {"step": "collect", "item": found[0], "form": _collect_form(found[0])})
    item = _item(request)
    if step == "pick":
        return _render(request, {"step": "collect", "item": item, "form": _collect_form(item)})
    form = _collect_form(item, request.POST)
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        returns = [
            handouts.AccessoryReturn(
                kind=returned.removesuffix("_returned"),
                returned_quantity=data[returned],
                condition=data.get(condition) or "",
            )
            for returned, condition in form.accessory_fields
        ]
        outcome = {
            "actor": request.user,
            "condition_in": data["condition_in"],
            "accessories": returns,
            "damage_cause": data.get("damage_cause") or "",
            "symptom": data.get("symptom") or "other",
            "notes": data.get("notes") or "",
        }
        try:
            if item.handout is not None:
                closed = handouts.handout_collect(handout=item.handout, **outcome)
            else:
                closed = handouts.handout_collect_assigned(
                    student=item.student, device=item.device, **outcome
                )
        except DomainError as exc:
            if exc.field in SCAN_FIELDS:
                scan_form = CollectScanForm({"code": item.device.asset_tag})
                status = domain_error_status(exc, scan_form, field="code")
                return _render(request, {"step": "scan", "scan_form": scan_form}, status=status)
            status = domain_error_status(exc, form)
        else:
            return _render(request, {"step": "scan", "scan_form": CollectScanForm(), "done": closed})
    return _render(request, {"step": "collect", "item": item, "form": form}, status=status)
