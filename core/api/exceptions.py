"""The one exception handler every API endpoint shares."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ConflictError, DomainError, ServiceUnavailable


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map domain errors to 400, stale writes and lost races to 409, permission refusals to 403
    and an unreachable task queue to 503 with Retry-After.

    A domain error naming a field answers ``{field: [message]}``, like a serializer's own field
    errors; one naming none answers ``{"detail": message}``. A conflict keeps its 409 either way
    (not enough on hand names ``quantity``). ``core.api.schema`` publishes these bodies.
    """
    if isinstance(exc, ServiceUnavailable):  # the task queue is down: try again, nothing is held
        return Response(
            {"detail": str(exc)},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(exc.retry_after_seconds)},
        )
    if isinstance(exc, DomainError):
        body = {exc.field: [str(exc)]} if exc.field else {"detail": str(exc)}
        conflict = isinstance(exc, ConflictError)
        return Response(body, status=status.HTTP_409_CONFLICT if conflict else status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        return Response(
            {"detail": "The change conflicts with current data. Reload and try again."},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)
