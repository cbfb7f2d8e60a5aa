"""Turns a database outage into a 503 the client can retry, instead of a 500; records who made
each change for the history of every model."""

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from pghistory.middleware import HistoryMiddleware

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


class HistoryContextMiddleware(HistoryMiddleware):
    """Every change a request makes carries its user, path and remote address in its history.

    pghistory's own middleware records the user (also when DRF authenticates a token later in
    the request) and the path; this adds the address the request came from. The context is a
    PostgreSQL setting, so other databases (SQLite in development and tests) skip it.
    """

    def get_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().get_context(request)
        context["remote_addr"] = request.META.get("REMOTE_ADDR", "")
        return context

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if connection.vendor != "postgresql":
            return self.get_response(request)
        response: HttpResponse = super().__call__(request)
        return response


def session_stamp_refreshed(sender: object, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """On sign-in, mark the session as just refreshed (``user_logged_in`` receiver)."""
    session = getattr(request, "session", None)
    if session is not None:
        session["_refreshed_at"] = int(time.time())


class SessionIdleRefreshMiddleware:
    """Slides a session's expiry forward while it is in use, so it ends after SESSION_COOKIE_AGE
    without a request (an idle timeout), not SESSION_COOKIE_AGE after sign-in.

    Cheaper than SESSION_SAVE_EVERY_REQUEST: the session row and cookie are rewritten at most every
    SESSION_REFRESH_SECONDS, so a session ends between the idle age and that much less.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a signed-in session slides: a request without one (or whose session expired or
        # signed out) must not create a row.
        if session is None or not session.session_key or AUTH_SESSION_KEY not in session:
            return response
        now = int(time.time())
        if now - int(session.get("_refreshed_at", 0)) >= settings.SESSION_REFRESH_SECONDS:
            session["_refreshed_at"] = now  # marks it modified: SessionMiddleware saves it
        return response


class HtmxMessagesMiddleware:
    """Hands the messages of an htmx request to the page that made it, in an HX-Trigger header.

    A view that answers htmx with a fragment still says what it did with ``messages.success``;
    without this the message would wait for the next full page. app.js shows each one. Redirects
    (and HX-Redirect/HX-Refresh answers) keep their messages for the page they lead to.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        htmx = getattr(request, "htmx", None)
        if not htmx or getattr(htmx, "boosted", False):
            return response
        if 300 <= response.status_code < 400 or any(
            header in response for header in ("HX-Redirect", "HX-Refresh", "HX-Location")
        ):
            return response
        storage = getattr(request, "_messages", None)
        if storage is None:
            return response
        pending = [{"level": message.level_tag, "text": str(message)} for message in storage]
        if not pending:
            return response
        triggers: dict[str, object] = {}
        existing = response.get("HX-Trigger")
        if existing:
            try:
                loaded = json.loads(existing)
                triggers = loaded if isinstance(loaded, dict) else {}
            except ValueError:
                triggers = {name.strip(): None for name in existing.split(",") if name.strip()}
        triggers["messages"] = pending
        response["HX-Trigger"] = json.dumps(triggers)
        return response
