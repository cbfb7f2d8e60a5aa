"""Asset labels: a form over the device list's filters or a range of new tags, and the file
(a PDF for a label sheet or a roll, ZPL for a Zebra printer) it prints."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError
from core.htmx import domain_error_status, render_page_or_fragment
from fleet import permissions
from fleet.domain import labels
from fleet.filters import DeviceFilterSet
from fleet.forms import LabelFormat, LabelPrintForm, LabelSource, label_device_filters
from fleet.selectors import devices as device_selectors
from fleet.selectors import labels as selectors

# The device list's query parameters the labels carry over (its page and page size are not).
FILTER_NAMES = (*DeviceFilterSet.base_filters,)


def _require_labels(request: HtmxHttpRequest) -> None:
    if not permissions.can_print_labels(request.user):
        raise PermissionDenied


def _filters(request: HtmxHttpRequest) -> QueryDict:
    """The device filters of the request, each with all its values (status repeats)."""
    filters = QueryDict(mutable=True)
    for name in FILTER_NAMES:
        values = [value for value in request.GET.getlist(name) if value != ""]
        if values:
            filters.setlist(name, values)
    return filters


def _filter_summary(filterset: DeviceFilterSet) -> list[tuple[str, str]]:
    """The filters in people's words ("Location", "Maple Elementary"), for the form's heading."""
    label_device_filters(filterset.form)  # before validating, which fixes each field's label
    if not filterset.is_valid():
        return []
    summary = []
    for name, value in filterset.form.cleaned_data.items():
        if value in (None, "", []):
            continue
        field = filterset.form.fields[name]
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            names = dict(field.choices)  # type: ignore[arg-type]
            values = value if isinstance(value, list) else [value]
            shown = ", ".join(str(names.get(item, item)) for item in values)
        else:
            shown = str(", ".join(value) if isinstance(value, list) else value)
        # django-filter may leave a label unset until its form renders: the filter's name then.
        summary.append((str(field.label or name.replace("_", " ").capitalize()), shown))
    return summary


def _preview(form: LabelPrintForm, filterset: DeviceFilterSet) -> dict[str, Any]:
    """How many labels the form would print and on how many pages, or why it would not."""
    if not form.is_bound:
        count = selectors.label_device_count(filterset=filterset)
        return {"labels": count, "too_many": count > labels.MAX_LABELS, "pages": None}
    if not form.is_valid():
        problems = []
        for name, errors in form.errors.items():
            said = " ".join(str(error) for error in errors)
            problems.append(f"{form.fields[name].label}: {said}" if name in form.fields else said)
        return {"problems": problems}
    data = form.cleaned_data
    if data["source"] == LabelSource.RANGE:
        try:
            count = len(
                labels.tag_range(
                    prefix=data["tag_prefix"], first=data["first"], last=data["last"], digits=data["digits"]
                )
            )
        except DomainError as exc:
            return {"problems": [str(exc)]}
    else:
        count = selectors.label_device_count(filterset=filterset)
    stock = labels.STOCKS.get(data["format"])
    pages = (
        labels.sheet_count(labels=count, stock=stock, skip=data["skip"]) if stock and stock.is_sheet else None
    )
    return {"labels": count, "too_many": count > labels.MAX_LABELS, "pages": pages}


def _context(request: HtmxHttpRequest, form: LabelPrintForm, filters: QueryDict) -> dict[str, Any]:
    # One filter set for the summary and the count: its choices are looked up once.
    filterset = device_selectors.device_filterset(user=request.user, filters=filters)
    return {
        "form": form,
        "filters": [(name, value) for name in filters for value in filters.getlist(name)],
        "filter_summary": _filter_summary(filterset),
        "filter_query": filters.urlencode(),
        "preview": _preview(form, filterset),
        "max_labels": labels.MAX_LABELS,
        "can_range": permissions.can_print_new_tags(request.user),
    }


@require_GET
@login_required
def label_print(request: HtmxHttpRequest) -> HttpResponse:
    """The form, opened from the device list with its filters; htmx asks for the preview of what
    the form would print (a count and the sheets it takes) as its fields change."""
    _require_labels(request)
    filters = _filters(request)
    data = request.GET if "format" in request.GET else None
    form = LabelPrintForm(data, can_range=permissions.can_print_new_tags(request.user))
    context = _context(request, form, filters)
    return render_page_or_fragment(request, "fleet/label_print.html", "label-preview", context)


@require_GET
@login_required
def label_download(request: HtmxHttpRequest) -> HttpResponse:
    """The labels as a file named after the page and the day. Bad input: the form again (200, as
    every form's errors), each refusal beside the field it is about."""
    _require_labels(request)
    filters = _filters(request)
    form = LabelPrintForm(request.GET, can_range=permissions.can_print_new_tags(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["source"] == LabelSource.RANGE:
                records = selectors.label_records_for_range(
                    user=request.user,
                    prefix=data["tag_prefix"],
                    first=data["first"],
                    last=data["last"],
                    digits=data["digits"],
                )
            else:
                records = selectors.label_records_for_devices(user=request.user, filters=filters)
            printed = labels.label_file(records, output=data["format"], skip=data["skip"])
        except DomainError as exc:
            domain_error_status(exc, form, aliases={"prefix": "tag_prefix"})
        else:
            name = "zebra" if data["format"] == LabelFormat.ZPL else data["format"]
            filename = f"labels-{name}-{timezone.localdate():%Y-%m-%d}.{printed.extension}"
            response = HttpResponse(printed.content, content_type=printed.media_type)
            response["Content-Disposition"] = content_disposition_header(
                as_attachment=True, filename=filename
            )
            return response
    return render(request, "fleet/label_print.html", _context(request, form, filters))
