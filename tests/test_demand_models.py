"""Unit tests of the demand models, intervals and reconciliation on hand-made series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from send_analysis.demand import intervals as iv
from send_analysis.demand.features import features, national_growth, national_growth_blend
from send_analysis.demand.forecast import forecast_shares, reconcile
from send_analysis.demand.models import (
    EnglandGrowth,
    Ensemble,
    GlobalRegression,
    PanelModel,
    PooledShrinkage,
    SeriesModel,
    model_registry,
    shrinkage_weights,
)
from send_analysis.demand.panel import Panel, check_series
from send_analysis.demand.series import (
    SERIES_KERNELS,
    ar1_psi_variance,
    arima_log,
    compound_growth,
    ets_log,
    last_value,
    linear_drift,
    quiet,
)
from send_analysis.errors import DataError


def yearly(values, start=2010):
    return pd.Series(values, index=range(start, start + len(values)), dtype=float)


def synthetic_panel(n_la: int = 40, years=range(2010, 2026), seed: int = 1,
                    signal: float = 0.0, noise: float = 0.01) -> Panel:
    """LAs growing at England's rate plus a persistent LA effect; a share of the LA effect
    (``signal``) shows in the LA's new-plan rate, so a pooled model can learn it."""
    rng = np.random.default_rng(seed)
    years = list(years)
    nat_g = np.where(np.array(years) < 2015, 0.02, 0.09)
    la_eff = rng.normal(0, 0.03, n_la)
    start = rng.uniform(500, 5000, n_la)
    logs = np.log(start)[:, None] + np.cumsum(
        nat_g[None, :] + la_eff[:, None] + rng.normal(0, noise, (n_la, len(years))), axis=1)
    codes = [str(300 + i) for i in range(n_la)]
    plans = pd.DataFrame(np.exp(logs), index=codes, columns=years)
    new_rate = 0.12 + signal * la_eff + rng.normal(0, 0.002, n_la)
    new = pd.DataFrame(plans.to_numpy() * new_rate[:, None], index=codes,
                       columns=[y - 1 for y in years])
    region = pd.Series([f"E1200000{i % 4}" for i in range(n_la)], index=codes)
    return Panel(plans=plans, national=plans.sum(), region=region, new_plans=new)


# ---- single-series functions ---------------------------------------------------------------

def test_compound_growth_continues_the_k_year_rate():
    y = yearly([50, 100, 110, 121, 133.1])
    np.testing.assert_allclose(compound_growth(y, 2, k=3), [146.41, 161.051])
    # k=4 includes the jump from 50: rate (133.1/50)**(1/4)
    np.testing.assert_allclose(compound_growth(y, 1, k=4), [133.1 * (133.1 / 50) ** 0.25])


def test_linear_drift_and_last_value():
    y = yearly([10, 12, 14, 16])
    np.testing.assert_allclose(linear_drift(y, 2, k=3), [18, 20])
    np.testing.assert_allclose(linear_drift(y, 1, k=10), [18])  # k capped at history
    np.testing.assert_allclose(last_value(y, 3), [16, 16, 16])


@pytest.mark.parametrize("values,start,msg", [
    ([5, 6], 2010, "2 year"),
    ([5, 0, 7, 8], 2010, "zero or negative"),
    ([5, np.nan, 7, 8], 2010, "missing"),
])
def test_check_series_names_the_series_and_what_was_expected(values, start, msg):
    with pytest.raises(DataError, match=msg) as exc:
        check_series(yearly(values, start), "LA 334 total")
    assert "LA 334 total" in str(exc.value)
    assert "expected" in str(exc.value)


def test_check_series_rejects_gaps():
    y = pd.Series([1.0, 2.0, 3.0], index=[2010, 2011, 2013])
    with pytest.raises(DataError, match="gaps"):
        check_series(y, "LA 999")


def test_ets_and_arima_follow_an_exact_growth_path():
    y = yearly(1000 * 1.1 ** np.arange(12) * np.exp(np.random.default_rng(0).normal(0, .005, 12)))
    for res in (ets_log(y, 3), ets_log(y, 3, damped=True), arima_log(y, 3)):
        assert res.fallback is None
        expected = y.iloc[-1] * 1.1 ** np.arange(1, 4)
        np.testing.assert_allclose(res.mean, expected, rtol=0.04)
        lo, hi = res.nominal[0.8]
        assert (lo < res.mean).all() and (res.mean < hi).all()
        lo95, hi95 = res.nominal[0.95]
        assert (lo95 < lo).all() and (hi95 > hi).all()


