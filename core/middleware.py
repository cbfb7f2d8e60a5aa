"""Turns a database outage into a 503 the client can retry, instead of a 500."""

import logging
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "5"


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError):
            return None
        logger.error("Database unavailable: %s", exception)
        response = JsonResponse(
            {"detail": "The database is unavailable. Try again in a few seconds."}, status=503
        )
        response["Retry-After"] = RETRY_AFTER_SECONDS
        return response
