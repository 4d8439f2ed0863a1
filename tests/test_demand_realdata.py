"""Demand forecasts on the published SEN2 data (a few LAs and origins; the full backtest is in
benchmarks/bench_backtest.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from send_analysis.demand import default_panel, forecast, simulate_paths
from send_analysis.demand.backtest import run_backtest
from send_analysis.demand.models import model_registry

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def panel():
    return default_panel()


def test_panel_covers_every_current_la(panel):
    from send_analysis.data.tables import load_table

    assert len(panel.plans) >= 150
    # boundary changes apportioned; only the implausible totals (decision 0075) are left out
    assert panel.plans.isna().sum().sum() == len(panel.flagged)
    assert list(zip(panel.flagged["la_code"], panel.flagged["year"], strict=True)) == [("316", 2025)]
    assert "940" in panel.plans.index and "942" in panel.plans.index
    assert len(panel.continuous) == 147
    # Solihull's January 2022 total as published
    t = load_table("plans_by_setting")
    pub = t[(t.la_code == "334") & (t.setting == "total") & (t.year == 2022)]["value"].iloc[0]
    assert panel.plans.at["334", 2022] == pub


def test_backtest_origin_2021_pooled_beats_naive_baselines(panel):
    models = {k: v for k, v in model_registry().items()
              if k in ("last_value", "compound_5y", "england_growth_5y", "pooled_regression")}
    res = run_backtest(panel, models, origins=[2021], horizons=2, calib_start=2015, n_jobs=1)
    at = res.at(2021, 2)
    assert at.loc["pooled_regression", "mape"] < at.loc["compound_5y", "mape"]
    assert at.loc["pooled_regression", "mape"] < at.loc["last_value", "mape"] / 2
    # recent origins are over-covered (decision 0032): intervals still carry the 2015-2017 misses
    cov80, cov95 = at.loc["pooled_regression", ["coverage80", "coverage95"]]
    assert 80 <= cov80 <= cov95
    assert 10 < at.loc["pooled_regression", "width80"] < 60
    assert at.loc["pooled_regression", "n"] == len(panel.plans)


def test_forecast_solihull_as_of_2022_and_paths(panel):
    res = forecast("334", horizon=3, as_of=2022, panel=panel, n_draws=300)
    sf = res.summary_frame()
    actual = panel.plans.loc["334", [2023, 2024, 2025]].to_numpy()
    assert (sf["lower95"] < sf["mean"]).all() and (sf["mean"] < sf["upper95"]).all()
    # a 3-year forecast from 2022 is within 25% of what happened
    assert abs(sf["mean"].iloc[-1] / actual[-1] - 1) < 0.25
    groups = res.summary_frame("setting_group").groupby("year")["mean"].sum()
    np.testing.assert_allclose(groups.to_numpy(), res.mean.to_numpy())
    paths = simulate_paths("334", horizon=2, n_draws=100, as_of=2024)
    assert sorted(paths.year.unique()) == [2025, 2026]
    by_draw = paths.groupby(["year", "draw"]).plans.sum()
    assert by_draw.min() > panel.plans.at["334", 2024] * 0.8


def test_cli_forecast_json(capsys):
    from send_analysis.cli import main

    assert main(["forecast", "--la", "334", "--horizon", "2", "--as-of", "2023", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["as_of"] == 2023 and [r["year"] for r in out["forecast"]] == [2024, 2025]
    assert main(["forecast", "--la", "999", "--horizon", "2"]) == 2


def test_cli_backtest_json_fast(capsys):
    from send_analysis.cli import main

    assert main(["backtest", "--origin", "2023", "--horizon", "1", "--fast", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["origin"] == 2023 and out["horizon"] == 1 and out["n_las"] == 153
    assert out["default_model"] == "pooled_regression"
    m = out["models"]
    assert set(m["pooled_regression"]) == {"mape", "median_ape", "coverage80", "bias"}
    # one year ahead from January 2023: the naive flat forecast is off by about a year's growth
    assert 5 < m["last_value"]["mape"] < 15
    assert m["pooled_regression"]["mape"] < m["last_value"]["mape"]


def test_headline_backtest_figures_are_pinned(panel):
    """January 2022 -> 2025 (h=3), the 147 LAs with a continuous series: the figures quoted in
    decisions 0036-0038 and the closing notes. A model change must update them knowingly.

    Since decision 0075 Newham's January 2025 total (1,199 after 2,705) is not scored, so 146 LAs
    are: before it, n 147 and MAPEs 8.71 / 10.83 / 7.89 / 7.60 (the forecasts are unchanged)."""
    models = {k: v for k, v in model_registry().items()
              if k in ("compound_5y", "england_growth_5y", "pooled_regression",
                       "pooled_regression_5y")}
    res = run_backtest(panel, models, origins=[2022], horizons=3, calib_start=2022, n_jobs=1)
    at = res.at(2022, 3, sorted(panel.continuous))
    assert at.loc["pooled_regression", "n"] == 146
    assert at.loc["england_growth_5y", "mape"] == pytest.approx(8.02, abs=0.005)
    assert at.loc["compound_5y", "mape"] == pytest.approx(9.52, abs=0.005)
    assert at.loc["pooled_regression_5y", "mape"] == pytest.approx(6.99, abs=0.005)
    assert at.loc["pooled_regression", "mape"] == pytest.approx(6.70, abs=0.005)
