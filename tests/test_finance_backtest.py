"""Finance backtest (decision 0065), latest actuals (0066) and uncertainty (0067)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from send_analysis.cli import main
from send_analysis.errors import ConfigError, DataError
from send_analysis.finance import backtest as fb
from send_analysis.finance import current
from send_analysis.finance.inputs import load_inputs, validate_inputs
from send_analysis.finance.inputs_yaml import commented_yaml
from send_analysis.finance.model import cost_factors, opening_draws, spread_quantile

# ------------------------------------------------------------------ synthetic: the rules


def _toy() -> fb.SpendData:
    """Two LAs, spend 2017-2021, plans January 2017-2023, demand forecasts from January 2020."""
    years = list(range(2017, 2022))
    spend = pd.DataFrame({y: [100.0 * 1.1 ** (y - 2017), 50.0 * 1.2 ** (y - 2017)] for y in years},
                         index=["001", "002"])
    plans = pd.DataFrame({y: [1000.0 * 1.05 ** (y - 2017), 400.0 * 1.1 ** (y - 2017)]
                          for y in range(2017, 2024)}, index=["001", "002"])
    rows = [{"la_code": la, "origin": 2020, "h": h, "forecast": plans.at[la, 2020 + h]}
            for la in plans.index for h in (1, 2, 3)]
    return fb.SpendData(spend, plans, pd.DataFrame(rows))


def test_spend_rules_on_known_series():
    wide = fb.spend_forecasts(_toy(), origins=(2019,))
    r = wide.set_index(["la_code", "h"])
    # hold and own growth
    assert r.at[("001", 1), "hold_last_spend"] == pytest.approx(100 * 1.1 ** 2)
    assert r.at[("001", 2), "own_growth_3y"] == pytest.approx(100 * 1.1 ** 4)
    # England = both LAs summed; 3-year window starts at 2017 (2019 - 2)
    eng = [150.0, 100 * 1.1 + 50 * 1.2, 100 * 1.21 + 50 * 1.44]
    rate = (eng[2] / eng[0]) ** 0.5 - 1
    assert r.at[("002", 1), "england_growth"] == pytest.approx(50 * 1.44 * (1 + rate))
    # placements: the forecast equals the actual plans, so the ratio is the plans' growth
    fy = lambda a, b: 5 / 12 * a + 7 / 12 * b  # noqa: E731
    p = _toy().plans
    ratio = fy(p.at["002", 2020], p.at["002", 2021]) / fy(p.at["002", 2019], p.at["002", 2020])
    assert r.at[("002", 1), "placements_only"] == pytest.approx(50 * 1.44 * ratio)
    assert r.at[("001", 2), "actual"] == pytest.approx(100 * 1.1 ** 4)


def test_two_year_balance_check_with_support_as_paid():
    """31 March 2024 from 2021-22: two yearly changes summed; support paid in the origin year is
    taken out of the gap it measures and support in the target years added (decisions 0098,
    0099); the HNB after the year after the origin is estimated at England's growth."""
    rows = []
    for fy, bal, hnb, spend in (("2020-21", -14.0, 100.0, 90.0), ("2021-22", -20.0, 110.0, 104.0),
                                ("2022-23", np.nan, 121.0, 120.0), ("2023-24", -40.0, 140.0, 130.0)):
        rows.append({"la_code": "001", "financial_year": fy, "balance_gbp": bal,
                     "hnb_after_deductions": hnb, "hn_spend": spend})
    inputs = pd.DataFrame(rows)
    spend_fc = pd.DataFrame([{"origin": "2021-22", "target": t, "la_code": "001", "forecast": f,
                              "lower80": f - 5, "upper80": f + 5}
                             for t, f in (("2022-23", 115.0), ("2023-24", 125.0))])
    flows = pd.DataFrame({"2021-22": [10.0], "2022-23": [5.0]}, index=["001"])
    b = fb.balance_forecasts(inputs, spend_fc, flows).set_index(["method", "origin", "target"])
    f = b["forecast"]
    assert f[("hold_last_balance", "2021-22", "2023-24")] == -20
    assert f[("repeat_last_change", "2021-22", "2023-24")] == -32
    # gap = -6 - (110 - 104) - 10 (support in 2021-22) = -22; HNB 2023-24 = 121 x 1.1 (England's
    # growth 2020-21 to 2022-23: 10% a year)
    h24 = 121 * 1.1
    assert f[("structural_change", "2021-22", "2023-24")] == pytest.approx(
        -20 + (121 - 115 + 5 - 22 * 121 / 110) + (h24 - 125 - 22 * h24 / 110))
    assert f[("structural_change_flat_gap_actual_spend", "2021-22", "2023-24")] == pytest.approx(
        -20 + (121 - 120 + 5 - 22) + (140 - 130 - 22))
    assert b.loc[("structural_change", "2021-22", "2023-24"), "h"] == 2
    # without the flows the gap carries the 2021-22 payment into every later year
    nof = fb.balance_forecasts(inputs, spend_fc).set_index(["method", "origin", "target"])
    assert nof.at[("structural_change_flat_gap_actual_spend", "2021-22", "2023-24"), "forecast"] \
        == pytest.approx(-20 + (121 - 120 - 12) + (140 - 130 - 12))


