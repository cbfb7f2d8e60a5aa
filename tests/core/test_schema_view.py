"""The OpenAPI schema view under a threaded server (core.api.schema_view.SchemaView)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.test import RequestFactory
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request

from core.api.schema_view import SchemaView

pytestmark = pytest.mark.django_db


def test_schema_view_generates_one_schema_at_a_time(monkeypatch: pytest.MonkeyPatch):
    """Four requests at once: each generation starts only when the one before has finished (two
    at once raced in drf-spectacular's first import of its extensions, and one answered 500)."""
    inside, overlaps = [0], []

    def slow_get(self: Any, request: Any, *args: Any, **kwargs: Any) -> str:
        inside[0] += 1
        overlaps.append(inside[0])
        time.sleep(0.05)
        inside[0] -= 1
        return "schema"

    monkeypatch.setattr(SpectacularAPIView, "get", slow_get)
    view, request = SchemaView(), Request(RequestFactory().get("/api/schema/"))
    answers: list[object] = []
    threads = [threading.Thread(target=lambda: answers.append(view.get(request))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == ["schema"] * 4
    assert overlaps == [1, 1, 1, 1]
