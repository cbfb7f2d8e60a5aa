"""The sentence saying why a part's forecast differs from its recent use, and the drivers behind it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from forecasting.choices import ForecastRunStatus
from forecasting.selectors import explain
from forecasting.selectors.explain import ForecastDrivers
from tests.fleet.factories import DeviceFactory, DeviceModelFactory
from tests.forecasting.factories import ForecastRunFactory, PartForecastFactory
from tests.repairs.factories import PartFactory

YEAR = [1.0] * 52  # 52 used over the last 12 months, one a week
STEADY = [1.0] * 104


def _sentence(forecast_total: float, history: Sequence[float | None], **drivers: object) -> str:
    return explain.change_sentence(
        forecast_total=forecast_total,
        horizon_weeks=52,
        history=history,
        drivers=ForecastDrivers(**drivers),  # type: ignore[arg-type]
    )


def test_change_sentence_within_a_quarter_of_last_year_says_nothing():
    assert _sentence(45.0, YEAR) == ""
    assert _sentence(60.0, YEAR) == ""


def test_change_sentence_below_last_year_names_the_devices_reaching_aue():
    sentence = _sentence(26.0, STEADY, devices_before=120.0, devices_after=60.0, fits_devices=True)

    assert sentence == (
        "The forecast for the next 12 months (26) is 50% below the use in the last 12 months (52) "
        "because the devices it fits are reaching their Auto Update Expiration: 60 in service on average "
        "over the forecast against 120 recently."
    )


def test_change_sentence_names_every_cause_that_pushes_the_same_way():
    history = [2.0] * 39 + [0.0] * 13  # 78 used; nothing in the last 13 weeks

    sentence = _sentence(
        30.0, history, trend=0.8, devices_before=100.0, devices_after=85.0, fits_devices=True
    )

    assert sentence.startswith(
        "The forecast for the next 12 months (30) is 62% below the use in the last 12 months (78)"
    )
    assert "devices it fits are reaching their Auto Update Expiration: 85 in service" in sentence
    assert "part use across the district is falling, which lowers every part's forecast by 20%" in sentence
    assert "use slowed: 0 in the last 13 weeks against 20 per 13 weeks over the 12 months" in sentence
    assert sentence.count(";") == 2 and sentence.endswith("recent weeks weigh most.")


def test_change_sentence_leaves_out_causes_that_push_the_other_way():
    # More devices and a rising district would raise the forecast, so they do not explain a fall.
    sentence = _sentence(26.0, STEADY, trend=1.2, devices_before=50.0, devices_after=80.0, fits_devices=True)

    assert "devices" not in sentence and "district" not in sentence
    assert sentence.endswith(
        "The forecast records no single cause for this: it follows how often and how much the part was used, "
        "recent months weighing most."
    )


def test_change_sentence_above_last_year_with_a_rising_district_trend():
    sentence = _sentence(80.0, YEAR, trend=1.3)

    assert sentence == (
        "The forecast for the next 12 months (80) is 54% above the use in the last 12 months (52) "
        "because part use across the district is rising, which raises every part's forecast by 30%."
    )


def test_change_sentence_when_every_device_it_fits_is_past_aue():
    sentence = _sentence(
        0.0, [0.0] * 50 + [1.0, 1.0], devices_before=0.0, devices_after=0.0, fits_devices=True
    )

    assert sentence == (
        "The forecast for the next 12 months (0) is 100% below the use in the last 12 months (2) because "
        "every device it fits has reached its Auto Update Expiration, so none will be in service over the "
        "forecast."
    )


def test_change_sentence_never_says_100_percent_while_demand_is_forecast():
    assert "is 99% below" in _sentence(
        0.1, STEADY, devices_before=10.0, devices_after=0.02, fits_devices=True
    )


def test_change_sentence_for_a_few_units_without_a_cause_says_nothing():
    # 1 used last year, 0.3 forecast: a percentage of noise.
    assert _sentence(0.3, [0.0] * 51 + [1.0]) == ""


def test_change_sentence_with_short_history_compares_weekly_rates():
    sentence = _sentence(104.0, [1.0] * 20, pooled_rate=True, average_weekly=3.0)

    assert sentence.startswith(
        "The forecast for the next 12 months (104) is 100% above the use in the last 20 weeks (20) "
        "(2 a week against 1 a week) because"
    )
    assert "its history is too short to learn its own pattern" in sentence
    assert "average part's (3 a week)" in sentence


def test_change_sentence_without_history_or_horizon_says_nothing():
    assert _sentence(10.0, []) == ""
    assert _sentence(10.0, [None] * 52) == ""
    assert (
        explain.change_sentence(forecast_total=1, horizon_weeks=0, history=YEAR, drivers=ForecastDrivers())
        == ""
    )


def test_change_sentence_after_no_use_at_all():
    assert _sentence(12.0, [0.0] * 52).startswith(
        "The forecast for the next 12 months (12) compares with no use at all in the last 12 months."
    )


@pytest.mark.django_db
def test_forecast_drivers_count_the_devices_the_part_fits_before_and_after_the_forecast_starts():
    history_end = dt.date(2025, 9, 1)
    ending = DeviceModelFactory.create(aue_month=dt.date(2026, 3, 1))
    lasting = DeviceModelFactory.create(aue_month=dt.date(2031, 6, 1))
    DeviceFactory.create_batch(3, model=ending, purchase_date=dt.date(2020, 1, 6))
    DeviceFactory.create(model=lasting, purchase_date=dt.date(2020, 1, 6))
    part = PartFactory.create()
    part.compatible_models.add(ending, lasting)
    run = ForecastRunFactory.create(
        status=ForecastRunStatus.SUCCEEDED,
        history_end=history_end,
        parameters={
            "horizon_weeks": 52,
            "model": {"season_length": 52, "trend": 0.9, "method": "pooled_glm", "prior_rate": 0.8},
        },
    )
    forecast = PartForecastFactory.create(run=run, part=part, horizon_weeks=52, method="pooled_rate")

    drivers = explain.forecast_drivers(forecast)

    assert drivers.trend == 0.9 and drivers.pooled_rate and drivers.fits_devices
    assert drivers.average_weekly == pytest.approx(0.2)  # 0.8 per 4-week bucket
    assert drivers.devices_before == 4
    # The three ending devices serve up to the week of their model's AUE date, some 30 weeks in.
    aue = ending.aue_date
    assert aue is not None
    weeks_left = (aue - dt.timedelta(days=aue.weekday()) - history_end).days // 7 + 1
    assert 26 <= weeks_left <= 31
    assert drivers.devices_after == pytest.approx(1 + 3 * weeks_left / 52)
