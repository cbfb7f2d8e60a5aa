"""The API's rate limits: per address for anonymous callers, per user once signed in.

Counts live in the ``throttle`` cache (Redis when REDIS_URL is set, so every web process shares
them). Rates are read from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` on each request, not at
import as DRF's own classes do, so a settings change takes effect. A refused request gets 429 with
``Retry-After`` (DRF's exception handler). DRF checks permissions first, so an anonymous call to
an endpoint that needs a signed-in user is refused (403) before it is counted.
"""

from __future__ import annotations

from django.core.cache import caches
from rest_framework import throttling
from rest_framework.settings import api_settings


def _rate(scope: str | None) -> str | None:
    rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope or "")
    return None if rate is None else str(rate)


class AnonRateThrottle(throttling.AnonRateThrottle):
    """Anonymous callers, by address: they can only be refused, so the rate is low."""

    def __init__(self) -> None:
        self.cache = caches["throttle"]
        super().__init__()

    def get_rate(self) -> str | None:
        return _rate(self.scope)


class UserRateThrottle(throttling.UserRateThrottle):
    """Signed-in callers (session or token), by user id."""

    def __init__(self) -> None:
        self.cache = caches["throttle"]
        super().__init__()

    def get_rate(self) -> str | None:
        return _rate(self.scope)
