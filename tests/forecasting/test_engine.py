"""The forecasting engine on synthetic demand whose truth is known, and its edges."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from forecasting.domain import engine
from forecasting.domain.engine import DEFAULT_QUANTILES, forecast, nbinom_quantiles


def _poisson_parts(rng: np.random.Generator, parts: int, periods: int) -> tuple[np.ndarray, np.ndarray]:
    rates = rng.gamma(0.7, 1.0, size=parts)
    return rng.poisson(rates[:, None], size=(parts, periods)).astype(float), rates


def _exact_nbinom_quantile(mean: float, variance: float, tau: float) -> int:
    r = mean**2 / (variance - mean)
    p = r / (r + mean)
    cdf, k = 0.0, 0
    while True:
        cdf += math.exp(
            math.lgamma(k + r) - math.lgamma(r) - math.lgamma(k + 1) + r * math.log(p) + k * math.log(1 - p)
        )
        if cdf >= tau - 1e-12:
            return k
        k += 1


class TestShapes:
    def test_mean_quantiles_and_totals_have_the_documented_shapes(self) -> None:
        history, _ = _poisson_parts(np.random.default_rng(1), 30, 48)
        result = forecast(history, horizon=12, season_length=12)
        assert result.mean.shape == (30, 12)
        assert result.quantiles.shape == (30, 12, len(DEFAULT_QUANTILES))
        assert result.total_quantiles([0.5, 0.9]).shape == (30, 2)
        assert result.sum_quantiles(0, 3, [0.95]).shape == (30, 1)
        assert result.method == ("pooled_glm",) * 30

    def test_quantiles_rise_with_the_level_and_the_window(self) -> None:
        history, _ = _poisson_parts(np.random.default_rng(2), 40, 48)
        result = forecast(history, horizon=12, season_length=12)
        assert np.all(np.diff(result.quantiles, axis=2) >= 0)
        totals = result.total_quantiles([0.1, 0.5, 0.9, 0.99])
        assert np.all(np.diff(totals, axis=1) >= 0)
        assert np.all(result.sum_quantiles(0, 4, [0.9]) <= result.sum_quantiles(0, 12, [0.9]))
        assert np.all(np.diff(result.sum_quantiles(0, 2, [0.5, 0.9, 0.95]), axis=1) >= 0)

    def test_a_single_part_as_a_flat_list_is_accepted(self) -> None:
        result = forecast([0, 1, 0, 2, 0, 0, 1, 3, 0, 1], horizon=4)
        assert result.mean.shape == (1, 4)
        assert result.method == ("pooled_rate",)

    def test_no_parts_gives_empty_arrays(self) -> None:
        result = forecast(np.zeros((0, 20)), horizon=5)
        assert result.mean.shape == (0, 5)
        assert result.total_quantiles([0.9]).shape == (0, 1)


class TestAccuracyOnKnownTruth:
    def test_stationary_poisson_demand_is_recovered_and_calibrated(self) -> None:
        rng = np.random.default_rng(7)
        history, rates = _poisson_parts(rng, 400, 60)
        result = forecast(history, horizon=12, season_length=12)
        future = rng.poisson(rates[:, None], size=(400, 12)).sum(axis=1)
        expected = rates * 12
        assert result.mean.sum() == pytest.approx(expected.sum(), rel=0.08)
        # Per part the forecast tracks the true rate far better than a constant does.
        error = np.abs(result.mean.sum(axis=1) - expected).mean()
        assert error < 0.5 * np.abs(expected.mean() - expected).mean()
        buy = result.total_quantiles([0.9])[:, 0]
        fill = np.minimum(future, buy).sum() / future.sum()
        assert 0.85 <= fill <= 0.97

    def test_lead_time_quantiles_cover_their_level_for_busy_parts(self) -> None:
        """Weekly parts used by the hundred: the 95% two-week quantile is above the mean and is
        exceeded about 5% of the time (the reorder point's promise)."""
        rng = np.random.default_rng(13)
        rates = rng.uniform(50, 400, size=300)
        history = rng.poisson(rates[:, None], size=(300, 156)).astype(float)
        result = forecast(history, horizon=52, season_length=52)
        two_weeks = result.sum_quantiles(0, 2, [0.95])[:, 0]
        assert np.all(two_weeks >= result.mean[:, :2].sum(axis=1))
        future = rng.poisson(rates[:, None], size=(300, 2)).sum(axis=1)
        assert 0.9 <= np.mean(future <= two_weeks) <= 0.995
        weekly_90 = result.quantiles[:, 0, DEFAULT_QUANTILES.index(0.9)]
        assert np.all(weekly_90 < 1.5 * result.mean[:, 0])  # a band, not a guess from nothing

    def test_declining_demand_is_carried_forward(self) -> None:
        rng = np.random.default_rng(3)
        months = np.arange(60)
        rates = rng.gamma(2.0, 1.0, size=300)[:, None] * np.exp(-months / 40)[None, :]
        history = rng.poisson(rates).astype(float)
        result = forecast(history, horizon=12, season_length=12)
        last_year = history[:, -12:].sum()
        true_next = (rates[:, -1:] * np.exp(-np.arange(1, 13) / 40)[None, :]).sum()
        assert result.mean.sum() < last_year
        assert result.mean.sum() == pytest.approx(true_next, rel=0.12)

    def test_parts_that_stopped_selling_are_forecast_low(self) -> None:
        rng = np.random.default_rng(4)
        history, _ = _poisson_parts(rng, 200, 48)
        history[:20] = 0
        history[:20, :24] = 3  # busy two years ago, nothing since
        result = forecast(history, horizon=12, season_length=12)
        assert result.mean[:20].sum(axis=1).mean() < 0.5 * result.mean[20:].sum(axis=1).mean()


class TestMissingDataExposureCalendar:
    def test_periods_without_data_are_skipped_and_unknown_parts_forecast_nothing(self) -> None:
        rng = np.random.default_rng(5)
        history, _ = _poisson_parts(rng, 50, 48)
        history[:10, :30] = np.nan  # added to the catalogue later
        history[10] = np.nan  # never seen
        result = forecast(history, horizon=12, season_length=12)
        assert np.isfinite(result.mean).all()
        assert result.mean[10].sum() == 0
        assert np.all(result.total_quantiles([0.9])[10] == 0)
        assert result.mean[:10].sum() > 0

    def test_demand_follows_exposure_out_as_devices_retire(self) -> None:
        rng = np.random.default_rng(6)
        history = rng.poisson(2.0, size=(60, 104)).astype(float)
        exposure = np.ones((60, 104 + 52))
        exposure[:30, 104:] = 0.0  # every device the part fits is retired
        result = forecast(history, horizon=52, season_length=52, exposure=exposure)
        assert result.mean[:30].sum() == 0
        assert result.mean[30:].sum(axis=1).mean() == pytest.approx(104, rel=0.2)

    def test_a_patchy_past_exposure_count_does_not_distort_the_forecast(self) -> None:
        rng = np.random.default_rng(12)
        history = rng.poisson(2.0, size=(60, 104)).astype(float)
        exposure = np.full((60, 104 + 52), 500.0)
        exposure[:, :40] = 1.0  # devices missing from the count in the early weeks
        result = forecast(history, horizon=52, season_length=52, exposure=exposure)
        assert result.mean.sum(axis=1).mean() == pytest.approx(104, rel=0.2)

    def test_calendar_covariate_moves_demand_out_of_school_holidays(self) -> None:
        rng = np.random.default_rng(8)
        weeks = 156 + 52
        school = np.array([0.0 if week % 52 in range(24, 33) else 1.0 for week in range(weeks)])
        history = rng.poisson(1.5 * school[None, :156], size=(80, 156)).astype(float)
        result = forecast(history, horizon=52, season_length=52, covariates=school[:, None])
        summer = result.mean[:, 24:33].sum()
        term = result.mean[:, :9].sum()
        assert summer < 0.05 * term

    def test_bad_input_is_refused_with_a_reason(self) -> None:
        with pytest.raises(ValueError, match="negative"):
            forecast([[1, -1, 2]], horizon=2)
        with pytest.raises(ValueError, match="horizon"):
            forecast([[1, 0, 2]], horizon=0)
        with pytest.raises(ValueError, match="between 0 and 1"):
            forecast([[1, 0, 2]], horizon=2, quantiles=(0.5, 1.0))
        with pytest.raises(ValueError, match="exposure must have shape"):
            forecast([[1, 0, 2]], horizon=2, exposure=np.ones((1, 3)))
        with pytest.raises(ValueError, match="covariates must have 5 rows"):
            forecast([[1, 0, 2]], horizon=2, covariates=np.ones((4, 1)))


class TestDistributions:
    @pytest.mark.parametrize(("mean", "variance"), [(0.3, 0.9), (2.0, 6.0), (7.5, 30.0), (40.0, 200.0)])
    def test_negative_binomial_quantiles_are_exact(self, mean: float, variance: float) -> None:
        taus = [0.1, 0.5, 0.8, 0.9, 0.95, 0.99]
        got = nbinom_quantiles([mean], [variance], taus)[0]
        assert list(got) == [_exact_nbinom_quantile(mean, variance, t) for t in taus]

    def test_poisson_when_the_variance_is_the_mean(self) -> None:
        # Poisson(3): P(X<=1)=0.199, P(X<=2)=0.423, P(X<=3)=0.647, P(X<=5)=0.916
        assert list(nbinom_quantiles([3.0], [3.0], [0.1, 0.5, 0.9])[0]) == [1, 3, 5]

    def test_large_means_use_a_normal_approximation_that_joins_up(self) -> None:
        below = nbinom_quantiles([engine.NORMAL_ABOVE], [3 * engine.NORMAL_ABOVE], [0.5, 0.9])[0]
        above = nbinom_quantiles([engine.NORMAL_ABOVE + 0.5], [3 * engine.NORMAL_ABOVE + 1.5], [0.5, 0.9])[0]
        assert np.all(np.abs(above - below) <= 2)
        assert nbinom_quantiles([0.0], [0.0], [0.99])[0, 0] == 0


def test_the_engine_imports_without_django() -> None:
    code = "import sys, forecasting.domain.engine; assert 'django' not in sys.modules, 'django imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


class TestPooledModel:
    def test_a_model_fitted_on_all_parts_forecasts_any_subset_the_same(self) -> None:
        history, _ = _poisson_parts(np.random.default_rng(9), 120, 48)
        model = engine.fit(history, horizon=12, season_length=12)
        whole = forecast(history, horizon=12, season_length=12, model=model)
        part = forecast(history[40:60], horizon=12, season_length=12, model=model)
        np.testing.assert_allclose(part.mean, whole.mean[40:60])
        np.testing.assert_array_equal(part.total_quantiles([0.9]), whole.total_quantiles([0.9])[40:60])
        np.testing.assert_allclose(forecast(history, horizon=12, season_length=12).mean, whole.mean)

    def test_the_model_survives_a_json_round_trip(self) -> None:
        history, _ = _poisson_parts(np.random.default_rng(10), 60, 40)
        model = engine.fit(history, horizon=6, season_length=12)
        data = json.loads(json.dumps(model.to_json()))
        assert engine.PooledModel.from_json(data) == model

    def test_a_model_stored_by_an_engine_with_other_features_is_refused(self) -> None:
        history, _ = _poisson_parts(np.random.default_rng(10), 60, 40)
        data = engine.fit(history, horizon=6, season_length=12).to_json()
        data["theta"] = data["theta"][:-2]  # as the engine stored it before the smoothed level
        with pytest.raises(ValueError, match="other features"):
            engine.PooledModel.from_json(data)

    def test_a_model_for_another_horizon_is_refused(self) -> None:
        history, _ = _poisson_parts(np.random.default_rng(11), 30, 40)
        model = engine.fit(history, horizon=6, season_length=12)
        with pytest.raises(ValueError, match="another horizon"):
            forecast(history, horizon=12, season_length=12, model=model)


@pytest.mark.filterwarnings("error")
def test_any_shape_of_history_gives_finite_non_negative_forecasts() -> None:
    """Seeded random shapes: a few periods or years, gaps, all zeros, all missing, exposure, calendar."""
    rng = np.random.default_rng(2026)
    for _ in range(150):
        parts, periods, horizon = (
            int(rng.integers(1, 25)),
            int(rng.integers(1, 140)),
            int(rng.integers(1, 56)),
        )
        season = int(rng.choice([1, 4, 12, 52]))
        history = rng.poisson(rng.gamma(0.5, 2, size=(parts, 1)), size=(parts, periods)).astype(float)
        if rng.random() < 0.3:
            history[rng.random((parts, periods)) < 0.3] = np.nan
        if rng.random() < 0.1:
            history[:] = 0 if rng.random() < 0.5 else np.nan
        exposure = rng.integers(0, 50, size=(parts, periods + horizon)) if rng.random() < 0.3 else None
        calendar = (rng.random((periods + horizon, 1)) > 0.2).astype(float) if rng.random() < 0.3 else None
        result = forecast(
            history, horizon=horizon, season_length=season, exposure=exposure, covariates=calendar
        )
        assert np.isfinite(result.mean).all() and (result.mean >= 0).all()
        assert np.isfinite(result.quantiles).all()
        assert np.isfinite(result.total_quantiles([0.5, 0.95])).all()


class TestPeriodShape:
    """A period's distribution: the part's dispersion and spread, scaled by what backtests score."""

    def test_poisson_parts_get_poisson_periods_and_batchy_parts_wide_ones(self) -> None:
        rng = np.random.default_rng(8)
        poisson, _ = _poisson_parts(rng, 600, 48)
        smooth = engine.fit(poisson, horizon=12, season_length=12)
        # Orders of 1-12 units arriving by Poisson: the variance per unit of demand is the batch size.
        orders = rng.poisson(rng.gamma(0.7, 0.3, size=(600, 1)), size=(600, 48))
        batchy = orders * rng.integers(1, 13, size=(600, 48))
        lumpy = engine.fit(batchy.astype(float), horizon=12, season_length=12)

        assert smooth.period_dispersion <= 0.25
        assert lumpy.period_dispersion >= 0.5
        # The chosen scale tracks the demand: batchy periods are forecast wider than Poisson ones.
        wide = forecast(batchy.astype(float), horizon=12, season_length=12, model=lumpy)
        narrow = forecast(batchy.astype(float), horizon=12, season_length=12, model=smooth)
        assert wide.quantiles[..., -1].sum() > narrow.quantiles[..., -1].sum()

    def test_dispersion_reads_a_quiet_season_as_quiet_not_as_a_burst(self) -> None:
        rng = np.random.default_rng(9)
        effect = np.tile(np.r_[np.full(40, 1.2), np.full(12, 0.2)], 3)  # school year, then summer
        y = rng.poisson(5.0 * effect[None, :], size=(200, len(effect))).astype(float)

        with_calendar = engine._period_dispersion(y, effect)
        without = engine._period_dispersion(y, np.ones(len(effect)))

        assert np.median(with_calendar) < 0.2  # Poisson around the calendar's shape
        assert np.median(without) > 0.5  # the calendar's swing mistaken for bursts

    def test_a_model_stored_before_the_period_scales_keeps_its_old_periods(self) -> None:
        history, _ = _poisson_parts(np.random.default_rng(10), 30, 48)
        stored = engine.fit(history, horizon=12, season_length=12).to_json()
        del stored["period_dispersion"], stored["period_spread"]

        model = engine.PooledModel.from_json(stored)

        assert (model.period_dispersion, model.period_spread) == (0.0, 1.0)


class TestAge:
    """Age counts from a part's first demand, except where the data begins: a part selling in its
    first bucket was selling before, so its age is unknown and reads as the oldest age trained on."""

    AGE = 4  # column of the age feature, 2·log1p(age)

    def test_a_part_selling_from_the_first_bucket_reads_as_old_at_every_origin(self) -> None:
        b = np.array([[3.0, 0, 2, 1, 0, 2, 1, 0, 3, 1, 0, 2]])
        ages = [engine._features(b, origin, 10)[0, self.AGE] for origin in (4, 8, 12)]
        assert ages == [2 * math.log1p(10)] * 3

    def test_a_part_launched_later_has_the_age_its_history_shows(self) -> None:
        launched = np.array([[0.0, 0, 0, 2, 1, 0, 2, 1, 3, 1, 0, 2]])
        appeared = np.array([[np.nan, np.nan, 2, 1, 0, 2, 1, 0, 3, 1, 0, 2]])  # did not exist yet
        assert engine._features(launched, 12, 20)[0, self.AGE] == 2 * math.log1p(9)
        assert engine._features(appeared, 12, 20)[0, self.AGE] == 2 * math.log1p(10)


class TestTotalVariance:
    """A window total's variance per unit of demand is the part's own (its batch sizes), not one
    pooled figure that spreads a slow part's few units as wide as a batchy part's."""

    def test_the_fit_reads_each_parts_batches_beyond_counting_noise(self) -> None:
        rng = np.random.default_rng(12)
        mu = rng.uniform(5, 50, size=4000)
        batch = np.where(np.arange(len(mu)) % 2 == 0, 1.0, 6.0)  # orders of 1 unit, or of 6
        y = (rng.poisson(mu / batch) * batch).astype(float)
        dispersion = batch - 1  # variance beyond Poisson per unit of demand

        variance = engine._variance_function(mu, np.zeros(len(mu)), dispersion, y, np.ones(len(mu)))

        assert variance.a == 1.0
        assert 0.8 <= variance.k <= 1.2
        assert variance.c <= 0.01

    def test_a_batchy_parts_total_is_wider_than_a_steady_parts_of_the_same_size(self) -> None:
        rng = np.random.default_rng(13)
        rate = rng.uniform(0.5, 3, size=(300, 1))
        steady = rng.poisson(8 * rate, size=(300, 48))
        batchy = 8 * rng.poisson(rate, size=(300, 48))  # the same mean, in orders of 8
        history = np.concatenate([steady, batchy]).astype(float)

        model = engine.fit(history, horizon=12, season_length=12)
        c1 = forecast(history, horizon=12, season_length=12, model=model).c1

        assert model.total_dispersion > 0
        assert np.median(c1[300:]) > 3 * np.median(c1[:300])

    def test_a_model_stored_before_the_parts_own_dispersion_keeps_a_pooled_one(self) -> None:
        history, _ = _poisson_parts(np.random.default_rng(14), 30, 48)
        stored = engine.fit(history, horizon=12, season_length=12).to_json()
        del stored["total_dispersion"]

        model = engine.PooledModel.from_json(stored)

        assert model.total_dispersion == 0.0
        result = forecast(history, horizon=12, season_length=12, model=model)
        np.testing.assert_array_equal(result.c1, np.full(len(history), model.variance[0]))


class TestLatestOrigins:
    """The model trains on origins past the last whole window while half a window is observed,
    so a change in how parts behave that began less than a horizon ago is learned, not only the
    behaviour of windows that ended a horizon before the forecast."""

    def test_origins_run_on_while_half_a_window_is_observed(self) -> None:
        history, _ = _poisson_parts(np.random.default_rng(15), 300, 39)
        assert engine.fit(history, horizon=12, season_length=12).age_cap == 33  # whole windows: 27
        short, _ = _poisson_parts(np.random.default_rng(16), 300, 24)
        assert engine.fit(short, horizon=12, season_length=12).age_cap == 18  # whole windows: 12

    @pytest.mark.parametrize("seed", [0, 1])
    def test_surges_that_began_to_last_within_the_horizon_are_forecast_to_last(self, seed: int) -> None:
        # Half the parts surge threefold once. Until a year before the forecast a surge passed
        # after three months; since then a surge is the part's new level. Trained on whole windows
        # only, the model forecast the recent surges to pass: 0.41-0.43 of their demand on seeds
        # 0-3 and 1.17-1.21 for the other parts (the district trend lifted them all); with the
        # latest origins 0.58-0.62 and 1.06-1.08.
        rng = np.random.default_rng(seed)
        parts, months, horizon = 2000, 48, 12
        change = months - horizon
        rate = np.repeat(
            np.exp(rng.uniform(np.log(0.5), np.log(20), parts))[:, None], months + horizon, axis=1
        )
        when = rng.integers(12, months, size=parts)
        surged = rng.random(parts) < 0.5
        for part in np.flatnonzero(surged):
            if when[part] < change:
                rate[part, when[part] : when[part] + 3] *= 3
            else:
                rate[part, when[part] :] *= 3
        history = rng.poisson(rate[:, :months]).astype(float)

        total = forecast(history, horizon=horizon).mean.sum(axis=1)

        truth = rate[:, months:].sum(axis=1)
        recent = surged & (when >= change)
        assert total[recent].sum() / truth[recent].sum() >= 0.55
        assert total[~recent].sum() / truth[~recent].sum() <= 1.10


def test_fill_levels_are_read_between_grid_levels_not_rounded_up() -> None:
    """Calibration interpolates: a target between two grid levels' fills maps between them."""
    rng = np.random.default_rng(11)
    mu = rng.uniform(5, 50, size=3000)
    y = rng.poisson(mu).astype(float)
    level = next(
        b for a, b in engine._calibrate_levels(mu, mu.copy(), y, np.ones(len(mu))) if round(a, 3) == 0.9
    )

    assert not np.isclose(engine.CALIBRATION_GRID, level).any()  # between two grid levels
    q = nbinom_quantiles(mu, mu, [level])[:, 0]
    assert abs(np.minimum(y, q).sum() / y.sum() - 0.9) < 0.01
