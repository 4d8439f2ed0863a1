"""Issue 19 item 8: the cohort page shows its setting groups in January of the last year against
the demand page's, says why they differ while the totals agree, and its backtest table names
each row's origin."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from send_analysis.cohort import calibrate, present


def _fakes():
    groups = {"special_state": (1299.4, 1364.45), "mainstream": (1464.2, 1376.7),
              "ap_pru": (49.0, 52.66)}
    by = pd.DataFrame([{"calendar-year": y, "setting-group": g, "measure": m, "mean": v[0]}
                       for y in (2029, 2030) for g, v in groups.items() for m in ("count", "cost")])
    sf = pd.DataFrame([{"year": y, "component": g, "mean": v[1]}
                       for y in (2029, 2030) for g, v in groups.items()])
    res = SimpleNamespace(by=lambda dim: by)
    demand = SimpleNamespace(summary_frame=lambda component=None: sf)
    return res, demand


def test_setting_groups_side_by_side_with_the_demand_page():
    res, demand = _fakes()
    t = present.setting_group_comparison(res, demand, 2030)
    assert list(t.index) == ["Mainstream", "Maintained and academy special",
                             "Alternative provision / PRU", "Total"]
    assert t.loc["Maintained and academy special"].tolist() == [1299.0, 1364.0, -65.0, -4.8]
    assert t.loc["Total", "Cohort model (mean)"] == 1299 + 1464 + 49
    text = present.setting_group_text(t, 2030)
    assert "most for mainstream: 1,464 here against 1,377 on page 02 (+6.3%)" in text
    assert "decision record 0033" in text and "decision record 0071" in text


def test_backtest_table_names_the_origin_of_each_row():
    bt = pd.DataFrame({"origin": [2024, 2023, 2023], "calendar-year": [2025, 2024, 2025],
                       "setting-group": ["total"] * 3, "actual": [10, 8, 10],
                       "mean": [10.4, 8.2, 10.9], "lower95": [9.0, 7.0, 8.0],
                       "upper95": [12.0, 9.0, 13.0], "error": [0.4, 0.2, 0.9],
                       "pct_error": [4.0, 2.5, 9.0], "covered": [True] * 3,
                       "lower95_raw": [9.0] * 3, "upper95_raw": [11.0] * 3,
                       "covered_raw": [True] * 3})
    t = calibrate.backtest_table(bt)
    assert t.columns[0] == "origin"
    assert t[["origin", "calendar-year"]].values.tolist() == [[2023, 2024], [2023, 2025], [2024, 2025]]
    from send_analysis.report.labels import plain

    assert plain("origin") == "Origin (January census)"
    from send_analysis.report import table

    html = table(pd.DataFrame({plain("origin"): [2023]})).to_html()
    assert ">2023<" in html and "2,023" not in html