def test_statsmodels_models_fall_back_on_short_series_without_crashing():
    y = yearly([100, 120, 140])
    for res in (ets_log(y, 2), arima_log(y, 2)):
        assert res.fallback.startswith("compound_growth")
        np.testing.assert_allclose(res.mean, compound_growth(y, 2))


def test_ar1_variance_reduces_to_random_walk_and_grows_with_persistence():
    np.testing.assert_allclose(ar1_psi_variance(0.0, 2.0, 3), [2, 4, 6])
    # phi = 0.5: c = 1, 1.5, 1.75 -> cumulative squares 1, 3.25, 6.3125
    np.testing.assert_allclose(ar1_psi_variance(0.5, 1.0, 3), [1, 3.25, 6.3125])


# ---- pooled models ------------------------------------------------------------------------

def test_shrinkage_weight_on_a_constructed_case():
    est = pd.Series([0.1, 0.2, 0.3, 0.4], index=list("abcd"))
    var = pd.Series(0.001, index=est.index)
    w, means, tau2 = shrinkage_weights(est, var, pd.Series("r", index=est.index))
    # var(est - mean, ddof=1) = 0.05/3; tau2 = 0.016667 - 0.001
    assert tau2 == pytest.approx(0.05 / 3 - 0.001)
    assert w["a"] == pytest.approx(tau2 / (tau2 + 0.001))
    assert means["r"] == pytest.approx(0.25)
    # noisy estimates -> no between-unit variance left -> full shrinkage
    w2, _, tau2b = shrinkage_weights(est, pd.Series(0.1, index=est.index),
                                     pd.Series("r", index=est.index))
    assert tau2b == 0 and (w2 == 0).all()


def test_england_rule_and_pooled_shrinkage_on_panel():
    panel = synthetic_panel()
    cut = panel.as_of(2020)
    eng = EnglandGrowth(5).predict(cut, 2)
    g = np.log(cut.national[2020] / cut.national[2015]) / 5
    la = cut.plans.index[0]
    assert eng.loc[la, 2] == pytest.approx(cut.plans.at[la, 2020] * np.exp(2 * g))
    pooled = PooledShrinkage(5).growth(cut)
    own = np.log(cut.plans[2020] / cut.plans[2015]) / 5
    # shrunk growth lies between the LA's own and England's, for every LA
    lo = np.minimum(own, g) - 0.03
    hi = np.maximum(own, g) + 0.03
    assert ((pooled >= lo) & (pooled <= hi)).all()
    assert pooled.std() < own.std()


def test_global_regression_learns_a_planted_new_plan_signal():
    panel = synthetic_panel(n_la=60, signal=1.0)
    cut = panel.as_of(2022)
    model = GlobalRegression(min_rows=50)
    fc = model.predict(cut, 3)
    assert model.coefficients_[3]["new_plan_rate"] > 0
    act = panel.plans[2025]
    reg_mape = np.mean(np.abs(fc[3] - act) / act)
    eng = EnglandGrowth(5).predict(cut, 3)
    eng_mape = np.mean(np.abs(eng[3] - act) / act)
    assert reg_mape < 0.8 * eng_mape


def test_features_are_deviations_from_england():
    panel = synthetic_panel()
    f = features(panel.as_of(2020))
    # stock-weighted deviations of the new-plan rate average to zero
    w = panel.plans[2020]
    assert (f["new_plan_rate"] * w).sum() / w.sum() == pytest.approx(0, abs=1e-12)
    assert f["prevalence"].isna().all()  # no population in this panel


def test_series_model_uses_latest_unbroken_run_of_history():
    plans = pd.DataFrame([[100, 0, 50, 60, 72]], index=["900"], columns=range(2018, 2023),
                         dtype=float)
    panel = Panel(plans=plans, national=plans.sum(), region=pd.Series({"900": "r"}))
    fc = SeriesModel("c", "compound", 5).predict(panel, 1)
    assert fc.loc["900", 1] == pytest.approx(72 * (72 / 50) ** 0.5)


@pytest.mark.parametrize("kind,k", [("last", 5), ("drift", 5), ("drift", 2), ("compound", 5),
                                    ("compound", 3)])
