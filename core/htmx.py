"""htmx helpers shared by every app's views."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from core.exceptions import ConflictError, DomainError


def is_partial(request: HttpRequest) -> bool:
    """True when htmx asked for a fragment: an htmx request that is not a boosted navigation."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.boosted


def render_page_or_fragment(
    request: HttpRequest, page: str, fragment: str, context: Mapping[str, Any], status: int = 200
) -> HttpResponse:
    """Render the whole page, or only its ``{% partialdef fragment %}`` for an htmx request.

    The response varies on HX-Request, so caches never serve a fragment as the page.
    """
    template = f"{page}#{fragment}" if is_partial(request) else page
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def domain_error_status(
    exc: DomainError,
    form: BaseForm | None = None,
    *,
    field: str | None = None,
    aliases: Mapping[str, str] | None = None,
) -> int:
    """The status for a service's refusal: 409 for a ConflictError (reload and retry), else 200.

    With a form, the message also becomes a form error, shown beside the field the error names
    (its ``field``, the service's argument name) when the form has it: under that name, under
    ``aliases[name]`` when the form calls it otherwise, or without an ``_id`` suffix (a service's
    ``location_id`` is a form's ``location`` choice). Otherwise it goes on ``field`` (None: a
    non-field error, shown above the form).
    """
    if form is not None:
        form.add_error(_form_field(form, getattr(exc, "field", None), aliases or {}) or field, str(exc))
    return 409 if isinstance(exc, ConflictError) else 200


def _form_field(form: BaseForm, named: str | None, aliases: Mapping[str, str]) -> str | None:
    if named is None:
        return None
    for candidate in (aliases.get(named), named, named.removesuffix("_id")):
        if candidate in form.fields:
            return candidate
    return None
