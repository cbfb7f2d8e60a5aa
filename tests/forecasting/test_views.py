"""Forecast pages: who may use them, what they show, htmx fragments, runs, ordering and query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from forecasting.choices import ForecastRunStatus, ForecastTrigger
from forecasting.models import ForecastRun, PartForecast, ReorderSuggestion
from repairs.choices import PartCategory
from repairs.models import Part, PurchaseOrder
from tests.core.celery_support import UNREACHABLE_URL, celery_using
from tests.fleet.factories import DeviceModelFactory
from tests.forecasting.factories import ForecastRunFactory, PartForecastFactory, ReorderSuggestionFactory
from tests.repairs.factories import PartFactory, PurchaseOrderFactory, StockLocationFactory, VendorFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
FORECAST_LIST_QUERIES = 10
HISTORY_START = dt.date(2024, 9, 2)
HISTORY_END = dt.date(2025, 9, 1)
PAGES = [
    "forecasting:forecast_list",
    "forecasting:suggestion_list",
    "forecasting:forecast_accuracy",
]


def _match(pattern: str, text: str, flags: int = 0, group: int = 0) -> str:
    found = re.search(pattern, text, flags)
    assert found, f"{pattern!r} not found"
    return found.group(group)


def _cells(html: str) -> list[str]:
    """The text of each <td> (tags dropped, whitespace squeezed)."""
    return [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)
    ]


def _run(**kwargs: object) -> ForecastRun:
    values: dict = {
        "status": ForecastRunStatus.SUCCEEDED,
        "finished_at": timezone.now(),
        "history_end": HISTORY_END,
        "part_count": 2,
        "parts_done": 2,
        "parameters": {"horizon_weeks": 52},
    }
    values.update(kwargs)
    return ForecastRunFactory.create(**values)


def _part(number: str, **kwargs: object) -> Part:
    kwargs.setdefault("is_demo", False)
    return PartFactory.create(part_number=number, **kwargs)


def _forecast(run: ForecastRun, part: Part, **kwargs: object) -> PartForecast:
    weeks = 52
    values: dict = {
        "run": run,
        "part": part,
        "horizon_weeks": weeks,
        "history": [0, 2, 1, 0, 3] * 10 + [1, 1],
        "history_start": HISTORY_START,
        "weekly_mean": [0.5] * weeks,
        "weekly_quantiles": {"0.1": [0.0] * weeks, "0.5": [0.0] * 26 + [1.0] * 26, "0.9": [2.0] * weeks},
        "point": 26.0,
        "quantiles": {"0.5": 25.0, "0.8": 31.0, "0.9": 35.0, "0.95": 38.0},
        "accuracy": {
            "holdout_weeks": 13,
            "actual": 10.0,
            "forecast": 13.0,
            "mae": 0.8,
            "bias": 0.23,
            "wql": 0.41,
            "covered_80": 0.85,
        },
        "expected_spend": Decimal("1248.00"),
        "warranty_share": 0.25,
        "on_hand": 3,
        "on_order": 2,
        "reorder_point": 6,
        "suggested_order": 4,
    }
    values.update(kwargs)
    return PartForecastFactory.create(**values)


# Who may use the pages ------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("procurement", 200),
        ("supervisor", 200),
        ("admin_user", 200),
        ("technician", 403),
        ("school_admin", 403),
    ],
)
def test_forecast_pages_by_role(login, request, name, actor, expected):
    assert login(request.getfixturevalue(actor)).get(reverse(name)).status_code == expected


@pytest.mark.parametrize(
    "url",
    [
        reverse("forecasting:forecast_list"),
        reverse("forecasting:suggestion_list"),
        reverse("forecasting:suggestion_list") + "?format=csv",
        reverse("forecasting:forecast_accuracy"),
        reverse("forecasting:part_forecast", args=[1]),
        reverse("forecasting:forecast_run_progress", args=[1]),
    ],
)
def test_forecast_pages_anonymous_redirect_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("actor", ["technician", "school_admin"])
def test_part_forecast_and_progress_for_other_roles_are_403(login, request, actor):
    forecast = _forecast(_run(), _part("5D10M42862"))
    client = login(request.getfixturevalue(actor))

    assert client.get(reverse("forecasting:part_forecast", args=[forecast.part_id])).status_code == 403
    assert client.get(reverse("forecasting:forecast_run_progress", args=[forecast.run_id])).status_code == 403
    assert client.get(reverse("forecasting:suggestion_list"), {"format": "csv"}).status_code == 403


@pytest.mark.parametrize("actor", ["supervisor", "technician"])
def test_run_now_and_ordering_by_roles_that_may_not_are_403(login, request, actor):
    suggestion = ReorderSuggestionFactory.create(run=_run(), part=_part("5D10M42862"))
    client = login(request.getfixturevalue(actor))

    assert client.post(reverse("forecasting:forecast_run_create")).status_code == 403
    response = client.post(reverse("forecasting:suggestion_order"), {"suggestion": [suggestion.pk]})
    assert response.status_code == 403
    assert ForecastRun.objects.count() == 1
    assert not PurchaseOrder.objects.exists()


def test_forecast_list_for_supervisor_has_no_run_button(login, supervisor):
    body = login(supervisor).get(reverse("forecasting:forecast_list")).content.decode()

    assert "Run now" not in body
    assert "No forecast has run yet." in body


# Forecast table ------------------------------------------------------------------------------


def test_forecast_list_shows_run_summary_and_part_figures(login, procurement):
    run = _run(error_count=1)
    model = DeviceModelFactory.create(name="Chromebook 300e Gen 3")
    part = _part("5D10M42862", description="11.6in HD panel", category=PartCategory.LCD_PANEL)
    part.compatible_models.add(model)
    _forecast(run, part)

    response = login(procurement).get(reverse("forecasting:forecast_list"))

    body = response.content.decode()
    assert f"Latest forecast: run {run.pk}" in body
    assert "2 parts" in body and "1 error" in body
    row = _match(r"<tr>\s*<td class=\"part-cell\"><a href=\"[^\"]+\">5D10M42862</a>.*?</tr>", body, re.S)
    assert _cells(row) == [
        "5D10M42862 11.6in HD panel",
        "LCD panel",
        str(part.vendor),
        "26",
        "35",
        "3",
        "2",
        "6",
        "4",
        "$1,248.00",
    ]
    assert reverse("forecasting:part_forecast", args=[part.pk]) in body
    assert "Run now" in body


def test_forecast_list_describes_a_part_without_a_description_by_what_it_fits(login, procurement):
    part = _part("5D10M42862", description="")
    part.compatible_models.add(DeviceModelFactory.create(name="Chromebook 300e Gen 3"))
    _forecast(_run(), part)

    body = login(procurement).get(reverse("forecasting:forecast_list")).content.decode()

    assert _match(r'<div class="part-line[^"]*">([^<]*)</div>', body, group=1) == "Fits Chromebook 300e Gen 3"


def test_forecast_list_sorts_by_spend_and_leaves_out_failed_parts(login, procurement):
    run = _run()
    _forecast(run, _part("AAA-1"), expected_spend=Decimal("10.00"))
    _forecast(run, _part("BBB-2"), expected_spend=Decimal("900.00"))
    _forecast(run, _part("CCC-3"), expected_spend=Decimal("0"), error="ValueError: bad history")
    old = _run(finished_at=timezone.now() - dt.timedelta(days=1))
    _forecast(old, _part("OLD-9"), expected_spend=Decimal("5000.00"))

    body = login(procurement).get(reverse("forecasting:forecast_list")).content.decode()

    assert re.findall(r">([A-Z]{3}-\d)</a>", body) == ["BBB-2", "AAA-1"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "hinge"}, ["HNG-1"]),
        ({"category": PartCategory.BATTERY}, ["BAT-1"]),
        ({"sort": "part"}, ["BAT-1", "HNG-1", "KBD-1"]),
        ({"sort": "-part"}, ["KBD-1", "HNG-1", "BAT-1"]),
        ({"sort": "-category"}, ["KBD-1", "HNG-1", "BAT-1"]),
        ({"sort": "-part", "q": "b"}, ["KBD-1", "BAT-1"]),
        ({"sort": "no_such_column"}, ["BAT-1", "HNG-1", "KBD-1"]),
    ],
)
def test_forecast_list_filters(login, procurement, query, expected):
    run = _run()
    _forecast(run, _part("HNG-1", description="Hinge cover", category=PartCategory.HINGE))
    _forecast(run, _part("BAT-1", description="Battery", category=PartCategory.BATTERY))
    _forecast(run, _part("KBD-1", description="Keyboard", category=PartCategory.KEYBOARD))

    body = login(procurement).get(reverse("forecasting:forecast_list"), query).content.decode()

    assert re.findall(r">([A-Z]{3}-\d)</a>", body) == expected


def test_forecast_list_filters_by_vendor_and_model(login, procurement):
    run = _run()
    model = DeviceModelFactory.create()
    fits = _part("FIT-1")
    fits.compatible_models.add(model)
    _forecast(run, fits)
    other = _forecast(run, _part("OTH-1"))

    client = login(procurement)
    by_model = client.get(reverse("forecasting:forecast_list"), {"model": model.pk}).content.decode()
    by_vendor = client.get(
        reverse("forecasting:forecast_list"), {"vendor": other.part.vendor_id}
    ).content.decode()

    assert re.findall(r">([A-Z]{3}-\d)</a>", by_model) == ["FIT-1"]
    assert re.findall(r">([A-Z]{3}-\d)</a>", by_vendor) == ["OTH-1"]


def test_forecast_list_with_a_bad_filter_shows_no_rows_and_says_why(login, procurement):
    _forecast(_run(), _part("FIT-1"))

    body = login(procurement).get(reverse("forecasting:forecast_list"), {"vendor": "abc"}).content.decode()

    assert "Check the filters" in body
    assert "No parts match." in body


def test_forecast_list_htmx_returns_the_table_only(login, procurement):
    _forecast(_run(), _part("HNG-1", description="Hinge cover"))

    response = login(procurement).get(reverse("forecasting:forecast_list"), {"q": "hinge"}, headers=HTMX)

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="forecast-results">')
    assert "HNG-1" in body and "<html" not in body and "Run now" not in body
    assert "HX-Request" in response["Vary"]


def test_forecast_list_pages_twenty_five_rows(login, procurement):
    run = _run()
    for n in range(26):
        _forecast(run, _part(f"P-{n:03d}"), expected_spend=Decimal(1000 - n))

    client = login(procurement)
    first = client.get(reverse("forecasting:forecast_list")).content.decode()
    second = client.get(reverse("forecasting:forecast_list"), {"page": 2}).content.decode()

    assert first.count('<td class="part-cell"><a href="/') == 25 and "Page 1 of 2" in first
    assert re.findall(r">(P-\d{3})</a>", second) == ["P-025"]


def _grow(run: ForecastRun, rows: int) -> None:
    for _ in range(rows):
        part = _part(f"GROW-{Part.objects.count():04d}")
        part.compatible_models.add(DeviceModelFactory.create(), DeviceModelFactory.create())
        _forecast(run, part)
        ReorderSuggestionFactory.create(run=run, part=part, stock_location=StockLocationFactory.create())
        ReorderSuggestionFactory.create(
            run=run,
            part=part,
            stock_location=StockLocationFactory.create(),
            purchase_order=PurchaseOrderFactory.create(),
        )


@pytest.mark.parametrize("name", PAGES)
def test_forecast_pages_query_count_is_fixed(
    login, procurement, django_assert_num_queries: DjangoAssertNumQueries, name
):
    run = _run()
    _forecast(
        _run(finished_at=timezone.now() - dt.timedelta(days=7), history_end=dt.date(2025, 8, 4)), _part("X")
    )
    client = login(procurement)
    _grow(run, 1)
    client.get(reverse(name))  # warm the session and content types
    with CaptureQueriesContext(connection) as first:
        assert client.get(reverse(name)).status_code == 200
    _grow(run, 5)
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get(reverse(name)).status_code == 200


def test_forecast_list_headings_sort_and_mark_the_sorted_column(login, procurement):
    run = _run()
    _forecast(run, _part("LOW-1", description="Hinge cover"), point=4.0)
    _forecast(run, _part("HIGH-1", description="Hinge screw"), point=40.0)
    _forecast(run, _part("OTHER-1", description="Battery"), point=90.0)

    body = (
        login(procurement)
        .get(reverse("forecasting:forecast_list"), {"q": "hinge", "sort": "-point", "page": "1"})
        .content.decode()
    )

    assert re.findall(r">([A-Z]+-1)</a>", body) == ["HIGH-1", "LOW-1"]
    sorted_headings = re.findall(r'<th scope="col"[^>]*aria-sort="(\w+)"[^>]*>\s*<a[^>]*>([^<]+)<', body)
    assert sorted_headings == [("descending", "Expected demand")]
    # Clicking the sorted column reverses it; the others sort their own way; filters stay, the page resets.
    assert 'href="?q=hinge&amp;sort=point">Expected demand' in body
    assert 'href="?q=hinge&amp;sort=part">Part<' in body
    assert 'href="?q=hinge&amp;sort=-spend">Expected spend<' in body
    assert 'name="sort" value="-point"' in body  # the filter form keeps the sort
    assert "<th></th>" not in body and "Order by" not in body


def test_forecast_list_sorts_ascending_and_ignores_unknown_columns(login, procurement):
    run = _run()
    _forecast(run, _part("AAA-1"), on_hand=9, expected_spend=Decimal("1"))
    _forecast(run, _part("BBB-1"), on_hand=1, expected_spend=Decimal("2"))
    client = login(procurement)

    by_stock = client.get(reverse("forecasting:forecast_list"), {"sort": "on_hand"}).content.decode()
    unknown = client.get(
        reverse("forecasting:forecast_list"), {"sort": "part__vendor__secret"}
    ).content.decode()

    assert re.findall(r">([A-Z]{3}-1)</a>", by_stock) == ["BBB-1", "AAA-1"]
    assert 'aria-sort="ascending"' in by_stock
    assert re.findall(r">([A-Z]{3}-1)</a>", unknown) == ["BBB-1", "AAA-1"]  # spend, largest first


def test_forecast_list_query_count_is_pinned_whatever_the_page_size(
    login, procurement, django_assert_num_queries: DjangoAssertNumQueries
):
    run = _run()
    client = login(procurement)
    query = {"sort": "vendor", "q": "GROW"}
    _grow(run, 2)
    client.get(reverse("forecasting:forecast_list"), query)  # warm the session and content types
    # Session, user, latest run, newest run, vendor and model choices, count, page, fitted models.
    with django_assert_num_queries(FORECAST_LIST_QUERIES):
        assert client.get(reverse("forecasting:forecast_list"), query).status_code == 200
    _grow(run, 30)
    with django_assert_num_queries(FORECAST_LIST_QUERIES):
        first = client.get(reverse("forecasting:forecast_list"), query)
    with django_assert_num_queries(FORECAST_LIST_QUERIES):
        second = client.get(reverse("forecasting:forecast_list"), {**query, "page": 2})
    assert first.content.decode().count('class="part-cell"') == 25
    assert second.content.decode().count('class="part-cell"') == 7


# Runs -----------------------------------------------------------------------------------------


def test_run_now_starts_a_manual_run_and_returns_a_polling_panel(
    login, procurement, django_capture_on_commit_callbacks, monkeypatch
):
    sent: list[int] = []
    monkeypatch.setattr("forecasting.services.runs._enqueue", sent.append)

    with django_capture_on_commit_callbacks(execute=True):
        response = login(procurement).post(reverse("forecasting:forecast_run_create"), headers=HTMX)

    run = ForecastRun.objects.get()
    assert (run.trigger, run.status, run.requested_by) == (ForecastTrigger.MANUAL, "pending", procurement)
    assert sent == [run.pk]
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="run-panel"')
    assert f'hx-get="{reverse("forecasting:forecast_run_progress", args=[run.pk])}"' in body
    assert 'hx-trigger="every 2s"' in body
    assert "Forecast started." in response["HX-Trigger"]


def test_run_now_without_htmx_redirects_with_a_message(login, procurement, monkeypatch):
    monkeypatch.setattr("forecasting.services.runs._enqueue", lambda run_id: None)

    response = login(procurement).post(reverse("forecasting:forecast_run_create"), follow=True)

    assert response.redirect_chain == [(reverse("forecasting:forecast_list"), 302)]
    body = response.content.decode()
    assert "Forecast started." in body
    assert 'id="run-panel"' in body and 'hx-trigger="every 2s"' in body


def test_run_now_while_one_is_running_shows_that_runs_progress(login, admin_user):
    running = ForecastRunFactory.create(
        status=ForecastRunStatus.RUNNING, part_count=40, parts_done=12, heartbeat_at=timezone.now()
    )

    response = login(admin_user).post(reverse("forecasting:forecast_run_create"), headers=HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert "A forecast is already running." in body
    assert f"Forecast run {running.pk}" in body
    assert '<progress max="40" value="12"' in body
    assert ForecastRun.objects.count() == 1


def test_run_now_conflict_without_htmx_redirects_with_a_warning(login, procurement):
    ForecastRunFactory.create(status=ForecastRunStatus.PENDING)

    response = login(procurement).post(reverse("forecasting:forecast_run_create"), follow=True)

    assert "A forecast is already running." in response.content.decode()
    assert ForecastRun.objects.count() == 1


# The job is sent when the request's write commits (and the role groups are restored after).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_run_now_with_the_task_queue_unreachable_says_try_again_and_holds_nothing(login, procurement):
    client = login(procurement)

    with celery_using(UNREACHABLE_URL):
        plain = client.post(reverse("forecasting:forecast_run_create"))
        button = client.post(reverse("forecasting:forecast_run_create"), headers=HTMX)

    message = "The task queue is unreachable, so the forecast could not start. Try again in a minute."
    assert plain.status_code == 503  # a plain form post: a page saying so
    assert plain["Retry-After"] == "30"
    assert message in plain.content.decode() and re.search(
        r"<h1[^>]*>Forecast run not started</h1>", plain.content.decode()
    )
    assert button.status_code == 200  # htmx swaps only a 200: the panel says so
    body = button.content.decode()
    assert body.lstrip().startswith('<section id="run-panel"')
    assert f'<p class="error" role="alert">{message}' in body
    assert "hx-trigger" not in body  # nothing to poll
    # Both runs failed at once; none blocks the next Run now.
    assert list(ForecastRun.objects.values_list("status", flat=True)) == ["failed", "failed"]
    assert client.post(reverse("forecasting:forecast_run_create"), headers=HTMX).status_code == 200
    assert ForecastRun.objects.filter(status__in=["pending", "running", "succeeded"]).count() == 1


def test_run_progress_of_a_running_run_keeps_polling(login, supervisor):
    run = ForecastRunFactory.create(status=ForecastRunStatus.RUNNING, part_count=400, parts_done=150)

    response = login(supervisor).get(
        reverse("forecasting:forecast_run_progress", args=[run.pk]), headers=HTMX
    )

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="run-panel"')
    assert 'hx-trigger="every 2s"' in body
    assert '<progress max="400" value="150"' in body
    assert "Running" in body


def test_run_progress_of_a_finished_run_stops_polling_and_links_the_table(login, procurement):
    run = _run(part_count=400, parts_done=400)

    response = login(procurement).get(
        reverse("forecasting:forecast_run_progress", args=[run.pk]), headers=HTMX
    )

    body = response.content.decode()
    assert "hx-trigger" not in body
    assert "Show the new forecast" in body and reverse("forecasting:forecast_list") in body


def test_run_progress_of_a_failed_run_says_why(login, procurement):
    run = ForecastRunFactory.create(status=ForecastRunStatus.FAILED, error_message="Worker stopped")

    body = (
        login(procurement).get(reverse("forecasting:forecast_run_progress", args=[run.pk])).content.decode()
    )

    assert "The run failed: Worker stopped" in body and "every 2s" not in body
    assert "<html" in body  # without htmx the panel comes in a whole page


def test_run_progress_of_unknown_run_is_404(login, procurement):
    assert login(procurement).get(reverse("forecasting:forecast_run_progress", args=[999])).status_code == 404


# One part ------------------------------------------------------------------------------------


def test_part_forecast_shows_chart_weeks_totals_reorder_and_backtest(login, supervisor):
    run = _run()
    part = _part("5D10M42862", description="11.6in HD panel", lead_time_days=21)
    _forecast(run, part)
    depot = StockLocationFactory.create(name="Central depot")
    order = PurchaseOrderFactory.create(number="PO2025-000777")
    ReorderSuggestionFactory.create(
        run=run,
        part=part,
        stock_location=depot,
        lead_time_days=21,
        lead_time_demand=2.5,
        safety_stock=1.7,
        reorder_point=5,
        on_hand=1,
        on_order=1,
        suggested_quantity=6,
        purchase_order=order,
    )

    response = login(supervisor).get(reverse("forecasting:part_forecast", args=[part.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    assert '<svg class="demand-chart"' in body and 'class="band"' in body
    weeks = _match(r'id="forecast-weeks".*?</table>', body, re.S)
    assert weeks.count("<tr>") == 13  # header and 12 weeks
    assert '<td>2025-09-01</td><td class="num">0.50</td>' in weeks and "<td>2025-11-17</td>" in weeks
    assert "<dt>Buy to fill 90% of demand</dt><dd>35</dd>" in body
    assert "<dt>Warranty-covered share</dt><dd>25%" in body
    reorder = _match(r'id="forecast-reorder".*?</table>', body, re.S)
    cells = _cells(reorder)
    assert cells[:8] == ["Central depot", "21 days", "2.5", "1.7", "5", "1", "1", "0"]
    assert "PO2025-000777" in cells[8]
    assert "<dt>In the 80% band</dt><dd>85%</dd>" in body


def test_part_forecast_chart_has_a_phone_drawing_a_key_and_its_numbers(login, procurement):
    part = _part("5D10M42862")
    _forecast(_run(), part)

    body = login(procurement).get(reverse("forecasting:part_forecast", args=[part.pk])).content.decode()

    assert (
        f'id="demand-chart-{part.pk}-title"' in body and f'id="demand-chart-{part.pk}-compact-title"' in body
    )
    assert 'viewBox="0 0 760 300"' in body and 'viewBox="0 0 400 320"' in body
    legend = _match(r'<ul class="chart-legend".*?</ul>', body, re.S)
    for label in ("Used each week", "10-90% range", "Expected demand (mean)", "Median forecast", "Today"):
        assert label in legend
    numbers = _match(r'<details class="chart-numbers">.*?</details>', body, re.S)
    assert numbers.count("<tr>") == 1 + 52 + 52  # heading, history weeks, forecast weeks
    assert "<td>2024-09-02</td>" in numbers and "<td>2025-09-01</td>" in numbers
    # The median is 0 for the first 26 weeks only: no note about a median lying on the axis.
    assert 'id="median-note"' not in body
    assert "style=" not in _match(r'<section class="card mb-3" id="forecast-chart".*?</section>', body, re.S)


def test_part_forecast_says_why_the_forecast_differs_from_last_year(login, procurement):
    model = DeviceModelFactory.create(aue_month=dt.date(2020, 6, 1))  # long past its AUE
    part = _part("OLD-1")
    part.compatible_models.add(model)
    _forecast(_run(), part, history=[1.0] * 52, point=0.0, weekly_mean=[0.0] * 52)

    body = login(procurement).get(reverse("forecasting:part_forecast", args=[part.pk])).content.decode()

    change = _match(r'<p class="alert alert-info" id="forecast-change">(.*?)</p>', body, re.S, group=1)
    assert change == (
        "The forecast for the next 12 months (0) is 100% below the use in the last 12 months (52) because "
        "every device it fits has reached its Auto Update Expiration, so none will be in service over the "
        "forecast."
    )


def test_part_forecast_close_to_last_year_has_no_sentence(login, procurement):
    part = _part("STEADY-1")
    _forecast(_run(), part, history=[0.5] * 52, point=26.0)

    body = login(procurement).get(reverse("forecasting:part_forecast", args=[part.pk])).content.decode()

    assert 'id="forecast-change"' not in body


def test_part_forecast_for_unknown_part_is_404(login, procurement):
    assert login(procurement).get(reverse("forecasting:part_forecast", args=[424242])).status_code == 404


def test_part_forecast_for_a_part_the_run_did_not_cover_is_404_with_a_message(login, procurement):
    run = _run()
    part = _part("NEW-1")

    response = login(procurement).get(reverse("forecasting:part_forecast", args=[part.pk]))

    assert response.status_code == 404
    assert f"The latest forecast (run {run.pk}) has no row for this part" in response.content.decode()


def test_part_forecast_of_a_failed_part_shows_the_error(login, procurement):
    forecast = _forecast(_run(), _part("BAD-1"), error="ValueError: history is empty")

    response = login(procurement).get(reverse("forecasting:part_forecast", args=[forecast.part_id]))

    body = response.content.decode()
    assert "could not be forecast" in body and "ValueError: history is empty" in body
    assert "<svg" not in body


# Suggested orders ----------------------------------------------------------------------------


def _suggestions() -> dict[str, ReorderSuggestion]:
    run = _run()
    acme, zenith = VendorFactory.create(name="Acme Parts"), VendorFactory.create(name="Zenith Supply")
    depot = StockLocationFactory.create(name="Central depot")
    north = StockLocationFactory.create(name="North hub")
    screen = _part("5D10M42862", description="11.6in HD panel", vendor=acme, unit_cost=Decimal("48.00"))
    charger = _part("01FR030", description="45W USB-C charger", vendor=zenith, unit_cost=Decimal("19.99"))
    demo = PartFactory.create(part_number="DEMO-00042", vendor=acme, unit_cost=Decimal("5.00"))
    ordered = _part("5CB0Q81384", description="Keyboard", vendor=acme, unit_cost=Decimal("31.50"))
    return {
        "screen": ReorderSuggestionFactory.create(
            run=run, part=screen, stock_location=depot, suggested_quantity=4
        ),
        "screen_north": ReorderSuggestionFactory.create(
            run=run, part=screen, stock_location=north, suggested_quantity=1
        ),
        "charger": ReorderSuggestionFactory.create(
            run=run, part=charger, stock_location=depot, suggested_quantity=10
        ),
        "demo": ReorderSuggestionFactory.create(
            run=run, part=demo, stock_location=depot, suggested_quantity=3
        ),
        "ordered": ReorderSuggestionFactory.create(
            run=run,
            part=ordered,
            stock_location=depot,
            suggested_quantity=2,
            purchase_order=PurchaseOrderFactory.create(number="PO2025-000101", vendor=acme),
        ),
        "nothing": ReorderSuggestionFactory.create(
            run=run, part=_part("ZERO-1", vendor=acme), stock_location=depot, suggested_quantity=0
        ),
    }


def test_suggestion_list_groups_by_vendor_with_totals(login, procurement):
    lines = _suggestions()

    body = login(procurement).get(reverse("forecasting:suggestion_list")).content.decode()

    acme = _match(r'<section class="card mb-3 vendor-group".*?Acme Parts.*?</section>', body, re.S)
    # 4 x 48 + 1 x 48 + 3 x 5 + 2 x 31.50
    assert 'Acme Parts total</th><td class="num fw-semibold" data-label="Total">$318.00</td>' in acme
    assert 'Zenith Supply total</th><td class="num fw-semibold" data-label="Total">$199.90</td>' in body
    assert '<strong id="grand-total">$517.90</strong>' in body
    assert "ZERO-1" not in body
    checked = re.findall(r'name="suggestion" value="(\d+)" checked', body)
    assert sorted(map(int, checked)) == sorted(lines[k].pk for k in ("screen", "screen_north", "charger"))
    assert "demo part — cannot be ordered" in acme
    assert (
        f'href="{reverse("repairs:purchase_order_detail", args=[lines["ordered"].purchase_order_id])}"'
        in acme
    )
    assert "PO2025-000101" in acme
    assert 'name="vendor" value="' in acme and "Create all ticked purchase orders" in body


def test_suggestion_list_for_supervisor_has_no_checkboxes_or_buttons(login, supervisor):
    _suggestions()

    body = login(supervisor).get(reverse("forecasting:suggestion_list")).content.decode()

    assert "5D10M42862" in body
    assert 'name="suggestion"' not in body and "Create all" not in body


def test_suggestion_list_empty_before_any_run(login, procurement):
    body = login(procurement).get(reverse("forecasting:suggestion_list")).content.decode()

    assert "No forecast has run yet" in body


def test_suggestion_csv_lists_every_line_with_costs(login, supervisor):
    url = reverse("forecasting:suggestion_list") + "?format=csv"
    _suggestions()

    response = login(supervisor).get(url)

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Vendor",
        "Part number",
        "Description",
        "Ship to",
        "Quantity",
        "Unit cost",
        "Line total",
        "Reorder point",
        "On hand",
        "On order",
    ]
    assert [
        "Acme Parts",
        "5D10M42862",
        "11.6in HD panel",
        "Central depot",
        "4",
        "48.00",
        "192.00",
        "5",
        "2",
        "0",
    ] in rows
    assert [
        "Zenith Supply",
        "01FR030",
        "45W USB-C charger",
        "Central depot",
        "10",
        "19.99",
        "199.90",
        "5",
        "2",
        "0",
    ] in rows
    assert len(rows) == 1 + 5


def test_suggestion_csv_filters_by_vendor_and_quotes_formulas(login, procurement):
    run = _run()
    vendor = VendorFactory.create(name="=HYPERLINK(1)")
    ReorderSuggestionFactory.create(run=run, part=_part("P-1", vendor=vendor))
    ReorderSuggestionFactory.create(run=run, part=_part("P-2"))

    response = login(procurement).get(
        reverse("forecasting:suggestion_list"), {"format": "csv", "vendor": vendor.pk}
    )

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[:2] for row in rows[1:]] == [["'=HYPERLINK(1)", "P-1"]]


def test_suggestion_order_of_one_vendor_creates_its_orders_only_and_redirects(login, procurement):
    lines = _suggestions()
    ids = [lines[k].pk for k in ("screen", "screen_north", "charger")]
    acme = lines["screen"].part.vendor
    assert acme is not None

    response = login(procurement).post(
        reverse("forecasting:suggestion_order"), {"suggestion": ids, "vendor": acme.pk}, follow=True
    )

    orders = list(PurchaseOrder.objects.filter(vendor=acme, status="draft").exclude(number="PO2025-000101"))
    assert len(orders) == 2  # the depot and the north hub
    assert response.redirect_chain == [(reverse("repairs:purchase_order_list"), 302)]
    assert "Created 2 draft purchase orders" in response.content.decode()
    assert "($240.00)" in response.content.decode()
    assert ReorderSuggestion.objects.get(pk=lines["charger"].pk).purchase_order is None


def test_suggestion_order_of_one_order_lands_on_it(login, procurement):
    lines = _suggestions()

    response = login(procurement).post(
        reverse("forecasting:suggestion_order"), {"suggestion": [lines["charger"].pk]}
    )

    order = PurchaseOrder.objects.get(vendor__name="Zenith Supply")
    assert response.status_code == 302
    assert response["Location"] == reverse("repairs:purchase_order_detail", args=[order.pk])
    assert list(order.lines.values_list("part__part_number", "quantity_ordered")) == [("01FR030", 10)]


def test_suggestion_order_with_a_demo_line_rerenders_with_the_reason_and_creates_nothing(login, procurement):
    lines = _suggestions()

    response = login(procurement).post(
        reverse("forecasting:suggestion_order"), {"suggestion": [lines["screen"].pk, lines["demo"].pk]}
    )

    assert response.status_code == 200
    assert "DEMO-00042: demo part numbers are invented" in response.content.decode()
    assert PurchaseOrder.objects.count() == 1  # the one made before


def test_suggestion_order_of_an_ordered_line_is_409(login, procurement):
    lines = _suggestions()

    response = login(procurement).post(
        reverse("forecasting:suggestion_order"), {"suggestion": [lines["ordered"].pk]}
    )

    assert response.status_code == 409
    assert "already on a purchase order" in response.content.decode()


@pytest.mark.parametrize("data", [{}, {"suggestion": ["abc"]}])
def test_suggestion_order_without_valid_lines_says_so(login, procurement, data):
    _suggestions()

    response = login(procurement).post(reverse("forecasting:suggestion_order"), data)

    assert response.status_code == 200
    assert re.search(
        r'class="alert alert-danger" role="alert">[^<]*(Tick at least one|Choose lines)',
        response.content.decode(),
    )
    assert PurchaseOrder.objects.count() == 1


def test_suggestion_order_vendor_button_with_no_ticked_line_of_it_says_so(login, procurement):
    lines = _suggestions()

    response = login(procurement).post(
        reverse("forecasting:suggestion_order"),
        {"suggestion": [lines["charger"].pk], "vendor": lines["screen"].part.vendor_id},
    )

    assert "Choose at least one suggested line" in response.content.decode()
    assert PurchaseOrder.objects.count() == 1


# Accuracy ------------------------------------------------------------------------------------


def test_forecast_accuracy_shows_bias_per_category_with_its_sign_explained(login, procurement):
    run = _run()
    scores = {"holdout_weeks": 13, "mae": 0.5, "wql": 0.3, "covered_80": 0.8}
    for number, actual, forecast in (("BAT-1", 10.0, 12.0), ("BAT-2", 30.0, 33.0)):
        part = _part(number, category=PartCategory.BATTERY)
        _forecast(run, part, accuracy={**scores, "actual": actual, "forecast": forecast})
    hinge = _part("HNG-1", category=PartCategory.HINGE)
    _forecast(run, hinge, accuracy={**scores, "actual": 20.0, "forecast": 15.0})

    body = login(procurement).get(reverse("forecasting:forecast_accuracy")).content.decode()

    table = _match(r'id="category-bias".*?</table>', body, re.S)
    # Batteries: forecast 45 against 40 used, +12.5%; hinges: 15 against 20, -25%.
    assert _cells(table) == [
        "Battery", "2", "40", "45", "+12%", "over-forecast",
        "Hinge", "1", "20", "15", "-25%", "under-forecast",
    ]  # fmt: skip
    sign = _match(r'<p id="bias-sign">(.*?)</p>', body, re.S, group=1)
    assert "<strong>positive</strong> bias means the forecast was too high" in sign
    assert "<strong>negative</strong> bias means it was too low" in sign


def test_forecast_accuracy_shows_backtest_and_realised_comparison(login, procurement):
    latest = _run()
    part = _part("5D10M42862")
    _forecast(latest, part, history=[1.0] * 48 + [2.0, 0.0, 4.0, 1.0], history_start=HISTORY_START)
    old = _run(
        finished_at=timezone.now() - dt.timedelta(days=28), history_end=HISTORY_END - dt.timedelta(weeks=4)
    )
    _forecast(
        old,
        part,
        weekly_mean=[1.0] * 52,
        weekly_quantiles={"0.1": [0.0] * 52, "0.9": [3.0] * 52},
    )

    body = login(procurement).get(reverse("forecasting:forecast_accuracy")).content.decode()

    assert f"Backtest of run {latest.pk}" in body
    assert "<dt>Bias</dt><dd>3 (30% of use)</dd>" in body
    assert "<dt>In the 80% band</dt><dd>85% (80% is right)</dd>" in body
    realised = _match(r'id="realised-runs".*?</table>', body, re.S)
    # Four weeks have passed: forecast 4, used 2+0+4+1 = 7; week 3 (4 used) is outside 0..3.
    cells = _cells(realised)
    assert cells == [str(old.pk), "2025-08-04", "4", "1", "4", "7", "-3", "1.25", "75%"]
