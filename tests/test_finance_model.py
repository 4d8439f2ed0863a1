"""Census-to-financial-year rule and the DSG balance model on a hand-computed case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from send_analysis.data.tables import Tables
from send_analysis.errors import DataError
from send_analysis.finance import model
from send_analysis.finance.inputs import SETTING_GROUPS, validate_inputs
from send_analysis.finance.years import (
    academic_to_financial,
    census_to_financial_years,
    census_years_for_fy,
    fy_label,
    fy_range,
    fy_start,
    is_fy_label,
)

# ---------------------------------------------------------------------------- small test data

#: January census counts by group for the hand-computed case (other groups: none).
CENSUS = {
    "mainstream": {2021: 240, 2022: 240, 2023: 240, 2024: 240},
    "special_state": {2021: 100, 2022: 112, 2023: 124, 2024: 136},
    "special_indep_nm": {2021: 60, 2022: 72, 2023: 84, 2024: 96},
}


def hand_inputs(**changes) -> dict:
    """Inputs for the hand-computed three-year case (see test_three_year_balance_by_hand)."""
    d = {
        "la_code": "999",
        "la_name": "Testshire",
        "first_forecast_year": "2021-22",
        "income": {"hnb_allocation": {"2020-21": 6_500_000, "2021-22": 7_000_000},
                   "growth_rate": 0.10, "block_transfers": {"2022-23": 500_000}},
        "opening_balance": {"financial_year": "2020-21", "cumulative": -1_000_000, "in_year": -400_000},
        "unit_costs": {"price_year": "2021-22", "inflation": 0.10,
                       "by_setting_group": {g: 0 for g in SETTING_GROUPS}
                       | {"mainstream": 5_000, "special_state": 20_000, "special_indep_nm": 50_000}},
        "other_expenditure": {"sen_support_services": {"amount": 1_000_000, "growth": 0.0}},
        "sources": {"opening_balance.cumulative": "Test report para 1",
                    "income.hnb_allocation": "Test DSG allocations"},
    }
    d.update(changes)
    return validate_inputs(d, source="hand_inputs")


def hand_paths(n_draws: int = 1, census: dict = CENSUS) -> pd.DataFrame:
    """The census counts as placement paths, the same in every draw."""
    rows = [(y, g, d, float(v)) for d in range(n_draws) for g, by in census.items() for y, v in by.items()]
    return pd.DataFrame(rows, columns=["year", "setting_group", "draw", "plans"])


# ----------------------------------------------------------------------------------- years


def test_fy_labels():
    assert fy_label(2021) == "2021-22"
    assert fy_label(1999) == "1999-00"
    assert fy_start("2029-30") == 2029
    assert is_fy_label("2021-22") and not is_fy_label("2021-23") and not is_fy_label("2021/22")
    assert fy_range("2021-22", "2023-24") == ["2021-22", "2022-23", "2023-24"]
    assert census_years_for_fy("2021-22") == (2021, 2022)
    with pytest.raises(ValueError, match="2021/22"):
        fy_start("2021/22")


def test_census_to_financial_year_weights():
    frame = pd.DataFrame({"year": [2021, 2022, 2023], "setting_group": "special_state", "draw": 0,
                          "plans": [100.0, 112.0, 124.0]})
    out = census_to_financial_years(frame)
    # FY 2021-22 = 5/12 x Jan 2021 + 7/12 x Jan 2022; Jan 2023 alone makes no 2023-24
    assert out["financial_year"].tolist() == ["2021-22", "2022-23"]
    assert out["plans"].tolist() == pytest.approx([107.0, 119.0])


def test_academic_to_financial():
    # a school opening September 2023 with 30 pupils, 60 the next year
    assert academic_to_financial({2023: 30, 2024: 60}, "2023-24") == pytest.approx(17.5)
    assert academic_to_financial({2023: 30, 2024: 60}, "2024-25") == pytest.approx(47.5)
    assert academic_to_financial({2023: 30}, "2022-23") == 0


# ----------------------------------------------------------------------------------- model


def test_three_year_balance_by_hand():
    """FY placements: state 107/119/131, independent 67/79/91, mainstream 240.

    2021-22: 107x20,000 + 67x50,000 + 240x5,000 + 1,000,000 = 7,690,000 against 7,000,000
             -> in-year -690,000; cumulative -1,690,000
    2022-23: prices x1.1: 119x22,000 + 79x55,000 + 240x5,500 + 1,000,000 = 9,283,000 against
             7,700,000 + 500,000 transfer -> -1,083,000; cumulative -2,773,000
    2023-24: x1.21: 131x24,200 + 91x60,500 + 240x6,050 + 1,000,000 = 11,127,700 against
             8,470,000 -> -2,657,700; cumulative -5,430,700
    """
    p = model.project_dsg(hand_inputs(), hand_paths())
    s = p.summary_frame()
    assert p.fys == ["2021-22", "2022-23", "2023-24"]
    assert s["income_total"].tolist() == pytest.approx([7_000_000, 8_200_000, 8_470_000])
    assert s["expenditure_total"].tolist() == pytest.approx([7_690_000, 9_283_000, 11_127_700])
    assert s["in_year_mean"].tolist() == pytest.approx([-690_000, -1_083_000, -2_657_700])
    assert s["cumulative_mean"].tolist() == pytest.approx([-1_690_000, -2_773_000, -5_430_700])
    assert s["expenditure.placements.special_indep_nm"].tolist() == pytest.approx(
        [3_350_000, 4_345_000, 5_505_500])
    assert p.placements_frame()["special_state"].tolist() == pytest.approx([107, 119, 131])


def test_high_cost_tail_is_taken_out_of_independent_and_costed_apart():
    inputs = hand_inputs(high_cost_tail={"threshold": 150_000, "placements": 2, "average_cost": 200_000})
    s = model.project_dsg(inputs, hand_paths()).summary_frame()
    assert s["expenditure.placements.special_indep_nm"].tolist() == pytest.approx(
        [65 * 50_000, 77 * 55_000, 89 * 60_500])
    assert s["expenditure.placements.high_cost_tail"].tolist() == pytest.approx(
        [400_000, 440_000, 484_000])


def test_uncertainty_carried_through_draws():
    rows = []
    for d, scale in enumerate([0.8, 1.0, 1.2]):
        for g, by in CENSUS.items():
            for y, v in by.items():
                rows.append((y, g, d, v * (scale if y > 2021 else 1.0)))
    paths = pd.DataFrame(rows, columns=["year", "setting_group", "draw", "plans"])
    p = model.project_dsg(hand_inputs(), paths)
    assert p.cumulative.shape == (3, 3)
    s = p.summary_frame()
    # more placements, bigger deficit: draw 2 is the 10th-percentile side
    assert p.cumulative[2, -1] < p.cumulative[1, -1] < p.cumulative[0, -1]
    assert s.loc["2023-24", "cumulative_p50"] == pytest.approx(-5_430_700)
    assert s.loc["2023-24", "cumulative_p10"] < s.loc["2023-24", "cumulative_p50"] < s.loc["2023-24", "cumulative_p90"]
    assert s.loc["2023-24", "cumulative_mean"] == pytest.approx(p.cumulative[:, -1].mean())


def test_assumption_overrides():
    base = model.project_dsg(hand_inputs(), hand_paths())
    # no inflation: 2023-24 costs at 2021-22 prices: 131x20,000 + 91x50,000 + 240x5,000 + 1m
    flat = model.project_dsg(hand_inputs(), hand_paths(), model.Assumptions(inflation=0.0))
    assert flat.expenditure_total[0, -1] == pytest.approx(2_620_000 + 4_550_000 + 1_200_000 + 1_000_000)
    # no demand growth: every year at the first year's placements
    still = model.project_dsg(hand_inputs(), hand_paths(), model.Assumptions(demand_growth=0.0))
    assert still.placements["special_state"][0].tolist() == pytest.approx([107, 107, 107])
    # income growth 0: allocation stays at 7m (plus the transfer)
    inc = model.project_dsg(hand_inputs(), hand_paths(), model.Assumptions(income_growth=0.0))
    assert inc.income_total[0].tolist() == pytest.approx([7_000_000, 7_500_000, 7_000_000])
    assert base.cumulative[0, -1] > inc.cumulative[0, -1]


def test_paths_must_cover_first_forecast_year():
    late = hand_paths()[lambda f: f["year"] >= 2022]
    with pytest.raises(DataError, match="2021-22"):
        model.project_dsg(hand_inputs(), late)


def test_paths_contract_checked():
    bad = hand_paths().assign(setting_group="special")
    with pytest.raises(DataError, match="unknown setting group"):
        model.project_dsg(hand_inputs(), bad)


def test_prepend_actuals_adds_the_census_year_to_every_draw():
    fc = hand_paths(n_draws=2)[lambda f: f["year"] > 2021]
    actual = pd.DataFrame({"setting_group": list(CENSUS), "plans": [CENSUS[g][2021] for g in CENSUS]})
    full = model.prepend_actuals(fc, actual, 2021)
    assert len(full) == len(hand_paths(n_draws=2))
    first = full[full["year"] == 2021]
    assert first["draw"].tolist() == [0] * len(CENSUS) + [1] * len(CENSUS)
    assert first["setting_group"].tolist() == list(CENSUS) * 2
    assert first["plans"].tolist() == [CENSUS[g][2021] for g in CENSUS] * 2
    p = model.project_dsg(hand_inputs(), full)
    assert p.summary_frame()["cumulative_mean"].iloc[-1] == pytest.approx(-5_430_700)
    assert np.allclose(p.cumulative[0], p.cumulative[1])


def _split_table(tmp_path, rows) -> Tables:
    """A tiny plans_by_setting table in a processed folder: (year, setting, value)."""
    frame = pd.DataFrame(rows, columns=["year", "setting", "value"]).assign(la_code="999")
    frame.to_parquet(tmp_path / "plans_by_setting.parquet")
    return Tables.at(tmp_path)


def test_a_year_without_a_setting_split_is_apportioned_by_the_nearest_mix(tmp_path):
    processed = _split_table(tmp_path, [
        (2024, "total", 100.0), (2024, "mainstream", 60.0), (2024, "special_independent", 10.0),
        (2024, "special_la_maintained", 20.0), (2024, "not_recorded", 10.0),
        # January 2025: the publisher suppressed every setting; all 200 plans are "not recorded"
        (2025, "total", 200.0), (2025, "mainstream", np.nan), (2025, "not_recorded", 200.0),
    ])
    assert model.usable_split_years("999", processed) == [2024]
    got = model.actual_groups("999", 2025, processed).set_index("setting_group")["plans"]
    assert got["mainstream"] == pytest.approx(120.0)
    assert got["special_state"] == pytest.approx(40.0)
    assert got["special_indep_nm"] == pytest.approx(20.0)
    assert got["other"] == pytest.approx(20.0)  # 2024's not-recorded share, carried
    assert got.sum() == pytest.approx(200.0)
    as_given = model.actual_groups("999", 2024, processed).set_index("setting_group")["plans"]
    assert as_given["mainstream"] == 60.0 and as_given["other"] == 10.0



def test_an_las_split_is_computed_once_per_table_and_handed_out_as_a_copy(tmp_path, monkeypatch):
    """Pages 03-05, the summary and the cohort costs ask for one LA's split about forty times:
    computed once per LA and table; a caller changing its copy changes nobody else's; another
    table (a rebuilt folder, or given frames) gets its own."""
    rows = [(2024, "total", 100.0), (2024, "mainstream", 60.0), (2024, "not_recorded", 40.0)]
    processed = _split_table(tmp_path, rows)
    calls = []
    real = model._split_of
    monkeypatch.setattr(model, "_split_of", lambda t, la: calls.append(la) or real(t, la))
    first = model._la_split("999", processed)
    first.loc[2024, "total"] = -1.0
    assert model.usable_split_years("999", processed) == [2024]
    assert model._la_split("999", Tables.at(tmp_path)).loc[2024, "total"] == 100.0
    assert calls == ["999"]
    frame = pd.DataFrame(rows, columns=["year", "setting", "value"]).assign(la_code="999")
    other = model._la_split("999", Tables({"plans_by_setting": frame.assign(value=frame["value"] * 2)}))
    assert other.loc[2024, "total"] == 200.0 and calls == ["999", "999"]

# ------------------------------------------------------------- uncertainty in every year (0067)


def test_identical_placement_draws_still_get_a_calibrated_band():
    """The issue's complaint: a year whose placements are known had no band. With the backtest's
    spread, every projected year has one, matching the given percentiles of spend."""
    spread = {1: {"p10": -0.1, "p50": 0.0, "p90": 0.1}, 2: {"p10": -0.2, "p50": 0.05, "p90": 0.3}}
    inputs = hand_inputs(uncertainty={"spend_log_error": spread},
                         opening_balance={"financial_year": "2020-21", "cumulative": -1_000_000,
                                          "p10": -1_500_000, "p90": -600_000})
    base = model.project_dsg(hand_inputs(), hand_paths(2000))
    p = model.project_dsg(inputs, hand_paths(2000))
    assert base.expenditure_total[:, 0].std() == 0  # every draw the same without the spread
    ratio = p.expenditure_total / base.expenditure_total
    # 2021-22 is the price year (h = 0: no spread); 2022-23 and 2023-24 are 1 and 2 years after
    assert ratio[:, 0] == pytest.approx(1.0)
    assert np.quantile(np.log(ratio[:, 1]), [0.1, 0.5, 0.9]) == pytest.approx([-0.1, 0.0, 0.1], abs=0.01)
    assert np.quantile(np.log(ratio[:, 2]), [0.1, 0.5, 0.9]) == pytest.approx([-0.2, 0.05, 0.3], abs=0.01)
    opening = p.cumulative[:, 0] - p.in_year[:, 0]
    assert np.quantile(opening, [0.1, 0.9]) == pytest.approx([-1_500_000, -600_000], rel=0.01)


def test_placements_are_reshaped_once_per_paths_content(monkeypatch):
    """A second projection on equal paths (another object) reuses the reshaped placements; a
    change to one value reshapes again; results are the same either way, and the caller's arrays
    are its own."""
    calls = []
    real = model.placements_by_fy
    monkeypatch.setattr(model, "placements_by_fy", lambda p, f: calls.append(1) or real(p, f))
    monkeypatch.setattr(model, "_PLACEMENTS", type(model._PLACEMENTS)())
    inputs, paths = hand_inputs(), hand_paths(n_draws=3)
    first = model.project_dsg(inputs, paths)
    state = model.baseline_state(inputs, paths.copy())
    state.placements["mainstream"][:] = -1  # a caller changing its copy
    again = model.project_dsg(inputs, paths.copy())
    assert len(calls) == 1
    np.testing.assert_array_equal(first.cumulative, again.cumulative)
    changed = paths.copy()
    changed.loc[changed.index[-1], "plans"] += 10
    model.project_dsg(inputs, changed)
    assert len(calls) == 2
