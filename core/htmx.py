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


def domain_error_status(exc: DomainError, form: BaseForm | None = None, *, field: str | None = None) -> int:
    """The status for a service's refusal: 409 for a ConflictError (reload and retry), else 200.

    With a form, the message also becomes a form error: on the field the error names (its
    optional ``field`` attribute) when the form has that field, else on ``field`` (None: a
    non-field error).
    """
    if form is not None:
        named = getattr(exc, "field", None)
        form.add_error(named if named in form.fields else field, str(exc))
    return 409 if isinstance(exc, ConflictError) else 200