def test_vectorised_naive_models_match_the_series_by_series_path(kind, k):
    # a gap (zero), a one-year LA, a missing early year, a falling LA, LA 904 dropped (NaN now)
    plans = pd.DataFrame([[100, 0, 50, 60, 72, 80], [np.nan] * 5 + [30],
                          [np.nan, 40, 44, 48, 52, 60], [500, 450, 400, 380, 300, 200],
                          [10, 20, 30, 40, 50, np.nan]],
                         index=["900", "901", "902", "903", "904"], columns=range(2018, 2024))
    panel = Panel(plans=plans, national=plans.sum(), region=pd.Series("r", index=plans.index))
    model = SeriesModel("m", kind, k)
    fast = model.predict(panel, 4)
    runs = {"900": 2020, "901": 2023, "902": 2019, "903": 2018}  # first year of the last run
    slow = {la: model.forecast_series(plans.loc[la, first:].dropna(), 4).mean
            for la, first in runs.items()}
    assert list(fast.index) == ["900", "901", "902", "903"]
    for la, expected in slow.items():
        np.testing.assert_allclose(fast.loc[la].to_numpy(), expected, rtol=1e-12)
    assert (fast.loc["901"] == 30).all()  # one year only: held flat


# ---- intervals -------------------------------------------------------------------------------

def test_coverage_on_known_errors():
    assert iv.coverage([1, 2, 3, 4], [0, 0, 0, 5], [2, 2, 2, 6]) == 50.0
    assert iv.coverage([1, np.nan], [0, 0], [2, 2]) == 100.0
    np.testing.assert_allclose(iv.ape([110, 90], [100, 100]), [10, 10])
    assert iv.mase_scale(yearly([10, 12, 11, 14])) == pytest.approx(2.0)


def test_calibration_splits_national_and_la_errors_using_only_known_origins():
    rng = np.random.default_rng(0)
    rows = []
    for origin in range(2010, 2022):
        for h in (1, 2):
            shift = 0.1 if origin % 2 else -0.1  # the national miss of this origin
            e = rng.normal(0, 0.05 * h, 400) + shift + (5.0 if origin >= 2020 else 0.0)
            rows.append(pd.DataFrame({"origin": origin, "h": h, "log_error": e}))
    errs = pd.concat(rows)
    cal = iv.calibrate(errs, origin=2020, horizon=1, window=5)
    # origins 2015-2019 only (2020's huge errors are not known yet): medians +-0.1
    assert cal.sd_national == pytest.approx(0.1, abs=0.01)
    assert cal.n == 2000 and cal.scale == 1
    assert np.interp(0.9, iv.GRID, cal.idio) == pytest.approx(0.05 * 1.2816, rel=0.1)
    lo, hi = cal.bounds(0.8)
    expected = np.sqrt((0.05 * 1.2816) ** 2 + (1.2816 * 0.1) ** 2)
    assert hi == pytest.approx(expected, rel=0.1) and lo == pytest.approx(-expected, rel=0.1)
    assert iv.error_quantiles(errs, 2020, 1)[0.8] == pytest.approx((lo, hi))
    # horizon 3 has no errors: the h=2 calibration stands in, scaled by 3/2
    cal3 = iv.calibrate(errs, origin=2020, horizon=3, window=5)
    assert cal3.scale == 1.5
    assert iv.calibrate(errs, origin=2010, horizon=1) is None  # nothing known yet
    assert np.isnan(iv.error_quantiles(errs, 2010, 1)[0.8][0])


# ---- reconciliation ------------------------------------------------------------------------

def test_reconcile_sums_to_total_and_shares_follow_trend():
    total = np.array([[100.0, 200.0]])
    comps = reconcile(total, np.array([[[1, 1, 2], [3, 1, 0]]]))
    np.testing.assert_allclose(comps.sum(axis=-1), total)
    np.testing.assert_allclose(comps[0, 0], [25, 25, 50])
    counts = pd.DataFrame({"a": [10, 20, 40, 80, 160, 320.0], "b": [100.0] * 6,
                           "c": [0.0] * 6}, index=range(2015, 2021))
    flat, _ = forecast_shares(counts, 3)  # default: shares held at the last year's
    np.testing.assert_allclose(flat.loc[3].to_numpy(), [320 / 420, 100 / 420, 0])
    shares, sd = forecast_shares(counts, 3, damping=0.8)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert (shares["c"] == 0).all()
    assert shares["a"].is_monotonic_increasing
    s_last = 320 / 420
    assert shares.loc[1, "a"] > s_last
    assert sd["b"] >= 0.02


