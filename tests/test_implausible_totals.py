"""Published totals that break implausibly (issue 11 item 10, decision 0075): flagged, shown,
and kept out of the demand models' training, calibration and scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd
from test_demand_forecast import tidy_tables

from send_analysis.data.quality import implausible_totals
from send_analysis.data.tables import Tables
from send_analysis.demand import build_panel, forecast


def wide(rows: dict[str, list[float]], start: int = 2019) -> pd.DataFrame:
    return pd.DataFrame({la: pd.Series(v, index=range(start, start + len(v)))
                         for la, v in rows.items()}).T


def test_a_collapse_is_flagged_once_and_the_recovery_is_not() -> None:
    w = wide({"316": [1606, 1867, 2618, 2705, 1199],   # Newham 2021-2025: January 2025 flagged
              "100": [100, 110, 45, 125, 130],          # one-year dip: the dip only
              "200": [100, 150, 190, 200, 210],         # +50%: plausible
              "300": [100, 190, 200, 210, 220],         # +90%, confirmed next year: a step
              "400": [100, 105, 110, 115, 250],         # +117% in the latest year: flagged
              "835": [100, 40, 45, 50, 55]})            # boundary change: not checked
    out = implausible_totals(w, exempt={"835"})
    got = list(zip(out["la_code"], out["year"], strict=True))
    flagged = set(got)
    assert ("316", 2023) in flagged and ("100", 2021) in flagged
    assert ("100", 2022) not in flagged and ("200", 2020) not in flagged
    assert ("400", 2023) in flagged and not any(la == "300" for la, _ in flagged)
    assert len(flagged) == 3
    assert not any(la == "835" for la, _ in flagged)
    row = out[out["la_code"] == "316"].iloc[0]
    assert row["reference"] == 2705 and row["value"] == 1199 and row["change_pct"] == -55.7


def test_flagged_total_is_left_out_of_the_panel_and_the_forecast_starts_before_it() -> None:
    tables = tidy_tables()
    df = tables["plans_by_setting"].copy()
    la = "805"
    hit = (df["la_code"] == la) & (df["year"] == 2025)
    before = df.loc[hit & (df["setting"] == "total"), "value"].iloc[0]
    df.loc[hit, "value"] = df.loc[hit, "value"] * 0.45   # the whole 2025 row collapses
    panel = build_panel(Tables({**tables, "plans_by_setting": df}))
    assert list(zip(panel.flagged["la_code"], panel.flagged["year"], strict=True)) == [(la, 2025)]
    assert np.isnan(panel.plans.at[la, 2025])
    assert all(np.isnan(g.at[la, 2025]) for g in panel.groups.values())
    assert panel.plans.drop(index=la).notna().all().all()
    # the published value stays in the tidy table
    assert df.loc[hit & (df["setting"] == "total"), "value"].iloc[0] == before * 0.45
    res = forecast(la, horizon=2, panel=panel)
    assert res.origin == 2024 and list(res.mean.index) == [2025, 2026, 2027]
    assert any("left out as implausible" in n for n in res.notes)
    assert res.mean.loc[2025] > 0.8 * before   # continues the credible series, not the collapse
