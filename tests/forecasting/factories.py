"""Forecast runs and their per-part forecasts with valid defaults."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from forecasting.choices import ForecastRunStatus, ForecastTrigger
from forecasting.models import ForecastRun, PartForecast
from tests.repairs.factories import PartFactory


class ForecastRunFactory(DjangoModelFactory[ForecastRun]):
    """A pending nightly run. For a run on request: ``trigger=ForecastTrigger.MANUAL, requested_by=u``."""

    class Meta:
        model = ForecastRun

    trigger = ForecastTrigger.NIGHTLY
    status = ForecastRunStatus.PENDING
    parameters = factory.LazyFunction(lambda: {"horizon_weeks": 8})


class PartForecastFactory(DjangoModelFactory[PartForecast]):
    class Meta:
        model = PartForecast

    run = factory.SubFactory(ForecastRunFactory, status=ForecastRunStatus.SUCCEEDED)
    part = factory.SubFactory(PartFactory)
    horizon_weeks = 8
    weekly_mean = factory.LazyFunction(lambda: [1.5] * 8)
    point = 12.0
    quantiles = factory.LazyFunction(lambda: {"0.5": 12, "0.9": 16})
    method = "croston_sba"
