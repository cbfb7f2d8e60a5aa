"""htmx helpers shared by every app's views."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from accounts.models import User


class HtmxHttpRequest(HttpRequest):
    """A request that went through HtmxMiddleware and AuthenticationMiddleware (for typing)."""

    htmx: HtmxDetails
    user: User  # type: ignore[assignment]  # views behind login_required see a real User


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
