"""The refresh plan page over HTTP: who may, bad input, htmx fragment, budget, CSV, query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from fleet.choices import CustodyEventKind, DeviceStatus
from fleet.models import Location
from repairs.choices import TicketStatus
from tests.fleet.factories import CustodyEventFactory, DeviceFactory, DeviceModelFactory, LocationFactory
from tests.repairs.factories import TicketFactory

# The URL is routed in forecasting/urls.py; the test urlconf adds it while that is not done yet.
pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _frozen_today():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 3, 15, 12, 0), tick=False):
        yield


@pytest.fixture
def url() -> str:
    return reverse("forecasting:refresh_plan")


def _html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def _models(n: int, start: int = 0) -> None:
    """``n`` models at one new school each: 4 devices reaching AUE in December 2026 (2026-27),
    6 with AUE in 2031, of which one was retired beyond repair in January 2024."""
    for i in range(start, start + n):
        model = DeviceModelFactory.create(
            name=f"Chromebook {i:02d}", aue_month=dt.date(2031, 6, 1), unit_price=Decimal("200.00")
        )
        school = LocationFactory.create(name=f"School {i:02d}", code=f"SCH{i:02d}")
        bought = {"model": model, "location": school, "purchase_date": dt.date(2021, 8, 1)}
        for _ in range(4):
            DeviceFactory.create(aue_override=dt.date(2026, 12, 1), **bought)
        devices = [DeviceFactory.create(**bought) for _ in range(6)]
        broken = devices[0]
        ticket = TicketFactory.create(device=broken, status=TicketStatus.BEYOND_REPAIR)
        CustodyEventFactory.create(
            device=broken,
            kind=CustodyEventKind.STATUS_CHANGED,
            occurred_at=timezone.make_aware(dt.datetime(2024, 1, 10, 11, 0)),
            to_status=DeviceStatus.RETIRED,
            ticket=ticket,
        )
        broken.status = DeviceStatus.RETIRED
        broken.save(update_fields=["status"])


# Who may ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "?format=csv"])
def test_refresh_plan_for_anonymous_redirects_to_login(client: Client, url: str, query: str):
    response = client.get(url + query)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("actor", ["technician", "school_admin", "no_role_user"])
@pytest.mark.parametrize("query", ["", "?format=csv"])
def test_refresh_plan_for_roles_without_forecasts_is_forbidden(
    actor: str, query: str, url: str, request: pytest.FixtureRequest, login: Callable[[User], Client]
):
    assert login(request.getfixturevalue(actor)).get(url + query).status_code == 403


@pytest.mark.parametrize("actor", ["procurement", "supervisor", "admin_user"])
@pytest.mark.parametrize("query", ["", "?format=csv"])
def test_refresh_plan_for_forecast_viewers_answers(
    actor: str, query: str, url: str, request: pytest.FixtureRequest, login: Callable[[User], Client]
):
    assert login(request.getfixturevalue(actor)).get(url + query).status_code == 200


def test_refresh_plan_refuses_post(procurement: User, url: str, login: Callable[[User], Client]):
    assert login(procurement).post(url).status_code == 405


# The page ---------------------------------------------------------------------------------------


def test_refresh_plan_page_shows_years_models_and_rates(
    procurement: User, url: str, login: Callable[[User], Client], refresh_summaries: Callable[[], None]
):
    _models(1)

    refresh_summaries()
    html = _html(login(procurement).get(url, {"years": "3"}))

    # In service 10, 10, 9, 9 on the boundaries: 28.5 device-years, rate 1 / 28.5. Of the 9
    # active, expected failures run to 0.09, 0.27, 0.43: none yet; the 4 reach AUE in 2026-27.
    assert "2025-26: 0 devices, $0.00" in html
    assert "2026-27: 4 devices, $800.00" in html
    assert "2027-28: 0 devices, $0.00" in html
    assert (
        '<td>Chromebook 00</td><td class="num">0</td><td class="num">1</td><td class="num">0</td>'
        '<td class="num">9.5</td><td class="num">3.5%</td>'
    ) in html
    assert "Budget per year" in html and "Devices deferred" not in html


def test_refresh_plan_page_with_budget_shows_the_shortfall(
    procurement: User, url: str, login: Callable[[User], Client], refresh_summaries: Callable[[], None]
):
    _models(1)

    refresh_summaries()
    html = _html(login(procurement).get(url, {"years": "2", "budget": "500"}))

    # 2026-27 costs $800: $300 over, so 2 of the 4 AUE replacements wait.
    assert '<strong class="error">No: $300.00 over</strong></td><td class="num">2</td>' in html
    assert "Devices deferred" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"years": "0"}, "greater than or equal to 1"),
        ({"years": "11"}, "less than or equal to 10"),
        ({"budget": "-1"}, "greater than or equal to 0"),
        ({"budget": "lots"}, "Enter a number"),
    ],
)
def test_refresh_plan_with_bad_input_shows_the_error(
    params: dict[str, str], message: str, procurement: User, url: str, login: Callable[[User], Client]
):
    response = login(procurement).get(url, params)

    assert response.status_code == 200
    assert message in _html(response)
    assert 'id="refresh-plan-summary"' not in _html(response)


def test_refresh_plan_csv_with_bad_input_is_a_bad_request(
    procurement: User, url: str, login: Callable[[User], Client]
):
    response = login(procurement).get(url, {"years": "0", "format": "csv"})

    assert response.status_code == 400
    assert "years: Ensure this value is greater than or equal to 1." in response.content.decode()


def test_refresh_plan_htmx_request_returns_the_results_only(
    procurement: User, url: str, login: Callable[[User], Client], refresh_summaries: Callable[[], None]
):
    _models(1)

    refresh_summaries()
    response = login(procurement).get(url, {"years": "2"}, headers=HTMX)

    html = _html(response)
    assert html.lstrip().startswith('<section id="refresh-plan-results">')
    assert "<h1>" not in html and "2026-27: 4 devices" in html
    assert "HX-Request" in response["Vary"]


def test_refresh_plan_for_one_school_counts_only_its_devices(
    procurement: User, url: str, login: Callable[[User], Client], refresh_summaries: Callable[[], None]
):
    _models(2)
    refresh_summaries()
    school = Location.objects.get(code="SCH01")

    html = _html(login(procurement).get(url, {"years": "2", "location": str(school.pk)}))

    assert "2026-27: 4 devices, $800.00" in html
    assert f'<option value="{school.pk}" selected>School 01</option>' in html


# CSV --------------------------------------------------------------------------------------------


def test_refresh_plan_csv_lists_each_model_and_year_with_the_budget(
    procurement: User, url: str, login: Callable[[User], Client], refresh_summaries: Callable[[], None]
):
    _models(2)

    refresh_summaries()
    response = login(procurement).get(url, {"years": "2", "budget": "1000", "format": "csv"})

    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="refresh-plan-2025-2027.csv"'
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert rows[0] == [
        "school_year",
        "model",
        "annual_failure_rate",
        "reaching_aue",
        "aue_replacements",
        "failure_replacements",
        "devices",
        "unit_price",
        "cost",
        "budget",
        "fits_budget",
        "deferred_devices",
    ]
    assert rows[1:] == [
        ["2025-26", "All models", "", "0", "0", "0", "0", "", "0.00", "1000.00", "yes", "0"],
        # $600 over: ceil(600 / 200) = 3 deferred; equal AUE months go by model name.
        ["2026-27", "Chromebook 00", "0.0351", "4", "4", "0", "4", "200.00", "800.00", "", "", "3"],
        ["2026-27", "Chromebook 01", "0.0351", "4", "4", "0", "4", "200.00", "800.00", "", "", "0"],
        ["2026-27", "All models", "", "8", "8", "0", "8", "", "1600.00", "1000.00", "no", "3"],
    ]


# Query counts -----------------------------------------------------------------------------------


def test_refresh_plan_query_count_does_not_grow_with_models_and_devices(
    procurement: User,
    url: str,
    login: Callable[[User], Client],
    django_assert_num_queries: DjangoAssertNumQueries,
    refresh_summaries: Callable[[], None],
):
    client = login(procurement)
    _models(2)
    refresh_summaries()
    client.get(url)
    with django_assert_num_queries(9):
        client.get(url, {"budget": "1000"})
    _models(4, start=2)
    refresh_summaries()
    with django_assert_num_queries(9):
        response = client.get(url, {"budget": "1000"})
    assert "2026-27: 24 devices, $4,800.00" in _html(response)


def test_refresh_plan_csv_query_count_does_not_grow_with_models_and_devices(
    procurement: User,
    url: str,
    login: Callable[[User], Client],
    django_assert_num_queries: DjangoAssertNumQueries,
    refresh_summaries: Callable[[], None],
):
    client = login(procurement)
    _models(1)
    refresh_summaries()
    with django_assert_num_queries(8):
        b"".join(client.get(url, {"format": "csv"}).streaming_content)  # type: ignore[attr-defined]
    _models(5, start=1)
    refresh_summaries()
    with django_assert_num_queries(8):
        content = b"".join(client.get(url, {"format": "csv"}).streaming_content)  # type: ignore[attr-defined]
    text = content.decode()
    assert text.count("2026-27,Chromebook") == 6
    assert "2026-27,All models,,24,24,0,24,,4800.00,,," in text
