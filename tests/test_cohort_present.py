"""The cohort page's sentences (notebook 08 keeps calls and display only)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from send_analysis.cohort import present


def test_data_and_backtest_text_keep_user_text_inert():
    history = pd.Series([1, 2], index=[2019, 2024])
    text = present.data_text(12_345, history, "<b>Shire</b>", "casework's costs")
    assert text.startswith("The model is fitted to 12,345 year-on-year transitions between the "
                           "January censuses 2019 to 2024.")
    assert "<b>" not in text.replace("\\<", "")
    assert "\\<b\\>Shire" in present.no_backtest_text("<b>Shire</b>")


def test_projection_and_scenario_text():
    summary = pd.DataFrame({"calendar-year": [2030, 2030], "measure": ["count", "cost"],
                            "mean": [4122.4, 95.5e6], "lower95": [2584.0, 80e6],
                            "upper95": [6336.0, 110e6]})
    res = SimpleNamespace(summary_frame=lambda: summary, years=[2026, 2030], simulations=1000)
    text = present.projection_text(2025, 2503, res)
    assert text == ("At January 2025 the casework holds 2,503 plans. Across 1,000 simulations the "
                    "model projects 4,122 plans by January 2030 (95% interval 2,584 to 6,336), "
                    "costing £95.5m a year at the unit costs above.")
    diff = pd.DataFrame({"difference": [-1.2e6], "difference lower95": [-2e6],
                         "difference upper95": [-0.5e6]}, index=[2030])
    s = present.new_school_text({"from_year": 2026, "share": 0.5}, 40, 720, 2025, 2030, diff)
    assert s.startswith("Assumptions: from January 2026, 50% of children")
    assert "adds 40 places to the 720 children" in s and "By January 2030" in s


def test_small_casework_counts_in_the_sentences_are_suppressed():
    # issue 19: "adds 40 places to the 2 children ..."
    diff = pd.DataFrame({"difference": [-1.2e6], "difference lower95": [-2e6],
                         "difference upper95": [-0.5e6]}, index=[2030])
    s = present.new_school_text({"from_year": 2026, "share": 0.5}, 40, 2, 2025, 2030, diff)
    assert "adds 40 places to the c children" in s
    summary = pd.DataFrame({"calendar-year": [2030, 2030], "measure": ["count", "cost"],
                            "mean": [4.0, 1e6], "lower95": [2.0, 0.5e6], "upper95": [6.0, 2e6]})
    res = SimpleNamespace(summary_frame=lambda: summary, years=[2026, 2030], simulations=10)
    assert "the casework holds c plans" in present.projection_text(2025, 3, res)


def _backtest(origins: list[int]) -> pd.DataFrame:
    rows = []
    for o in origins:  # the same year 2024 tested from two origins
        for group, actual, mean in (("special_independent", 3, 4), ("mainstream", 97, 95),
                                    ("total", 100, 99)):
            rows.append({"origin": o, "calendar-year": 2024, "setting-group": group,
                         "actual": float(actual), "mean": float(mean + o - 2022),
                         "lower95": 0.0, "upper95": 200.0})
    bt = pd.DataFrame(rows)
    bt["error"] = bt["mean"] - bt["actual"]
    bt["pct_error"] = 100 * bt["error"] / bt["actual"]
    bt["covered"] = True
    bt["lower95_raw"], bt["upper95_raw"], bt["covered_raw"] = 0.0, 200.0, True
    return bt


def test_backtest_table_hides_a_small_count_and_what_gives_it_away_for_each_origin():
    bt = _backtest([2022, 2023])
    out = present.backtest_shown(bt)
    assert len(out) == 6
    for start in (0, 3):  # each origin's rows: 3 hidden, and 100 - 97 must not show it
        block = out.iloc[start:start + 3]
        assert block["actual"].iloc[0] == "c"
        assert (block[["error", "pct_error", "covered", "covered_raw"]].iloc[0] == "c").all()
        assert (block["actual"].iloc[1:] == "c").sum() >= 1


def test_cohort_outputs_suppress_the_starting_year_groups():
    import numpy as np

    from send_analysis.cohort.results import CohortResults

    labels = ["mainstream", "special_independent", "special_state"]
    counts = np.array([[[80, 3, 30], [82, 4, 31]]] * 2)          # [sim, year, group]
    costs = counts * np.array([6e3, 60e3, 20e3])
    groups = {"setting": (labels, counts, costs)}
    res = CohortResults.from_groups([2025, 2026], groups, np.zeros((2, 1, 3)))
    out = present.suppressed_outputs(res)
    by = out["by_setting"].set_index(["calendar-year", "setting", "measure"])
    assert by.loc[(2025, "special_independent", "count"), "mean"] == "c"
    assert by.loc[(2025, "special_independent", "cost"), "mean"] == "c"    # cost = 3 x unit cost
    assert (by.loc[[(2025, g, "count") for g in ("mainstream", "special_state")], "mean"]
            == "c").sum() == 1                                            # 113 - 80 - 30 = 3
    assert by.loc[(2026, "special_independent", "count"), "mean"] == 4.0  # projected, not a count
    assert out["summary"].loc[0, "mean"] == 113.0
