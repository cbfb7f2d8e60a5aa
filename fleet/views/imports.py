"""Import devices in the browser: upload, preview with per-row errors, confirm (which starts a
background job: ``fleet.views.import_jobs`` shows it)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError, ServiceUnavailable
from core.filters import RowModelChoiceField
from core.htmx import domain_error_status, is_partial
from fleet import permissions
from fleet.models import Location
from fleet.selectors import devices as selectors
from fleet.services import importing
from fleet.services.importing import jobs

TEMPLATE = "fleet/device_import.html"
# The preview lists this many bad rows; the count above the table gives the rest.
ERRORS_SHOWN = 500


class DeviceImportForm(forms.Form):
    file = forms.FileField(help_text="GAM print cros output, a Google Admin console export or a CSV file.")
    format = forms.ChoiceField(
        choices=importing.ImportFormat.choices, initial=importing.ImportFormat.AUTO, label="Format"
    )
    valid_only = forms.BooleanField(required=False, label="Import only the valid rows and skip the bad ones")
    default_location = RowModelChoiceField(
        queryset=Location.objects.none(),
        required=False,
        label="Default location",
        help_text="For new devices whose row names no location we know.",
    )

    def __init__(self, *args: Any, locations: QuerySet[Location], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["default_location"].queryset = locations  # type: ignore[attr-defined]
        self.fields["default_location"].empty_label = "None: rows must name their location"  # type: ignore[attr-defined]


def _require_import(request: HtmxHttpRequest) -> None:
    if not permissions.can_import_devices(request.user):
        raise PermissionDenied


def _render(request: HtmxHttpRequest, stage: str, context: dict[str, Any]) -> HttpResponse:
    """The whole page, or for htmx only the stage's fragment (its partial shares its element id)."""
    template = f"{TEMPLATE}#import-{stage}" if is_partial(request) else TEMPLATE
    response = render(request, template, {**context, "stage": stage, "errors_shown": ERRORS_SHOWN})
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET", "POST"])
@login_required
def device_import(request: HtmxHttpRequest) -> HttpResponse:
    """GET: the upload form. POST: check the file without writing and show the preview."""
    _require_import(request)
    locations = selectors.location_list(user=request.user)
    if request.method == "GET":
        return _render(request, "form", {"form": DeviceImportForm(locations=locations)})
    form = DeviceImportForm(request.POST, request.FILES, locations=locations)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        location = form.cleaned_data["default_location"]
        try:
            preview = importing.device_import_preview(
                actor=request.user,
                data=upload,
                filename=upload.name,
                file_format=form.cleaned_data["format"],
                valid_only=form.cleaned_data["valid_only"],
                default_location=location.code if location else "",
            )
        except DomainError as exc:
            domain_error_status(exc, form, field="file", aliases={"location": "default_location"})
        else:
            context = {"report": preview.report, "token": preview.token, **_mapping_choices(request)}
            return _render(request, "preview", context)
    return _render(request, "form", {"form": form})


def _answers(post: Any) -> list[importing.MappingAnswer]:
    """The preview's answers: ``q-<n>-kind``, ``q-<n>-key`` and ``q-<n>-target``; blank ones skipped."""
    answers = []
    for name in post:
        if name.startswith("q-") and name.endswith("-target") and post.get(name, "").strip():
            prefix = name.removesuffix("-target")
            answers.append(
                importing.MappingAnswer(
                    kind=post.get(f"{prefix}-kind", ""), key=post.get(f"{prefix}-key", ""), target=post[name]
                )
            )
    return answers


def _mapping_choices(request: HtmxHttpRequest) -> dict[str, Any]:
    return {
        "location_choices": selectors.location_list(user=request.user),
        "model_choices": selectors.device_model_list(),
    }


@require_POST
@login_required
def device_import_answer(request: HtmxHttpRequest) -> HttpResponse:
    """Save the answers to the preview's mapping questions and show the preview again.

    A refused answer saves nothing and shows the preview with the error (400).
    """
    _require_import(request)
    token = request.POST.get("token", "")
    answers = _answers(request.POST)
    status, error = 200, ""
    try:
        if not answers:
            raise DomainError("Choose an answer for at least one question.", field="target")
        preview = importing.device_import_answer(actor=request.user, token=token, answers=answers)
    except importing.ImportFileError as exc:
        return _render(request, "result", {"error": str(exc)})
    except DomainError as exc:
        status, error = 400, str(exc)
        try:
            preview = importing.device_import_answer(actor=request.user, token=token, answers=[])
        except DomainError as again:  # the token itself is bad: nothing to show but the error
            response = _render(request, "result", {"error": str(again)})
            response.status_code = 400
            return response
    context = {"report": preview.report, "token": preview.token, "answer_error": error}
    response = _render(request, "preview", {**context, **_mapping_choices(request)})
    response.status_code = status
    return response


@require_POST
@login_required
def device_import_confirm(request: HtmxHttpRequest) -> HttpResponse:
    """Start the import of the previewed file as a background job and go to its page.

    A refused start (expired or foreign preview, already confirmed) shows the error; with the
    task queue down nothing starts and the page says to try again (503 without htmx).
    """
    _require_import(request)
    try:
        job = jobs.import_job_start(actor=request.user, token=request.POST.get("token", ""))
    except ServiceUnavailable as exc:
        response = _render(request, "result", {"error": str(exc)})
        if not is_partial(request):  # htmx swaps only successful responses
            response.status_code = 503
            response["Retry-After"] = str(exc.retry_after_seconds)
        return response
    except DomainError as exc:
        return _render(request, "result", {"error": str(exc)})
    url = reverse("fleet:import_job_detail", args=[job.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
