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
