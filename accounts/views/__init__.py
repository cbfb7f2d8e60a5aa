"""The request type every app's HTML views take (sign-in and sign-out are Django's own views)."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class HtmxHttpRequest(HttpRequest):
    """A request that went through HtmxMiddleware and AuthenticationMiddleware (for typing)."""

    htmx: HtmxDetails
    user: User  # type: ignore[assignment]  # views behind login_required see a real User
