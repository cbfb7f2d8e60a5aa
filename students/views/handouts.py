"""The hand-out scan screen, the signed agreement's printable page and its signature image.

The screen is one form filled in three steps, each an htmx post that answers the form's next
state: the student's ID (Enter), the device (Enter), then accessories, condition and the
signature, and Hand out. Every step re-checks what came before, so a stale page cannot slip a
refused student or device through; after a hand-out the empty form comes back for the next one.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods

from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError
from core.htmx import domain_error_status, is_partial
from fleet.models import Device
from students import permissions, selectors
from students.forms import HandoutForm
from students.models import Handout, Student
from students.services import agreements, handouts, holds

PAGE = "students/handout_scan.html"
STUDENT_FIELDS = {"student"}
DEVICE_FIELDS = {"device"}


def _require(request: HtmxHttpRequest) -> None:
    if not permissions.can_hand_out_devices(request.user):
        raise PermissionDenied


def _render(request: HtmxHttpRequest, context: dict[str, Any]) -> HttpResponse:
    template = f"{PAGE}#handout-panel" if is_partial(request) else PAGE
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _context(
    request: HtmxHttpRequest,
    form: HandoutForm,
    step: str,
    student: Student | None = None,
    device: Device | None = None,
    **extra: Any,
) -> dict[str, Any]:
    context: dict[str, Any] = {"form": form, "step": step, "student": student, "device": device, **extra}
    if student is not None:
        context["hold"] = holds.hold_refusal(student=student)
        context["can_override"] = permissions.can_manage_charges(request.user)
        context["open_handouts"] = selectors.handout_open_list(user=request.user, student=student)
    if step == "confirm" and student is not None and device is not None:
        location = selectors.handout_location(student=student, device=device)
        context["location"] = location
        context["on_hand"] = selectors.accessory_on_hand(location=location)
        context["agreement"] = agreements.agreement_current()
    return context


def _fresh(request: HtmxHttpRequest, **extra: Any) -> dict[str, Any]:
    return _context(request, HandoutForm(initial={"step": "student"}), "student", **extra)


@require_http_methods(["GET", "POST"])
@login_required
def handout_scan(request: HtmxHttpRequest) -> HttpResponse:
    _require(request)
    if request.method == "GET":
        return _render(request, _fresh(request))
    form = HandoutForm(request.POST)
    form.is_valid()  # the steps below read what is clean and add what each step refuses
    data = form.cleaned_data
    asked = request.POST.get("step", "student")
    student, error = selectors.handout_student_refusal(user=request.user, code=data.get("student") or "")
    if student is None:
        if "student" not in form.errors:
            form.add_error("student", error)
        return _render(request, _context(request, form, "student"))
    hold = holds.hold_refusal(student=student)
    if hold and not permissions.can_manage_charges(request.user):
        form.add_error(
            "student", hold + " Your role cannot override it: ask a supervisor or school administrator."
        )
        return _render(request, _context(request, form, "student"))
    if asked == "student":
        return _render(
            request,
            _context(request, HandoutForm(initial={"student": student.identifier}), "device", student),
        )
    device, error = selectors.handout_device_refusal(user=request.user, code=data.get("device") or "")
    if device is None or error:
        form.add_error("device", error)
        return _render(request, _context(request, form, "device", student))
    if asked == "device":
        fresh = HandoutForm(initial={"student": student.identifier, "device": device.asset_tag})
        return _render(request, _context(request, fresh, "confirm", student, device))
    if not form.is_valid():
        return _render(request, _context(request, form, "confirm", student, device))
    try:
        handout = handouts.handout_create(
            student=student,
            device=device,
            actor=request.user,
            accessories=form.accessories(),
            condition_out=data["condition_out"],
            signed_by=data.get("signed_by") or "",
            signature_png=data.get("signature"),
            hold_override_reason=data.get("hold_override_reason") or "",
        )
    except DomainError as exc:
        status = domain_error_status(exc, form)
        step = (
            "student"
            if exc.field in STUDENT_FIELDS
            else "device"
            if exc.field in DEVICE_FIELDS
            else "confirm"
        )
        response = _render(request, _context(request, form, step, student, device))
        response.status_code = status
        return response
    return _render(request, _fresh(request, done=handout))


@require_GET
@login_required
def handout_agreement(request: HtmxHttpRequest, handout_id: int) -> HttpResponse:
    """The signed record of one hand-out, laid out to print."""
    _require(request)
    handout = selectors.handout_get(user=request.user, handout_id=handout_id)
    signature_url = (
        reverse("students:handout_signature", args=[handout.pk]) if handout.signature_png else None
    )
    context = {"handout": handout, "signature_url": signature_url}
    return render(request, "students/handout_agreement.html", context)


@require_GET
@login_required
def handout_signature(request: HtmxHttpRequest, handout_id: int) -> HttpResponse:
    """The drawn signature as the PNG it was stored as; only to those who see the student."""
    _require(request)
    handout: Handout = selectors.handout_get(user=request.user, handout_id=handout_id)
    if not handout.signature_png:
        raise Http404
    response = HttpResponse(bytes(handout.signature_png), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="signature-{handout.pk}.png"'
    return response
