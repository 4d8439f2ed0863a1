"""One results vocabulary (decision 0084): ``summary_frame()``, ``to_dict()`` and ``by()`` on every
results object, on hand-made data; and the scenario schema's table of lever checks."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from test_demand_forecast import tidy_tables
from test_finance_model import hand_inputs, hand_paths

from send_analysis.cohort.results import CohortResults
from send_analysis.data.tables import Tables
from send_analysis.demand import build_panel, forecast
from send_analysis.demand.backtest import run_backtest
from send_analysis.demand.models import SeriesModel
from send_analysis.demand.panel import Panel
from send_analysis.errors import ConfigError
from send_analysis.finance import model
from send_analysis.finance import scenarios as sc
from send_analysis.finance.scenarios import schema


def posts_result() -> sc.ScenarioResult:
    """The invest-to-save case of test_finance_scenarios: posts cost £100k then £50k (DSG) and
    avoid 2 then 4 independent placements."""
    s = sc.validate_scenario({"name": "t", "levers": [{
        "type": "invest_to_save", "name": "posts", "avoided_placements": {"2022-23": 2, "2023-24": 4},
        "costs": {"2021-22": 100_000, "2022-23": 50_000}, "funding": "dsg"}]},
        source="test.yaml", first_fy="2021-22")
    return sc.evaluate(hand_inputs(), hand_paths(), [s])


def test_scenario_result_vocabulary():
    r = posts_result()
    frame = r.summary_frame()
    assert frame["savings"].tolist() == pytest.approx([0, 66_000, 145_200])
    assert not hasattr(r, "table")  # the old name is gone (decision 0085)
    by = r.by("lever")
    assert list(by.columns) == ["financial_year", "lever", "placements_moved", "cost_dsg", "cost_council",
                                "cost_capital"]
    assert by["lever"].unique().tolist() == ["posts"]
    assert by["placements_moved"].tolist() == pytest.approx([0, 2, 4])
    assert by["cost_dsg"].tolist() == pytest.approx([100_000, 50_000, 0])
    assert by["cost_council"].tolist() == pytest.approx([0, 0, 0])
    assert json.loads(json.dumps(r.to_dict()))["savings_total"] == 211_200
    with pytest.raises(KeyError, match="'setting' is not one of"):
        r.by("setting")


def test_dsg_projection_vocabulary():
    p = model.project_dsg(hand_inputs(), hand_paths(n_draws=3))
    s = p.summary_frame()
    exp = p.by("expenditure")
    assert set(exp.columns) == {"financial_year", "expenditure", "label", "mean", "p10", "p50", "p90"}
    for line in p.expenditure:
        rows = exp[exp["expenditure"] == line].set_index("financial_year")
        assert rows["mean"].to_numpy() == pytest.approx(s[f"expenditure.{line}"].to_numpy())
    placed = p.by("placements")
    assert set(placed["placements"]) == set(p.placements)
    d = json.loads(json.dumps(p.to_dict()))
    assert [y["financial_year"] for y in d["years"]] == p.fys
    assert [y["cumulative"]["mean"] for y in d["years"]] == [round(v) for v in s["cumulative_mean"]]
    assert d["la_code"] == p.la_code and d["opening_fy"] == p.opening_fy
    with pytest.raises(KeyError, match="'lines' is not one of"):
        p.by("lines")


def test_forecast_result_vocabulary():
    res = forecast("805", horizon=3, as_of=2022, panel=build_panel(Tables(tidy_tables())))
    pd.testing.assert_frame_equal(res.by("setting_group"), res.summary_frame("setting_group"))
    d = json.loads(json.dumps(res.to_dict()))
    assert [row["year"] for row in d["forecast"]] == [2023, 2024, 2025]
    assert [row["mean"] for row in d["forecast"]] == [round(v) for v in res.mean]
    assert {row["component"] for row in d["setting_groups"]} == set(res.by("setting_group")["component"])
    assert d["as_of"] == 2022 and d["horizon"] == 3
    with pytest.raises(KeyError, match="'total' is not one of"):
        res.by("total")


def test_backtest_result_vocabulary():
    years = list(range(2010, 2021))
    plans = pd.DataFrame([[100 * 1.1**t for t in range(len(years))],
                          [50 * 1.1**t for t in range(len(years))]], index=["801", "802"], columns=years)
    panel = Panel(plans=plans, national=plans.sum(), region=pd.Series({"801": "r", "802": "r"}))
    models = {"last_value": SeriesModel("last_value", "last"),
              "compound_5y": SeriesModel("compound_5y", "compound", 5)}
    res = run_backtest(panel, models, origins=[2016, 2017], horizons=2, calib_start=2012, n_jobs=1)
    pd.testing.assert_frame_equal(res.by("h"), res.by_horizon())
    pd.testing.assert_frame_equal(res.by("origin"), res.by_origin())
    pd.testing.assert_frame_equal(res.by("la_code"), res.by_la())
    d = json.loads(json.dumps(res.to_dict()))
    assert d["default_model"] == "compound_5y" and d["origins"] == [2016, 2017] and d["horizons"] == 2
    assert d["models"]["compound_5y"]["mape"] == pytest.approx(0, abs=0.01)
    assert d["models"]["last_value"]["mape"] == round(res.summary_frame().loc["last_value", "mape"], 2)
    with pytest.raises(KeyError, match="'model' is not one of"):
        res.by("model")


def test_cohort_results_vocabulary():
    counts = np.array([[[4, 5], [6, 6]], [[4, 5], [8, 6]]], dtype=float)  # [sim, year, setting]
    costs = counts * np.array([1_000.0, 20_000.0])
    res = CohortResults.from_groups([2024, 2025], {"setting": (["MS", "SP"], counts, costs)},
                                    flows=np.zeros((2, 1, 3)))
    s = res.summary_frame()
    assert s[s["measure"] == "count"]["mean"].tolist() == [9, 13]
    assert not hasattr(res, "summary") and not hasattr(res, "to_json")  # old names gone (0085)
    d = json.loads(json.dumps(res.to_dict()))
    assert [row["mean"] for row in d["cost"]] == [104_000, 127_000]  # (126,000 + 128,000) / 2


def test_every_lever_key_has_a_check():
    """A key a lever may carry and no row of LEVER_CHECKS looks at would go unchecked."""
    checked = {k for keys, _ in schema.LEVER_CHECKS if keys for k in keys} | {"funding"}
    free_text = {"type", "name", "source", "notes"}
    allowed = set().union(*schema.LEVER_KEYS.values()) | schema._COMMON
    assert allowed - free_text - checked == set()


def test_lever_checks_report_in_order():
    """The table reports problems in the order the old chain did (costs, funding, shares, ...)."""
    with pytest.raises(ConfigError) as exc:
        sc.validate_scenario({"name": "x", "levers": [{
            "type": "isp_step_down", "share": 1.5, "start": "2019-20", "funding": "lottery",
            "costs": {"2020-21": 1}, "capacity": -1, "from_group": "moon", "ongoing": "yes"}]},
            source="bad.yaml", first_fy="2021-22")
    text = str(exc.value)
    keys = ["levers[0].costs.2020-21", "levers[0].funding", "levers[0].share", "levers[0].start",
            "levers[0].capacity", "levers[0].from_group", "levers[0].ongoing"]
    positions = [text.index(k) for k in keys]
    assert positions == sorted(positions)
    assert "bad.yaml" in text
