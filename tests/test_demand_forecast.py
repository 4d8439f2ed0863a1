"""Forecast, simulated paths, growth drivers and the backtest, on hand-made tidy tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from send_analysis.data.tables import Tables
from send_analysis.data.taxonomy import AGE_BANDS, SETTING_GROUPS, SETTINGS
from send_analysis.demand import build_panel, forecast, growth_drivers, simulate_paths
from send_analysis.demand.backtest import run_backtest
from send_analysis.demand.models import EnglandGrowth, SeriesModel
from send_analysis.errors import DataError

YEARS = list(range(2010, 2026))


def tidy_tables(n_la: int = 24, seed: int = 3) -> dict[str, pd.DataFrame]:
    """plans_by_setting, plans_by_age and new_plans for ``n_la`` LAs growing ~8% a year."""
    rng = np.random.default_rng(seed)
    rows, age_rows, new_rows = [], [], []
    base_shares = rng.dirichlet(np.ones(len(SETTINGS)) * 3, n_la)
    for i in range(n_la):
        code = str(800 + i)
        region = f"E1200000{i % 3}"
        g = 0.08 + rng.normal(0, 0.02)
        start = rng.uniform(800, 4000)
        for t, year in enumerate(YEARS):
            total = round(start * np.exp(g * t + rng.normal(0, 0.01)))
            common = {"level": "la", "area_code": code, "la_code": code, "new_la_code": None,
                      "area_name": f"LA {code}", "region_code": region, "region_name": region,
                      "year": year, "flag": None, "release": "2025"}
            rows.append({**common, "setting": "total", "value": float(total)})
            shares = base_shares[i] * np.exp(0.05 * t * (np.arange(len(SETTINGS)) == 2))
            shares = shares / shares.sum()
            for s, sh in zip(SETTINGS, shares, strict=True):
                rows.append({**common, "setting": s, "value": float(total * sh)})
            if year != 2023:
                for a, sh in zip(AGE_BANDS, [0.05, 0.35, 0.35, 0.2, 0.05], strict=True):
                    age_rows.append({**common, "age_band": a, "value": float(total * sh)})
            new_rows.append({**common, "year": year - 1, "setting": "total",
                             "value": float(total * 0.12)})
    df = pd.DataFrame(rows)
    nat = df[df.setting == "total"].groupby("year")["value"].sum().reset_index()
    nat = nat.assign(level="national", area_code="E92000001", la_code=None, new_la_code=None,
                     area_name="England", region_code=None, region_name=None, setting="total",
                     flag=None, release="2025")
    return {"plans_by_setting": pd.concat([df, nat], ignore_index=True),
            "plans_by_age": pd.DataFrame(age_rows), "new_plans": pd.DataFrame(new_rows)}


@pytest.fixture(scope="module")
def tables():
    return tidy_tables()


@pytest.fixture(scope="module")
def panel(tables):
    return build_panel(Tables(tables))


def test_panel_from_tidy_tables(panel):
    assert panel.plans.shape == (24, 16)
    assert set(panel.groups) == set(SETTING_GROUPS)
    total = sum(panel.groups[g] for g in SETTING_GROUPS)
    np.testing.assert_allclose(total.to_numpy(), panel.plans.to_numpy(), rtol=1e-9)
    assert 2023 not in panel.ages["5_10"].columns or panel.ages["5_10"][2023].isna().all()
    cut = panel.as_of(2020)
    assert cut.last_year == 2020 and cut.new_plans.columns.max() == 2019


def test_forecast_intervals_and_coherent_components(panel):
    res = forecast("805", horizon=3, as_of=2022, panel=panel)
    sf = res.summary_frame()
    assert list(sf["year"]) == [2023, 2024, 2025]
    assert (sf["lower95"] <= sf["lower80"]).all() and (sf["lower80"] <= sf["mean"]).all()
    assert (sf["mean"] <= sf["upper80"]).all() and (sf["upper80"] <= sf["upper95"]).all()
    # the model sees only data to 2022: the point equals the model on the cut panel
    assert res.history.index.max() == 2022
    groups = res.summary_frame("setting_group")
    np.testing.assert_allclose(groups.groupby("year")["mean"].sum().to_numpy(),
                               res.mean.to_numpy(), rtol=1e-9)
    ages = res.summary_frame("age_band")
    assert set(ages["component"]) == set(AGE_BANDS)


def test_simulate_paths_contract(tables):
    paths = simulate_paths("803", horizon=4, n_draws=200, as_of=2021, seed=7, tables=Tables(tables))
    assert list(paths.columns) == ["year", "setting_group", "draw", "plans"]
    assert sorted(paths["year"].unique()) == [2022, 2023, 2024, 2025]
    assert set(paths["setting_group"]) == set(SETTING_GROUPS)
    assert paths["draw"].nunique() == 200 and (paths["plans"] >= 0).all()
    res = forecast("803", horizon=4, as_of=2021, n_draws=200, seed=7, tables=Tables(tables))
    totals = res.draws[res.draws.component_type == "total"].set_index(["year", "draw"])["plans"]
    sums = paths.groupby(["year", "draw"])["plans"].sum()
    np.testing.assert_allclose(sums.sort_index().to_numpy(), totals.sort_index().to_numpy())
    # the median path is close to the point forecast
    med = totals.groupby("year").median()
    np.testing.assert_allclose(med.to_numpy(), res.mean.to_numpy(), rtol=0.05)


def test_bad_input_gives_data_errors(panel):
    with pytest.raises(DataError, match="'999'"):
        forecast("999", horizon=3, panel=panel)
    with pytest.raises(DataError, match="horizon"):
        forecast("805", horizon=0, panel=panel)
    with pytest.raises(DataError, match="as_of 2011"):
        forecast("805", horizon=2, as_of=2011, panel=panel)


def test_growth_drivers_add_up(panel):
    d = growth_drivers("801", panel=panel)
    assert d.loc[2015, "new_plans"] == pytest.approx(panel.new_plans.at["801", 2014])
    row = d.loc[2016]
    assert row["other"] == pytest.approx(row["change"] - row["new_plans"] + row["ceased"]
                                         if np.isfinite(row["ceased"]) else np.nan, nan_ok=True)
    assert row["new_rate"] == pytest.approx(row["new_plans"] / d.loc[2015, "plans"] * 100)


def test_backtest_metrics_on_exact_growth():
    years = list(range(2010, 2021))
    plans = pd.DataFrame([[100 * 1.1**t for t in range(len(years))],
                          [50 * 1.1**t for t in range(len(years))]],
                         index=["801", "802"], columns=years)
    from send_analysis.demand.panel import Panel

    panel = Panel(plans=plans, national=plans.sum(), region=pd.Series({"801": "r", "802": "r"}))
    models = {"last_value": SeriesModel("last_value", "last"),
              "compound_5y": SeriesModel("compound_5y", "compound", 5),
              "england_growth_5y": EnglandGrowth(5)}
    res = run_backtest(panel, models, origins=[2016, 2017, 2018], horizons=2, calib_start=2012,
                       n_jobs=1)
    bh = res.by_horizon()
    assert bh.loc[("compound_5y", 1), "mape"] == pytest.approx(0, abs=1e-9)
    assert bh.loc[("last_value", 1), "mape"] == pytest.approx((1 - 1 / 1.1) * 100)
    assert bh.loc[("last_value", 2), "bias"] == pytest.approx((1 / 1.21 - 1) * 100)
    # naive MASE at h=1: error = last change = the mean in-sample change grown by 10%
    assert bh.loc[("last_value", 1), "mase"] > 1
    assert res.default_model() in {"compound_5y", "england_growth_5y"}
    # min_n=100 errors are never reached with 2 LAs: intervals are missing, not invented
    assert res.evaluated["lower80"].isna().all()
    at = res.at(2018, 2)
    assert at.loc["compound_5y", "n"] == 2


def test_backtest_calibrated_coverage_near_nominal(panel):
    models = {"compound_5y": SeriesModel("compound_5y", "compound", 5)}
    res = run_backtest(panel, models, origins=range(2018, 2025), horizons=2, n_jobs=1)
    from send_analysis.demand import backtest as bt

    fc = bt.add_intervals(res.forecasts, window=5, min_n=20)
    ev = fc[fc.origin >= 2018]
    cov = np.mean((ev.actual >= ev.lower80) & (ev.actual <= ev.upper80)) * 100
    assert 65 <= cov <= 92


# ------------------------------------------------------------------ primary need (decision 0070)

NEED_SHARES = [0.3, 0.02, 0.1, 0.01, 0.04, 0.01, 0.2, 0.2, 0.04, 0.05, 0.01, 0.015, 0.005]


def need_rows(tables: dict, year: int = 2025) -> pd.DataFrame:
    """plans_by_need for every LA at January ``year`` (fixed shares of the LA's total)."""
    from send_analysis.demand.crosstab import NEEDS

    tot = tables["plans_by_setting"]
    tot = tot[(tot.setting == "total") & (tot.level == "la") & (tot.year == year)]
    rows = [{"level": "la", "la_code": r.la_code, "year": year, "need": n, "value": r.value * sh}
            for r in tot.itertuples() for n, sh in zip(NEEDS, NEED_SHARES, strict=True)]
    return pd.DataFrame(rows)


def test_need_split_sums_to_the_total_and_leaves_other_components_alone(tables):
    with_need = {**tables, "plans_by_need": need_rows(tables)}
    res = forecast("805", horizon=3, n_draws=300, seed=2, tables=Tables(with_need))
    before = forecast("805", horizon=3, n_draws=300, seed=2, tables=Tables(tables))
    d = res.draws
    need = d[d.component_type == "primary_need"].groupby(["year", "draw"])["plans"].sum()
    total = d[d.component_type == "total"].set_index(["year", "draw"])["plans"]
    np.testing.assert_allclose(need.sort_index().to_numpy(), total.sort_index().to_numpy())
    sf = res.summary_frame("primary_need")
    np.testing.assert_allclose(sf.groupby("year")["mean"].sum().to_numpy(), res.mean.to_numpy())
    # shares held at the last (only) published year
    first = sf[sf.year == 2026].set_index("component")["mean"]
    assert first["ASD"] / first.sum() == pytest.approx(0.3, abs=0.01)
    # setting groups and age bands draw the same numbers as without the need split
    old = before.draws[before.draws.component_type != "total"]
    new = d[d.component_type.isin(["setting_group", "age_band"])]
    np.testing.assert_array_equal(old["plans"].to_numpy(), new["plans"].to_numpy())


def test_need_split_absent_before_needs_are_published(tables):
    with_need = {**tables, "plans_by_need": need_rows(tables)}
    res = forecast("805", horizon=2, as_of=2022, n_draws=50, tables=Tables(with_need))
    assert "primary_need" not in set(res.draws.component_type)
    assert any("primary_need" in n for n in res.notes)


def test_the_default_panel_fits_each_model_once_per_origin_and_horizon(panel, monkeypatch):
    """Point forecasts come from a model fitted across all LAs: for the session's default panel a
    second LA (or page) reuses the fit; any other panel is fitted afresh. Same numbers."""
    import importlib

    fmod = importlib.import_module("send_analysis.demand.forecast")
    from send_analysis.demand import panel as pmod

    fits = []
    real = fmod.get_model
    monkeypatch.setattr(fmod, "get_model", lambda *a, **k: fits.append(1) or real(*a, **k))
    monkeypatch.setattr(fmod, "_PREDICT_CACHE", {})
    other = forecast("805", horizon=3, as_of=2022, panel=panel).mean  # fits, and calibrates
    before = len(fits)
    forecast("805", horizon=3, as_of=2022, panel=panel)
    assert len(fits) - before == 1  # not the default panel: fitted again
    monkeypatch.setitem(pmod._PANEL_CACHE, "default", panel)
    before = len(fits)
    a = forecast("805", horizon=3, as_of=2022, panel=panel).mean
    b = forecast(str(panel.plans.index[1]), horizon=3, as_of=2022, panel=panel)
    assert len(fits) - before == 1  # the second LA reused the fit
    pd.testing.assert_series_equal(a, other)
    assert b.mean.notna().all()
