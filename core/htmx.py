"""htmx helpers shared by every app's views."""

from django.http import HttpRequest


def is_partial(request: HttpRequest) -> bool:
    """True when htmx asked for a fragment: an htmx request that is not a boosted navigation."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted
