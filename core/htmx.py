"""htmx helpers shared by every app's views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
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
