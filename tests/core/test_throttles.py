"""The API's rate limits: 429 with Retry-After past the rate, per user and per anonymous address."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import path, reverse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from accounts.models import User

pytestmark = pytest.mark.django_db

ME_URL = reverse("api:me")


@pytest.fixture
def low_rates(settings) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "3/minute"},
    }


def test_signed_in_caller_past_the_user_rate_gets_429_with_retry_after(
    low_rates: None, token_api_client: Callable[[User], APIClient], technician: User
):
    client = token_api_client(technician)
    assert [client.get(ME_URL).status_code for _ in range(3)] == [200, 200, 200]

    response = client.get(ME_URL)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60


def test_user_rate_counts_each_user_apart(
    low_rates: None, token_api_client: Callable[[User], APIClient], technician: User, supervisor: User
):
    client = token_api_client(technician)
    for _ in range(4):
        client.get(ME_URL)

    other = APIClient()
    other.force_authenticate(supervisor)

    assert other.get(ME_URL).status_code == 200


class OpenApi(APIView):
    """An endpoint open to anonymous callers, as none of ours is yet: DRF checks permissions before
    throttles, so an anonymous call to a signed-in endpoint is refused (403) before it is counted."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


urlpatterns = [path("open/", OpenApi.as_view())]


@pytest.mark.urls(__name__)
def test_anonymous_caller_past_the_anon_rate_gets_429(low_rates: None, api_client: APIClient):
    assert [api_client.get("/open/").status_code for _ in range(2)] == [200, 200]

    response = api_client.get("/open/")

    assert response.status_code == 429
    assert "Retry-After" in response
    # Another address has its own count.
    assert api_client.get("/open/", REMOTE_ADDR="10.30.0.1").status_code == 200


def test_default_rates_are_set_and_leave_room_for_normal_use(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]

    assert rates == {"anon": "60/minute", "user": "600/minute"}