def test_the_default_is_chosen_over_both_checks():
    rows = []
    for (o, t), errs in {("2020-21", "2021-22"): {"a": 1.0, "b": 3.0},
                         ("2021-22", "2023-24"): {"a": 4.0, "b": 1.0}}.items():
        for m, e in errs.items():
            for la in ("001", "002"):
                rows.append({"method": m, "origin": o, "target": t, "la_code": la, "h": 1,
                             "forecast": 100.0 + e, "actual": 100.0, "income": 100.0,
                             "lower80": np.nan, "upper80": np.nan})
        rows += [{**r, "method": fb.DEFAULT_BALANCE_METHOD} for r in rows[-2:]]
    choice = fb.choose_balance_default(pd.DataFrame(rows), candidates=("a", "b"))
    assert choice["scores"]["a"] == pytest.approx(2.5) and choice["scores"]["b"] == 2.0
    assert choice["chosen"] == "b"  # worse at one check, better over both


def _toy_counts(shift: float) -> pd.DataFrame:
    """Placements by group for the toy LAs, January 2013-2023: half in mainstream and half in
    independent special, moving ``shift`` of the total a year towards mainstream."""
    from send_analysis.finance import mix

    toy = _toy()
    rows, idx = [], []
    for la in toy.plans.index:
        for y in range(2013, 2024):
            total = toy.plans.at[la, y] if y in toy.plans.columns else 1000.0
            s = min(max(0.5 - shift * (y - 2013), 0.0), 1.0)
            idx.append((la, y))
            rows.append({g: 0.0 for g in mix.GROUPS} | {"special_indep_nm": total * s,
                                                         "mainstream": total * (1 - s)})
    return pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(idx, names=["la_code", "year"]))


def test_mix_aware_spend_rules():
    """Shares that never move: every mix rule is the per-placement rule (decision 0100). Shares
    moving towards the cheap group: the hindsight of the actual shares is lower than the held."""
    w = {"mainstream": 1.0, "resourced_unit": 1.0, "special_state": 1.0, "special_indep_nm": 5.0,
         "ap_pru": 1.0, "post16": 1.0, "other": 1.0}
    rules = {"special_indep_nm": "own_trend", "mainstream": "own_trend"}
    still = fb.spend_forecasts(_toy(), origins=(2019,), mix=fb.MixData(_toy_counts(0.0), w, rules))
    for m in ("placements_mix_national_cost", "placements_mix_hold_national_cost",
              "hindsight_mix_actual_shares"):
        assert np.allclose(still[m], still["placements_national_cost"])
    moving = fb.spend_forecasts(_toy(), origins=(2019,),
                                mix=fb.MixData(_toy_counts(0.02), w, rules))
    r = moving.set_index(["la_code", "h"])
    assert r.at[("001", 2), "hindsight_mix_actual_shares"] < r.at[
        ("001", 2), "placements_mix_hold_national_cost"]
    # the share rule follows the LA's own trend here, which is the actual path
    assert r.at[("001", 2), "placements_mix_national_cost"] == pytest.approx(
        r.at[("001", 2), "hindsight_mix_actual_shares"])


def test_bands_use_only_outcomes_published_by_the_origin():
    errs = pd.DataFrame({"h": [1] * 150 + [1] * 150, "target": ["2020-21"] * 150 + ["2022-23"] * 150,
                         "log_error": [0.0] * 150 + [1.0] * 150})
    q = fb.calibrated_quantiles(errs, "2021-22", 1)
    assert q == (0.0, 0.0)  # the 2022-23 outcomes were not known at 2021-22
    assert fb.calibrated_quantiles(errs, "2019-20", 1) is None  # none known: no band


