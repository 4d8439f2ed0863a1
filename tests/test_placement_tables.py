"""Whole-number placement x age and placement x need tables (decision 0070)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_demand_forecast import need_rows, tidy_tables

from send_analysis.data.tables import Tables
from send_analysis.data.taxonomy import AGE_BANDS, SETTING_GROUPS
from send_analysis.demand import build_panel, forecast
from send_analysis.demand.crosstab import NEEDS
from send_analysis.demand.placement_tables import largest_remainder, placement_tables, rake


def test_largest_remainder():
    assert largest_remainder([1.5, 1.5, 7.0], 10).tolist() == [2, 1, 7]
    assert largest_remainder([0.2, 0.2, 0.6], 7).tolist() == [2, 1, 4]  # 1.4, 1.4, 4.2: a tie, first wins
    out = largest_remainder([3.3, 3.3, 3.4], 10)
    assert out.sum() == 10 and out.tolist() == [3, 3, 4]
    assert largest_remainder([0, 0], 0).tolist() == [0, 0]
    with pytest.raises(ValueError, match="all zero"):
        largest_remainder([0, 0], 3)
    with pytest.raises(ValueError, match=">= 0"):
        largest_remainder([-1, 2], 3)


def test_rake_meets_both_margins_and_keeps_structural_zeros():
    seed = pd.DataFrame([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0]], index=["a", "b"], columns=list("xyz"))
    fit = rake(seed, pd.Series([10.0, 20.0], index=["a", "b"]),
               pd.Series([5.0, 15.0, 10.0], index=list("xyz")))
    np.testing.assert_allclose(fit.sum(axis=1), [10, 20], rtol=1e-6)
    np.testing.assert_allclose(fit.sum(axis=0), [5, 15, 10], rtol=1e-6)
    assert fit.loc["a", "z"] == 0 and fit.loc["b", "x"] == 0


def _crosstabs(tables: dict, la: str, year: int = 2025) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hand-made group x age and group x need tables for ``la`` at January ``year``."""
    s = tables["plans_by_setting"]
    from send_analysis.data.taxonomy import GROUP_OF

    s = s[(s.la_code == la) & (s.year == year) & (s.setting != "total")]
    groups = s.assign(group=s.setting.map(GROUP_OF)).groupby("group")["value"].sum()
    age_sh = {"post16": [0, 0, 0, 0.8, 0.2]}
    ages = [{"level": "la", "la_code": la, "year": year, "group": g, "age_band": b,
             "value": float(v * sh)}
            for g, v in groups.items()
            for b, sh in zip(AGE_BANDS, age_sh.get(g, [0.05, 0.4, 0.4, 0.1, 0.05]), strict=True)]
    needs = [{"level": "la", "la_code": la, "year": year, "group": g, "need": n,
              "value": float(v) / len(NEEDS)} for g, v in groups.items() for n in NEEDS]
    return pd.DataFrame(ages), pd.DataFrame(needs)


def test_tables_are_whole_and_add_up():
    tables = tidy_tables()
    panel = build_panel(Tables({**tables, "plans_by_need": need_rows(tables)}))
    ages_x, needs_x = _crosstabs(tables, "805")
    t = placement_tables("805", [2026, 2027, 2028], first_history=2023, panel=panel, n_draws=200,
                         ages_x=ages_x, needs_x=needs_x)
    fc = forecast("805", 3, panel=panel, n_draws=200)
    assert t.history_years == [2023, 2024, 2025] and t.projected_years == [2026, 2027, 2028]
    assert list(t.totals.index) == list(SETTING_GROUPS)
    for y in t.projected_years:
        col = t.totals[y]
        assert (col == col.round()).all()
        assert col.sum() == round(float(fc.mean[y]))  # the groups share out the rounded total
        for g in SETTING_GROUPS:
            a, n = t.by_age[g][y], t.by_need[g][y]
            assert (a == a.round()).all() and (n == n.round()).all() and (a >= 0).all()
            assert a.sum() == n.sum() == col[g]
        assert t.by_age["post16"].loc[["under_5", "5_10", "11_15"], y].sum() == 0
    # history: totals every year; parts only where the cross-tables are published (2025)
    assert t.by_age["mainstream"][2024].isna().all() and t.by_age["mainstream"][2025].notna().all()
    assert any("2023, 2024" in n for n in t.notes)


@pytest.mark.realdata
def test_solihull_workbook_cyp_tables_read_back(tmp_path):
    """Solihull (334): SEN2 history 2022-2025 and the forecast to 2030 in the workbook's CYP tab:
    exact labels, whole numbers, age total = need total per section and year, sections adding
    up to the LA's total; the published 2025 cross-tables add up to the published totals."""
    import openpyxl
    from test_finance_export import check_cyp_sheet
    from test_finance_model import hand_inputs, hand_paths

    from send_analysis.demand import crosstab as ct
    from send_analysis.demand import default_panel
    from send_analysis.finance import export, model
    from send_analysis.finance import template_map as tm

    panel = default_panel()
    t = placement_tables("334", range(2026, 2031), first_history=2022, panel=panel, n_draws=200)
    assert t.history_years == [2022, 2023, 2024, 2025]
    assert t.totals[2025].sum() == panel.plans.at["334", 2025] == 2503
    need25 = ct.plans_by_need()
    need25 = need25[(need25.la_code == "334") & (need25.need == "total")]["value"].iloc[0]
    assert sum(t.by_need[g][2025].sum() for g in SETTING_GROUPS) == need25 == 2503
    fc = forecast("334", 5, panel=panel, n_draws=200)
    for y in t.projected_years:
        assert t.totals[y].sum() == round(float(fc.mean[y]))
    inputs = hand_inputs()
    path = export.write_dsg_plan(tmp_path / "plan.xlsx", inputs,
                                 model.project_dsg(inputs, hand_paths()), tables=t)
    ws = openpyxl.load_workbook(path)[tm.TAB_CYP]
    cyp = check_cyp_sheet(ws, n_years=len(t.years))
    totals = [sum(cyp[h]["age"][tm.AGE_TOTAL_LABEL][j] for h in tm.PLACEMENT_SECTIONS.values())
              for j in range(len(t.years))]
    assert totals == [int(v) for v in t.totals.sum(axis=0)]


def test_an_la_without_cross_tables_is_a_clear_error():
    from send_analysis.errors import DataError

    tables = tidy_tables()
    panel = build_panel(Tables({**tables, "plans_by_need": need_rows(tables)}))
    ages_x, needs_x = _crosstabs(tables, "805")
    with pytest.raises(DataError, match="LA 806 has no published placement x age"):
        placement_tables("806", [2026], panel=panel, ages_x=ages_x, needs_x=needs_x)


@pytest.mark.realdata
def test_an_origin_before_the_first_cross_table_starts_at_that_table_and_says_so():
    # SEN2 publishes placement x age and x need for recent Januarys only: a forecast "as of 2021"
    # cannot be split by them, so the tables start from the first January that has both
    t = placement_tables("334", [2022, 2023, 2026], first_history=2019, as_of=2021, n_draws=50)
    first = min(t.projected_years)
    assert first > 2021 and max(t.history_years) == first - 1
    assert any("SEN2 publishes placement by age and by primary need from then only" in n
               for n in t.notes)
