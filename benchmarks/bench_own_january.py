"""An LA's own January after the published ones: the jump-off rule against a refit (decision 0087).

Run:  .venv/bin/python benchmarks/bench_own_january.py

An LA that gives its own January T (the census the other LAs' figures are not yet published
for) gets the default model fitted on the published Januarys to T-1, its growth from T applied to
the LA's own January T ("jump-off"). This replays that at past origins T, for every LA, against
(a) the forecast a refit at T would give had every LA's January T been published (the best case,
not available to an LA) and (b) ignoring the LA's January T (the forecast from T-1). Prints the
median and mean absolute percentage error of each by years ahead (1-4) and the 80% interval
coverage of the jump-off with the intervals calibrated at T-1. Not a timed test.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from send_analysis.demand import intervals as iv
from send_analysis.demand.forecast import DEFAULT_MODEL, WINDOW, calibration_errors, get_model
from send_analysis.demand.panel import default_panel

ORIGINS = range(2019, 2024)
HORIZON = 4


def main() -> None:
    t0 = time.perf_counter()
    panel = default_panel()
    model = get_model(DEFAULT_MODEL, panel)
    rows = []
    for t in ORIGINS:
        h = min(HORIZON, panel.last_year - t)
        before = model.predict(panel.as_of(t - 1), h + 1)  # fitted to T-1, years T .. T+h
        refit = model.predict(panel.as_of(t), h)  # fitted to T (every LA's T published)
        errs = calibration_errors(panel.as_of(t - 1), DEFAULT_MODEL, h)
        cals = [iv.calibrate(errs, t - 1, k, window=WINDOW) for k in range(1, h + 1)]
        for la in before.index.intersection(refit.index):
            own = panel.plans.at[la, t]
            if not np.isfinite(own) or own <= 0:
                continue
            for k in range(1, h + 1):
                actual = panel.plans.at[la, t + k]
                if not np.isfinite(actual):
                    continue
                jump = own * before.at[la, k + 1] / before.at[la, 1]
                lo, hi = cals[k - 1].bounds(0.8) if cals[k - 1] is not None else (np.nan, np.nan)
                rows.append({"origin": t, "h": k, "la": la, "actual": actual, "jump_off": jump,
                             "refit": refit.at[la, k], "ignore_own": before.at[la, k + 1],
                             "covered": jump * np.exp(lo) <= actual <= jump * np.exp(hi)})
    df = pd.DataFrame(rows)
    out = {}
    for col in ("jump_off", "refit", "ignore_own"):
        ape = (df[col] - df["actual"]).abs() / df["actual"] * 100
        out[f"{col} median APE"] = ape.groupby(df["h"]).median()
        out[f"{col} MAPE"] = ape.groupby(df["h"]).mean()
    out["jump_off 80% coverage"] = df.groupby("h")["covered"].mean() * 100
    table = pd.DataFrame(out).round(2)
    print(f"origins {min(ORIGINS)}-{max(ORIGINS)}, {df['la'].nunique()} LAs, {len(df):,} forecasts")
    print(table.T.to_string())
    print(f"wall {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