def test_balance_rules_on_one_la():
    inputs = pd.DataFrame([
        {"la_code": "001", "financial_year": "2019-20", "balance_gbp": -10.0,
         "hnb_after_deductions": np.nan, "hn_spend": 80.0},
        {"la_code": "001", "financial_year": "2020-21", "balance_gbp": -14.0,
         "hnb_after_deductions": 100.0, "hn_spend": 90.0},
        {"la_code": "001", "financial_year": "2021-22", "balance_gbp": -20.0,
         "hnb_after_deductions": 110.0, "hn_spend": 104.0},
    ])
    spend_fc = pd.DataFrame([{"origin": "2020-21", "target": "2021-22", "la_code": "001",
                              "forecast": 100.0, "lower80": 95.0, "upper80": 105.0}])
    b = fb.balance_forecasts(inputs, spend_fc).set_index(["method", "origin", "target"])
    f = b["forecast"]
    assert f[("hold_last_balance", "2020-21", "2021-22")] == -14
    assert f[("repeat_last_change", "2020-21", "2021-22")] == -18
    assert f[("scaled_last_change", "2020-21", "2021-22")] == pytest.approx(-14 - 4 * 1.1)
    # gap = last change - (HNB - spend) = -4 - 10 = -14, scaled with the HNB: -15.4
    assert f[("structural_change", "2020-21", "2021-22")] == pytest.approx(-14 + 110 - 100 - 15.4)
    assert f[("structural_change_actual_spend", "2020-21", "2021-22")] == pytest.approx(
        -14 + 110 - 104 - 15.4)
    # high spend -> low balance
    d = b.loc[("structural_change", "2020-21", "2021-22")]
    assert d["lower80"] == pytest.approx(-14 + 110 - 105 - 15.4)
    assert d["upper80"] == pytest.approx(-14 + 110 - 95 - 15.4)
    assert f[("hold_last_balance", "2019-20", "2021-22")] == -10


# ------------------------------------------------------------------ synthetic: spreads


def test_spread_quantile_matches_the_percentiles_and_grows_beyond_the_test():
    spread = {1: {"p10": -0.1, "p50": 0.0, "p90": 0.2}, 3: {"p10": -0.3, "p50": 0.1, "p90": 0.6}}
    u = np.array([0.1, 0.5, 0.9])
    assert spread_quantile(spread, 1, u) == pytest.approx([-0.1, 0.0, 0.2])
    assert spread_quantile(spread, 6, u) == pytest.approx([-0.6, 0.2, 1.2])


def test_cost_factors_keep_the_order_and_give_the_calibrated_spread():
    rng = np.random.default_rng(1)
    total = 100 + rng.normal(0, 1, size=(2000, 3)).cumsum(axis=1)
    spread = {1: {"p10": -0.1, "p50": 0.05, "p90": 0.2}}
    f = cost_factors(total, ["2024-25", "2025-26", "2026-27"], "2024-25", spread)
    assert (f[:, 0] == 1).all()  # the base year is known
    moved = np.log(total[:, 1] * f[:, 1] / total[:, 1].mean())
    assert np.quantile(moved, [0.1, 0.5, 0.9]) == pytest.approx([-0.1, 0.05, 0.2], abs=0.01)
    order = total.sum(axis=1).argsort()
    assert (np.diff((total[:, 1] * f[:, 1])[order]) >= 0).all()


def test_opening_draws_follow_the_band():
    d = opening_draws({"cumulative": -10.0, "p10": -14.0, "p90": -8.0}, 10_000)
    assert np.quantile(d, [0.1, 0.5, 0.9]) == pytest.approx([-14, -10, -8], abs=0.05)
    assert opening_draws({"cumulative": -10.0}, 10) is None


