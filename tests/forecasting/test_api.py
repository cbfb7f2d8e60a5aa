"""Forecast API: who may read and run, filters, 202/409/503 on starting a run, query counts."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from forecasting.choices import ForecastRunStatus, ForecastTrigger
from forecasting.models import ForecastRun, PartForecast
from forecasting.services import runs
from repairs.choices import PartCategory
from tests.core.celery_support import UNREACHABLE_URL, celery_using
from tests.fleet.factories import DeviceModelFactory
from tests.forecasting.factories import ForecastRunFactory, PartForecastFactory, ReorderSuggestionFactory
from tests.repairs.factories import PartFactory, PurchaseOrderFactory, StockLocationFactory, VendorFactory

pytestmark = pytest.mark.django_db

READ_URLS = ["/api/forecast-runs/", "/api/forecasts/", "/api/reorder-suggestions/"]


@pytest.fixture
def run() -> ForecastRun:
    return ForecastRunFactory.create(status=ForecastRunStatus.SUCCEEDED, finished_at=timezone.now())


def forecast(run: ForecastRun, **part: object) -> PartForecast:
    spend = part.pop("spend", Decimal("10.00"))
    return PartForecastFactory.create(run=run, part=PartFactory.create(**part), expected_spend=spend)


# Who may -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [*READ_URLS, "/api/forecast-runs/1/", "/api/forecasts/1/"])
def test_forecast_api_anonymous_is_refused(api_client: APIClient, url: str):
    assert api_client.get(url).status_code in (401, 403)


@pytest.mark.parametrize("url", READ_URLS)
@pytest.mark.parametrize("role", ["technician", "school_admin", "no_role_user"])
def test_forecast_api_is_refused_to_roles_without_forecasts(
    request: pytest.FixtureRequest, token_api_client: Callable[[User], APIClient], url: str, role: str
):
    user = request.getfixturevalue(role)

    assert token_api_client(user).get(url).status_code == 403


@pytest.mark.parametrize("role", ["procurement", "supervisor", "admin_user"])
def test_forecast_api_is_open_to_viewers(
    request: pytest.FixtureRequest, token_api_client: Callable[[User], APIClient], role: str, run: ForecastRun
):
    client = token_api_client(request.getfixturevalue(role))

    for url in READ_URLS:
        assert client.get(url).status_code == 200, url


# Runs ----------------------------------------------------------------------------------------------


def test_run_post_starts_a_manual_run_and_returns_202(
    token_api_client: Callable[[User], APIClient],
    procurement: User,
    django_capture_on_commit_callbacks: Callable,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = token_api_client(procurement).post(
            "/api/forecast-runs/", {"anything": "ignored"}, format="json"
        )

    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["trigger"], body["requested_by"]) == ("pending", "manual", "procurement")
    assert ForecastRun.objects.get().pk == body["id"]
    assert len(callbacks) == 1  # the job is sent once the request commits


@pytest.mark.parametrize("role", ["supervisor", "technician"])
def test_run_post_is_refused_to_roles_that_may_not_run(
    request: pytest.FixtureRequest, token_api_client: Callable[[User], APIClient], role: str
):
    response = token_api_client(request.getfixturevalue(role)).post("/api/forecast-runs/")

    assert response.status_code == 403
    assert not ForecastRun.objects.exists()


def test_run_post_while_a_run_is_active_returns_409(
    token_api_client: Callable[[User], APIClient], admin_user: User
):
    active = ForecastRunFactory.create(status=ForecastRunStatus.RUNNING, heartbeat_at=timezone.now())

    response = token_api_client(admin_user).post("/api/forecast-runs/")

    assert response.status_code == 409
    assert response.json()["detail"] == f"Forecast run {active.pk} is still running."
    assert ForecastRun.objects.count() == 1


# The job is sent when the request's write commits (and the role groups are restored after).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_run_post_with_the_task_queue_unreachable_returns_503_at_once_and_holds_nothing(
    api_client: APIClient, procurement: User
):
    api_client.force_authenticate(procurement)

    with celery_using(UNREACHABLE_URL):
        started = time.monotonic()
        response = api_client.post("/api/forecast-runs/")
        seconds = time.monotonic() - started

    assert response.status_code == 503
    assert response.json() == {
        "detail": "The task queue is unreachable, so the forecast could not start. Try again in a minute."
    }
    assert response["Retry-After"] == "30"
    assert seconds < 3
    run = ForecastRun.objects.get()
    assert (run.status, run.error_message) == (ForecastRunStatus.FAILED, runs.NOT_QUEUED_MESSAGE)
    # Nothing pending or running is left: the next Run now, with the queue back, is accepted.
    assert api_client.post("/api/forecast-runs/").status_code == 202


def test_run_post_ignores_its_body_even_when_malformed(
    token_api_client: Callable[[User], APIClient], procurement: User
):
    response = token_api_client(procurement).generic(
        "POST", "/api/forecast-runs/", "{not json", content_type="application/json"
    )

    assert response.status_code == 202  # a run takes no input; the body is never parsed
    assert ForecastRun.objects.get().status == ForecastRunStatus.PENDING


def test_run_list_newest_first_with_progress(
    token_api_client: Callable[[User], APIClient],
    procurement: User,
    django_assert_num_queries: Callable,
):
    ForecastRunFactory.create(status=ForecastRunStatus.SUCCEEDED)
    newest = ForecastRunFactory.create(
        status=ForecastRunStatus.RUNNING,
        trigger=ForecastTrigger.MANUAL,
        requested_by=procurement,
        part_count=400,
        parts_done=100,
    )
    client = token_api_client(procurement)

    with django_assert_num_queries(4):  # token, roles, count, page
        body = client.get("/api/forecast-runs/").json()
    ForecastRunFactory.create_batch(5, requested_by=procurement)
    with django_assert_num_queries(4):
        assert client.get("/api/forecast-runs/").json()["count"] == 7

    first = body["results"][0]
    assert (first["id"], first["progress"], first["requested_by"]) == (newest.pk, 0.25, "procurement")


def test_run_detail_and_404(token_api_client: Callable[[User], APIClient], supervisor: User):
    run = ForecastRunFactory.create(part_count=10, parts_done=10, status=ForecastRunStatus.SUCCEEDED)
    client = token_api_client(supervisor)

    body = client.get(f"/api/forecast-runs/{run.pk}/").json()

    assert (body["id"], body["progress"], body["status"]) == (run.pk, 1.0, "succeeded")
    assert client.get("/api/forecast-runs/999999/").status_code == 404


# Forecasts -------------------------------------------------------------------------------------------


def test_forecast_list_shows_the_latest_succeeded_run_by_spend(
    token_api_client: Callable[[User], APIClient], procurement: User, run: ForecastRun
):
    small = forecast(run, spend=Decimal("5.00"))
    big = forecast(run, spend=Decimal("500.00"))
    PartForecastFactory.create(run=run, error="ValueError: no fit", point=0)
    PartForecastFactory.create(run=ForecastRunFactory.create(status=ForecastRunStatus.RUNNING))
    PartForecastFactory.create(run=ForecastRunFactory.create(status=ForecastRunStatus.SUCCEEDED))  # older

    body = token_api_client(procurement).get("/api/forecasts/").json()

    assert [row["part_id"] for row in body["results"]] == [big.part_id, small.part_id]
    assert body["results"][0]["expected_spend"] == "500.00"
    assert body["results"][0]["part_number"] == big.part.part_number


def test_forecast_list_filters(
    token_api_client: Callable[[User], APIClient], procurement: User, run: ForecastRun
):
    vendor = VendorFactory.create()
    model = DeviceModelFactory.create()
    battery = forecast(run, category=PartCategory.BATTERY, description="Long battery")
    keyboard = forecast(run, category=PartCategory.KEYBOARD, vendor=vendor, description="US keyboard")
    keyboard.part.compatible_models.set([model, DeviceModelFactory.create()])
    client = token_api_client(procurement)

    def ids(query: str) -> list[int]:
        return [row["part_id"] for row in client.get(f"/api/forecasts/?{query}").json()["results"]]

    assert ids("category=keyboard") == [keyboard.part_id]
    assert ids(f"vendor={vendor.pk}") == [keyboard.part_id]
    assert ids(f"model={model.pk}") == [keyboard.part_id]  # once, though it fits two models
    assert ids("q=long bat") == [battery.part_id]
    assert ids("ordering=part") == sorted(
        [battery.part_id, keyboard.part_id],
        key=lambda pk: PartForecast.objects.get(part_id=pk).part.part_number,
    )
    assert client.get("/api/forecasts/?category=spaceship").status_code == 400


def test_forecast_list_query_count_does_not_grow(
    token_api_client: Callable[[User], APIClient],
    procurement: User,
    run: ForecastRun,
    django_assert_num_queries: Callable,
):
    forecast(run)
    client = token_api_client(procurement)
    # token, roles, latest run, count, page
    with django_assert_num_queries(5):
        assert client.get("/api/forecasts/").status_code == 200
    for _ in range(10):
        forecast(run, vendor=VendorFactory.create())
    with django_assert_num_queries(5):
        assert client.get("/api/forecasts/").json()["count"] == 11


def test_forecast_list_before_any_run_is_empty(
    token_api_client: Callable[[User], APIClient], procurement: User
):
    assert token_api_client(procurement).get("/api/forecasts/").json()["count"] == 0


def test_forecast_detail_has_the_weekly_series(
    token_api_client: Callable[[User], APIClient], supervisor: User, run: ForecastRun
):
    row = PartForecastFactory.create(run=run, weekly_quantiles={"0.9": [3.0] * 8}, history=[1.0, None, 2.0])
    client = token_api_client(supervisor)

    body = client.get(f"/api/forecasts/{row.part_id}/").json()

    assert body["weekly_mean"] == [1.5] * 8
    assert body["weekly_quantiles"] == {"0.9": [3.0] * 8}
    assert body["history"] == [1.0, None, 2.0]
    assert body["run_id"] == run.pk
    assert client.get(f"/api/forecasts/{PartFactory.create().pk}/").status_code == 404


# Suggestions -----------------------------------------------------------------------------------------


def test_suggestion_list_shows_orders_to_place_with_filters(
    token_api_client: Callable[[User], APIClient],
    procurement: User,
    run: ForecastRun,
    django_assert_num_queries: Callable,
):
    vendor = VendorFactory.create()
    school = StockLocationFactory.create()
    wanted = ReorderSuggestionFactory.create(
        run=run, part=PartFactory.create(vendor=vendor, category=PartCategory.HINGE), stock_location=school
    )
    order = PurchaseOrderFactory.create()
    other = ReorderSuggestionFactory.create(run=run, purchase_order=order)
    ReorderSuggestionFactory.create(run=run, suggested_quantity=0)
    ReorderSuggestionFactory.create(
        run=ForecastRunFactory.create(status=ForecastRunStatus.SUCCEEDED)
    )  # older
    client = token_api_client(procurement)

    with django_assert_num_queries(5):  # token, roles, latest run, count, page
        body = client.get("/api/reorder-suggestions/").json()
    assert {row["id"] for row in body["results"]} == {wanted.pk, other.pk}
    assert {row["purchase_order"] for row in body["results"]} == {None, order.number}

    def ids(query: str) -> list[int]:
        return [row["id"] for row in client.get(f"/api/reorder-suggestions/?{query}").json()["results"]]

    assert ids(f"vendor={vendor.pk}") == [wanted.pk]
    assert ids(f"stock_location={school.pk}") == [wanted.pk]
    assert ids("category=hinge") == [wanted.pk]
    ReorderSuggestionFactory.create_batch(5, run=run)
    with django_assert_num_queries(5):
        assert client.get("/api/reorder-suggestions/").json()["count"] == 7
