"""The OpenAPI schema's view (apart from ``core.api.schema``, which DRF's settings import while
drf-spectacular's views are still loading)."""

from __future__ import annotations

import threading
from typing import Any

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response


class SchemaView(SpectacularAPIView):
    """drf-spectacular's schema view, one generation at a time.

    The first generation in a process imports each registered extension's target class. One of
    them (django-allauth's, installed but not enabled without Google sign-in) fails to import,
    and drf-spectacular then sets the class to None; a second generation in another thread of a
    threaded server, inside the same handler at that moment, called ``None.startswith`` and
    answered 500 (seen once in the browser tests' visit of every page). The schema
    is asked for rarely, by the docs page and API clients, so waiting is no cost.
    """

    _lock = threading.Lock()

    @extend_schema(**SCHEMA_KWARGS)  # as drf-spectacular's own: the schema describes its endpoint
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with self._lock:
            return super().get(request, *args, **kwargs)