def test_ensemble_is_the_weighted_geometric_mean():
    panel = synthetic_panel()
    cut = panel.as_of(2020)
    a, b = EnglandGrowth(5), SeriesModel("c", "compound", 3)
    ens = Ensemble([a, b], weights=[3, 1]).predict(cut, 2)
    fa, fb = a.predict(cut, 2), b.predict(cut, 2)
    np.testing.assert_allclose(ens.to_numpy(), (fa**0.75 * fb**0.25).to_numpy())


def test_national_growth_blend_averages_one_and_five_year_log_growth():
    # England grows 2% a year, then 10% in the last year: the blend is the mean of the two rates
    nat = pd.Series(100 * np.exp(np.r_[0, np.cumsum([0.02] * 4 + [0.10])]), index=range(2015, 2021))
    p = Panel(plans=pd.DataFrame(), national=nat, region=pd.Series(dtype=str))
    g5 = (4 * 0.02 + 0.10) / 5
    assert national_growth(p, 5) == pytest.approx(g5)
    assert national_growth_blend(p, (1, 5)) == pytest.approx((0.10 + g5) / 2)
    assert national_growth_blend(p, (5,)) == pytest.approx(g5)
    assert national_growth_blend(p) == pytest.approx(((2 * 0.02 + 0.10) / 3 + g5) / 2)  # (3, 5)


def test_pooled_regression_uses_the_blended_national_growth():
    # same LA deviations, only England's part differs: the ratio of the two forecasts is
    # exp(h * (blend - 5-year growth)) for every LA and horizon
    panel = synthetic_panel(n_la=60, signal=1.0)
    cut = panel.as_of(2017)  # two years after England's growth jumps from 2% to 9%
    new = GlobalRegression(min_rows=50).predict(cut, 3)
    old = GlobalRegression(min_rows=50, national_k=(5,)).predict(cut, 3)
    gap = national_growth_blend(cut, (3, 5)) - national_growth(cut, 5)
    assert gap > 0.01
    np.testing.assert_allclose(new / old, np.exp(gap * np.arange(1, 4))[None, :].repeat(60, 0))
    # after a change of pace the blend tracks England's new rate sooner
    act = panel.plans[2020]
    assert np.mean(np.abs(new[3] - act) / act) < 0.8 * np.mean(np.abs(old[3] - act) / act)


def test_ets_point_forecast_path_matches_the_interval_path():
    y = yearly(1000 * 1.08 ** np.arange(10) * np.exp(np.random.default_rng(3).normal(0, .02, 10)))
    for damped in (False, True):
        full = ets_log(y, 4, damped=damped)
        point = ets_log(y, 4, damped=damped, levels=())
        np.testing.assert_allclose(point.mean, full.mean, rtol=1e-10)
        assert point.nominal == {} and set(full.nominal) == {0.8, 0.95}


def test_arima_yule_walker_recovers_mean_growth_and_persistence():
    # differences follow an AR(1) around 5% a year with phi = 0.6
    rng = np.random.default_rng(5)
    d = [0.05]
    for _ in range(399):
        d.append(0.05 + 0.6 * (d[-1] - 0.05) + rng.normal(0, 0.01))
    y = yearly(np.exp(np.r_[np.log(1000), np.log(1000) + np.cumsum(d)]), start=1600)
    res = arima_log(y, 2)
    # one step: the last growth reverts 40% of the way to the mean
    d = np.diff(np.log(y.to_numpy()))
    phi_hat = np.log(res.mean[0] / y.iloc[-1])  # = mu + phi (d_T - mu)
    assert phi_hat == pytest.approx(d.mean() + 0.6 * (d[-1] - d.mean()), abs=0.004)


def panel_with_population(n_la: int = 60, seed: int = 2) -> Panel:
    """:func:`synthetic_panel` with a child population (mid-2009 onwards): LA 300's grows 10%
    in the latest year, every other LA's is flat."""
    panel = synthetic_panel(n_la=n_la, signal=1.0, seed=seed)
    years = list(range(2009, 2025))
    pop = pd.DataFrame(50_000.0, index=panel.plans.index, columns=years)
    pop.loc["300", 2024] = 55_000.0
    return Panel(plans=panel.plans, national=panel.national, region=panel.region,
                 new_plans=panel.new_plans, population=pop)