def test_reconcile_scales_every_line_by_one_factor():
    rec = current.reconcile({"mainstream": 10.0, "special_state": 30.0},
                            {"sen_support_services": {"amount": 100.0, "growth": 0.0}},
                            {"mainstream": 10, "special_state": 5}, outturn=500.0)
    assert rec["before"] == 350
    assert rec["factor"] == pytest.approx(500 / 350)
    after = 10 * rec["unit_costs"]["mainstream"] + 5 * rec["unit_costs"]["special_state"] \
        + rec["other"]["sen_support_services"]["amount"]
    assert after == pytest.approx(500, abs=0.1)  # unit costs rounded to the penny
    with pytest.raises(DataError, match="zero"):
        current.reconcile({"mainstream": 0.0}, {}, {"mainstream": 1}, outturn=1.0)


# ------------------------------------------------------------------ inputs: new keys


def _minimal(**over) -> dict:
    d = {"la_code": "334", "first_forecast_year": "2025-26",
         "income": {"hnb_allocation": {"2024-25": 1e6}, "growth_rate": 0.05},
         "opening_balance": {"financial_year": "2024-25", "cumulative": -1e6},
         "unit_costs": {"price_year": "2024-25", "inflation": 0.03,
                        "by_setting_group": {g: 1000.0 for g in (
                            "mainstream", "resourced_unit", "special_state", "special_indep_nm",
                            "ap_pru", "post16", "other")}}}
    for k, v in over.items():
        d[k] = v
    return d


def test_support_before_the_first_forecast_year_is_refused_naming_the_key():
    d = _minimal()
    d["income"]["support"] = {"2023-24": 5e6, "2025-26": 5e6}
    with pytest.raises(ConfigError, match=r"my\.yaml.*income\.support.*2023-24 is before"):
        validate_inputs(d, source="my.yaml")


def test_opening_band_and_uncertainty_are_checked():
    d = _minimal()
    d["opening_balance"].update({"p10": 0.0, "p90": 1.0})  # estimate outside its band
    with pytest.raises(ConfigError, match="p10 <= cumulative <= p90"):
        validate_inputs(d, source="x")
    d = _minimal(uncertainty={"spend_log_error": {1: {"p10": 0.2, "p50": 0.0, "p90": 0.1}}})
    with pytest.raises(ConfigError, match=r"uncertainty\.spend_log_error\.1"):
        validate_inputs(d, source="x")
    d = _minimal(other_expenditure={"place_funding_and_other_dsg": {"amount": -5e5}})
    validate_inputs(d, source="x")  # the gap line may be negative
    d = _minimal(other_expenditure={"therapies": {"amount": -5e5}})
    with pytest.raises(ConfigError, match="other_expenditure.therapies"):
        validate_inputs(d, source="x")


def test_commented_yaml_reads_back_to_the_same_inputs(tmp_path):
    d = _minimal()
    d["income"]["support"] = {"2025-26": 2.5e6}
    d["sources"] = {"income.support": "APPROXIMATE: an agreement", "opening_balance.cumulative":
                    "ESTIMATE: rolled forward"}
    text = commented_yaml(d)
    assert "# source: APPROXIMATE: an agreement" in text
    assert "# replace with: DfE deficit support" in text
    path = tmp_path / "my_la.yaml"
    path.write_text(text)
    back = load_inputs(path)
    d.pop("sources")
    assert back == validate_inputs(d, source="x")


# ------------------------------------------------------------------ real data

realdata = pytest.mark.realdata


@realdata
def test_s251_spend_matches_its_provenance():
    from send_analysis.finance.outturn import read_hn_spend

    s = read_hn_spend()
    totals = s.groupby("financial_year")["hn_spend"].sum() / 1e9
    # PROVENANCE.md: sum over LAs, £bn, 2017-18 and 2024-25
    assert totals["2017-18"] == pytest.approx(4.40, abs=0.005)
    assert totals["2021-22"] == pytest.approx(6.49, abs=0.005)
    assert totals["2024-25"] == pytest.approx(10.22, abs=0.005)
    assert s.groupby("financial_year").size().between(151, 153).all()
    assert "825" in set(s["la_code"])  # Buckinghamshire's unitary code mapped


@realdata
def test_a_broken_s251_file_names_the_file(tmp_path, monkeypatch):
    import shutil

    from send_analysis.finance import outturn
    from send_analysis.paths import raw_dir

    root = tmp_path / "raw"
    shutil.copytree(raw_dir() / "s251_highneeds_derived", root / "s251_highneeds_derived")
    (root / "s251_highneeds_derived" / "s251_lookup_2020.json").write_text("{not json")
    monkeypatch.setenv("SEND_DATA_RAW", str(root))
    outturn._spend_cached.cache_clear()
    try:
        with pytest.raises(DataError, match="s251_lookup_2020.json"):
            outturn.read_hn_spend()
    finally:
        outturn._spend_cached.cache_clear()


