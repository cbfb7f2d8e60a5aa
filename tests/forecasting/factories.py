"""Forecast runs, per-part forecasts, suggestions and service levels with valid defaults; a fake engine."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import factory
import numpy as np
from factory.django import DjangoModelFactory

from forecasting.choices import ForecastRunStatus, ForecastTrigger
from forecasting.models import ForecastRun, PartForecast, ReorderSuggestion, ServiceLevelTarget
from repairs.choices import PartCategory
from tests.repairs.factories import PartFactory, StockLocationFactory


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


class ReorderSuggestionFactory(DjangoModelFactory[ReorderSuggestion]):
    """Order 6 of a part for a depot, from the forecast row's run (a succeeded run by default)."""

    class Meta:
        model = ReorderSuggestion

    run = factory.SubFactory(ForecastRunFactory, status=ForecastRunStatus.SUCCEEDED)
    part = factory.SubFactory(PartFactory)
    stock_location = factory.SubFactory(StockLocationFactory)
    location_share = 1.0
    lead_time_days = 14
    service_level = 0.95
    lead_time_demand = 3.0
    safety_stock = 2.0
    reorder_point = 5
    order_up_to = 8
    on_hand = 2
    on_order = 0
    suggested_quantity = 6
    unit_cost = factory.LazyAttribute(lambda o: o.part.unit_cost if o.part else Decimal("42.50"))


class ServiceLevelTargetFactory(DjangoModelFactory[ServiceLevelTarget]):
    class Meta:
        model = ServiceLevelTarget
        django_get_or_create = ("category",)

    category = PartCategory.BATTERY
    service_level = Decimal("0.900")


# A deterministic stand-in for forecasting.domain.engine.forecast ---------------------------------------


class FakeForecastResult:
    """The engine's result interface with plain numbers: each part's weekly mean is the mean of its
    history, and the tau-quantile of any total is that total's mean x (1 + tau)."""

    def __init__(self, mean: np.ndarray, levels: Sequence[float]) -> None:
        self.mean = mean
        self.levels = tuple(levels)
        self.quantiles = np.stack([mean * (1 + level) for level in self.levels], axis=2)
        self.method = ("fake",) * mean.shape[0]

    def total_quantiles(self, taus: Sequence[float]) -> np.ndarray:
        return self.sum_quantiles(0, self.mean.shape[1], taus)

    def sum_quantiles(self, start: int, stop: int, taus: Sequence[float]) -> np.ndarray:
        total = self.mean[:, start:stop].sum(axis=1)
        return np.stack([total * (1 + tau) for tau in taus], axis=1)


def fake_forecast(
    history: Any,
    *,
    horizon: int,
    season_length: int = 1,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    exposure: Any = None,
    covariates: Any = None,
    model: Any = None,
) -> FakeForecastResult:
    y = np.atleast_2d(np.asarray(history, dtype=float))
    rate = np.array([np.nanmean(row) if np.isfinite(row).any() else 0.0 for row in y])
    return FakeForecastResult(np.repeat(rate[:, None], horizon, axis=1), quantiles)