def test_one_year_population_growth_feature_is_a_deviation_from_england():
    f = features(panel_with_population().as_of(2025))
    eng = np.log((59 * 50_000 + 55_000) / (60 * 50_000))
    assert f.at["300", "population_growth_1y"] == pytest.approx(np.log(1.1) - eng)
    assert f.at["301", "population_growth_1y"] == pytest.approx(-eng)
    # the 3-year feature spreads the same jump over three years
    assert f.at["300", "population_growth"] == pytest.approx((np.log(1.1) - eng) / 3)


def test_missing_features_are_taken_at_englands_value():
    panel = panel_with_population()
    new = panel.new_plans.copy()
    new.loc[:, :2013] = np.nan  # no new-plan counts in the early years
    new.loc["305", 2021] = np.nan  # one LA's latest count suppressed
    panel = Panel(plans=panel.plans, national=panel.national, region=panel.region,
                  new_plans=new, population=panel.population)
    cut = panel.as_of(2022)
    eng_model = GlobalRegression(min_rows=50)
    dev = eng_model.deviations(cut, 2)
    c = eng_model.coefficients_[2]
    f = features(cut)[list(c.index[1:])]
    # LA 305 is forecast as if its new-plan rate were England's (deviation 0)
    expected = c["intercept"] + (f.loc["305"].fillna(0.0) * c.iloc[1:]).sum()
    assert dev.at["305", 2] == pytest.approx(expected)
    # the "drop" rule trains on fewer rows (origins before 2015 lack the feature) and differs
    drop = GlobalRegression(min_rows=50, missing="drop")
    drop.deviations(cut, 2)
    assert not np.allclose(drop.coefficients_[2], c)
    with pytest.raises(ValueError, match="missing must be"):
        GlobalRegression(missing="median").deviations(cut, 2)


# ---- headroom bounds (decision 0038) -------------------------------------------------------

def test_share_deviation_is_zero_on_englands_weights():
    from send_analysis.demand.headroom import _share_deviation

    part = pd.Series([10.0, 30.0, np.nan], index=list("abc"))
    total = pd.Series([100.0, 100.0, 50.0], index=list("abc"))
    dev = _share_deviation(part, total)
    assert dev["a"] == pytest.approx(0.1 - 0.2) and dev["b"] == pytest.approx(0.3 - 0.2)
    assert np.isnan(dev["c"])


def test_headroom_bounds_on_a_panel_with_a_planted_signal():
    from send_analysis.demand.headroom import headroom

    panel = synthetic_panel(n_la=60, signal=1.0)
    las = list(panel.plans.index)
    res = headroom(panel, origin=2020, horizon=3, las=las)
    t = res.table["mape"]
    assert res.n_las == 60 and res.n_features["default"] == 3  # no population in this panel
    # England grew 9% a year from 2015 on, so its 5-year rule is its outcome, up to noise
    assert t["England's actual growth, every LA"] == pytest.approx(
        t["England's 5-year growth rule"], rel=0.05)
    # the new-plan rate carries the LA effect: hindsight LAD recovers most of it, in-sample more
    loo = t["LAD on default features, other LAs' outcomes"]
    assert loo < 0.5 * t["England's 5-year growth rule"]
    assert t["LAD on default features, in-sample"] <= loo + 1e-9
    assert res.lower_than_naive("LAD on default features, other LAs' outcomes") > 50
    with pytest.raises(ValueError, match="after the last published year"):
        headroom(panel, origin=2024, horizon=3)


def test_every_registered_model_implements_the_panel_model_interface():
    for name, model in model_registry().items():
        assert isinstance(model, PanelModel), name
        assert model.name == name and model.description


def test_series_kernels_are_chosen_by_kind_and_an_unknown_kind_is_named():
    y = pd.Series([100.0, 110.0, 121.0, 133.1, 146.41, 161.051, 177.16], index=range(2015, 2022))
    assert set(SERIES_KERNELS) == {"last", "drift", "compound", "ets", "ets_damped", "arima"}
    for kind, kernel in SERIES_KERNELS.items():
        fc = SeriesModel("m", kind, 3).forecast_series(y, 2)
        np.testing.assert_array_equal(fc.mean, kernel(y, 2, 3, (0.8, 0.95)).mean)
    with pytest.raises(ValueError, match="unknown series model kind 'holt'.*'arima'"):
        SeriesModel("m", "holt").forecast_series(y, 2)


def test_quiet_silences_warnings_only_inside_its_with_block():
    import warnings

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with quiet():
            warnings.warn("inside", UserWarning, stacklevel=1)
        warnings.warn("outside", UserWarning, stacklevel=1)
    assert [str(w.message) for w in seen] == ["outside"]