@pytest.fixture(scope="module")
def result():
    return fb.run_finance_backtest()


@realdata
def test_headline_finance_backtest_figures_are_pinned(result):
    """Decision 0065's tables: a change to a rule or to the data shows up here."""
    sm = result.spend_metrics()
    d = fb.DEFAULT_SPEND_METHOD
    assert [round(sm.loc[(d, h), "mape"], 2) for h in (1, 2, 3)] == [5.45, 8.90, 12.79]
    for h in (1, 2, 3):  # the default beats every naive rule at every horizon
        assert sm.loc[(d, h), "mape"] < min(sm.loc[(m, h), "mape"] for m in fb.NAIVE_SPEND)
    bm = result.to_dict()["methods"]  # like for like: the same 147 LAs for every method
    assert bm["structural_change"]["n"] == bm["hold_last_balance"]["n"] == 147
    assert round(bm["structural_change"]["median_abs_error_gbp_m"], 2) == 1.68
    assert round(bm["hold_last_balance"]["median_abs_error_gbp_m"], 2) == 2.48
    assert abs(bm["structural_change"]["bias_gbp_m"]) < 1
    assert 75 <= bm["structural_change"]["coverage80"] <= 85
    # the two-year check to 31 March 2024 (decision 0098)
    at24 = fb.like_for_like(result.balances, ("2021-22", "2023-24"))
    assert round(at24.at["structural_change", "median_abs_error_gbp_m"], 2) == 5.83
    assert round(at24.at["hold_last_balance", "median_abs_error_gbp_m"], 2) == 5.82
    assert round(at24.at["structural_change_flat_gap_actual_spend", "median_abs_error_gbp_m"],
                 2) == 2.15
    assert 70 <= at24.at["structural_change", "coverage80"] <= 90
    assert fb.choose_balance_default(result.balances)["chosen"] == fb.DEFAULT_BALANCE_METHOD
    assert (fb.choose_balance_default(result.balances, fb.ROLL_FORWARD_CANDIDATES)["chosen"]
            == current.ROLL_FORWARD_METHOD)


