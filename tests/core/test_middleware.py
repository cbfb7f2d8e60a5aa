import pytest
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import path

from core.middleware import RETRY_AFTER_SECONDS, DatabaseUnavailableMiddleware


def database_down_view(request: HttpRequest) -> HttpResponse:
    raise OperationalError("could not connect to server")


def broken_view(request: HttpRequest) -> HttpResponse:
    raise ValueError("a bug, not an outage")


# Served only under @pytest.mark.urls(__name__): proves the middleware is wired into the stack.
urlpatterns = [
    path("database-down/", database_down_view),
    path("broken/", broken_view),
]


def _ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def test_database_unavailable_middleware_on_operational_error_returns_503_with_retry_after():
    middleware = DatabaseUnavailableMiddleware(_ok)
    request = RequestFactory().get("/anything/")

    response = middleware.process_exception(request, OperationalError("server closed the connection"))

    assert response is not None
    assert response.status_code == 503
    assert response["Retry-After"] == RETRY_AFTER_SECONDS
    assert b"database is unavailable" in response.content


def test_database_unavailable_middleware_on_other_error_lets_it_propagate():
    middleware = DatabaseUnavailableMiddleware(_ok)
    request = RequestFactory().get("/anything/")

    assert middleware.process_exception(request, ValueError("bug")) is None


def test_database_unavailable_middleware_passes_normal_responses_through():
    response = DatabaseUnavailableMiddleware(_ok)(RequestFactory().get("/"))

    assert response.content == b"ok"


@pytest.mark.urls(__name__)
def test_view_raising_operational_error_through_the_stack_returns_503(client: Client):
    response = client.get("/database-down/")

    assert response.status_code == 503
    assert response["Retry-After"] == RETRY_AFTER_SECONDS


@pytest.mark.urls(__name__)
def test_view_raising_other_error_through_the_stack_is_not_masked(client: Client):
    with pytest.raises(ValueError, match="a bug"):
        client.get("/broken/")