@realdata
def test_finance_backtest_json(capsys):
    assert main(["finance-backtest", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["n_las"] >= 150
    assert {"origin": "2020-21", "target": "2021-22"} in doc["checks"]
    assert {"hold_last_balance", "repeat_last_change", "scaled_last_change",
            doc["default_method"]} <= set(doc["methods"])
    m = doc["methods"][doc["default_method"]]
    assert {"median_abs_error_gbp_m", "median_abs_error_pct_income", "bias_gbp_m",
            "coverage80"} <= set(m)
    spend = doc["spend"]
    assert {"hold_last_spend", "own_growth_3y", "england_growth", spend["default_method"]} <= set(
        spend["methods"])
    assert set(spend["methods"][spend["default_method"]]) == {"h1", "h2", "h3"}
    assert {"mape", "bias", "coverage80"} <= set(spend["methods"]["england_growth"]["h2"])
    # issue 20: both balance checks per method, the choice over them, the setting groups
    assert {"origin": "2021-22", "target": "2023-24"} in doc["checks"]
    targets = {c["target"] for c in doc["methods"]["structural_change_actual_spend"]["by_check"]}
    assert {"2021-22", "2023-24"} <= targets
    assert doc["default_choice"]["chosen"] == doc["default_method"]
    groups = doc["setting_groups"]
    assert set(groups) == {"mainstream", "resourced_unit", "special_state", "special_indep_nm",
                           "ap_pru", "post16", "other"}
    for g in groups.values():
        assert "hold_shares" in g["methods"] and g["default_method"] in g["methods"]
        assert set(g["methods"]["hold_shares"]) == {"h1", "h2", "h3"}
        assert {"mape", "bias"} <= set(g["methods"]["hold_shares"]["h1"])
    assert {"placements_mix_national_cost", "placements_national_cost"} <= set(spend["methods"])


@realdata
def test_dsg_plan_json_has_a_band_in_every_year(capsys):
    assert main(["dsg-plan", "--la", "334", "--json", "--draws", "200"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["opening_balance"]["at_31_march_of"] == "2024-25"
    assert doc["opening_balance"]["source"].startswith("ESTIMATE")
    assert "the published balance at 31 March 2024" in doc["opening_balance"]["source"]
    assert doc["rules"]["balances"]["writeoff_base"]["date"] == "31 March 2026"
    assert doc["rules"]["balances"]["override_end"]["with_writeoff"]["value"] is not None
    years = doc["years"]
    assert years[0]["financial_year"] == "2025-26"
    for y in years:
        for what in ("expenditure", "in_year", "cumulative"):
            assert y[what]["p10"] < y[what]["p50"] < y[what]["p90"], (y["financial_year"], what)
    assert main(["dsg-plan", "--la", "334"]) == 2  # neither --xlsx nor --json


@realdata
def test_finance_inputs_writes_a_file_that_reproduces_the_defaults(tmp_path, capsys):
    from send_analysis.finance.defaults import default_inputs

    assert main(["finance-inputs", "--la", "334"]) == 0
    path = tmp_path / "my_la.yaml"
    path.write_text(capsys.readouterr().out)
    text = path.read_text()
    assert "# source: ESTIMATE" in text and "# replace with:" in text
    d = default_inputs("334")
    d.pop("sources")
    assert load_inputs(path) == validate_inputs(d, source="x")


@realdata
def test_costs_reconcile_to_the_outturn_for_every_la():
    from send_analysis.finance import public
    from send_analysis.finance.defaults import default_inputs

    h = public.read_hnb_allocations()
    for code in sorted(h.loc[h["financial_year"] == "2023-24", "la_code"])[::10]:
        t = current.reconciliation_table(default_inputs(code))
        assert abs(t.attrs["difference_pct"]) < 1, code
        assert math.isfinite(t.attrs["outturn"])


def test_an_la_figure_is_never_labelled_a_public_default():
    from send_analysis.finance.inputs import mark_own_figures, merge_inputs, whose

    default = _minimal()
    default["income"]["support"] = {"2025-26": 1.0}
    default["sources"] = {"income.hnb_allocation": "ESFA", "opening_balance.cumulative": "ESTIMATE",
                          "income.support": "APPROXIMATE: agreement", "unit_costs": "outturn"}
    user = {"opening_balance": {"financial_year": "2024-25", "cumulative": -2e6},
            "income": {"support": {"2026-27": 3.0}},
            "sources": {"opening_balance.cumulative": "statement of accounts 2024-25"}}
    merged = mark_own_figures(merge_inputs(default, user), user, "my.yaml")
    assert whose("opening_balance.cumulative", merged) == "LA's own"
    assert merged["sources"]["opening_balance.cumulative"] == (
        "LA's own figure (my.yaml): statement of accounts 2024-25")
    assert whose("income.support.2026-27", merged) == "LA's own"
    assert "income.support" not in merged["sources"]  # the replaced default's source is dropped
    assert whose("income.hnb_allocation.2024-25", merged) == "public default"
    assert whose("unit_costs.inflation", merged) == "public default"


@realdata
def test_dsg_plan_json_for_several_las_prints_one_record_each(capsys):
    assert main(["dsg-plan", "--la", "334,201", "--json", "--draws", "50"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["la_code"] for r in lines] == ["334", "201"]
    assert lines[0]["years"][0]["financial_year"] == "2025-26"
    assert "not in the 2023-24 HNB allocations" in lines[1]["error"]  # City of London
    assert main(["dsg-plan", "--la", "all"]) == 2  # --json needed


@realdata
def test_an_implausible_published_total_is_not_used_as_actual_placements():
    """Newham's January 2025 total (1,199 after 2,705; decision 0075) is not an actual count for
    the money: the base year's placements and the placement paths take the forecast instead."""
    from send_analysis.finance import model
    from send_analysis.finance.defaults import default_inputs

    assert 2025 in model.flagged_years("316")
    assert 2025 not in model.usable_split_years("316")
    fy = sum(current.fy_groups("316", "2024-25").values())
    assert 2_500 < fy < 3_500  # 5/12 x 2,705 + 7/12 x the forecast, not ... x 1,199
    paths = model.placement_paths(default_inputs("316"), horizon=2, n_draws=20)
    jan25 = paths[paths["year"] == 2025].groupby("draw")["plans"].sum()
    assert (jan25 > 2_000).all() and jan25.std() > 0  # forecast draws, not the published 1,199
