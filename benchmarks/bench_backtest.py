"""All-LA rolling-origin backtest of the demand models (issue 3 targets).

Run:  .venv/bin/python benchmarks/bench_backtest.py [--jobs 2]

Prints, for every model: MAPE, median APE, MASE, bias, 80%/95% coverage and 80% width overall
(origins January 2016-2024, horizons 1-5 where the data allow, every current LA); the default
model's metrics by horizon and by origin (pandemic target years marked); and the headline test,
January 2022 -> January 2025 (horizon 3) over the LAs with a continuous published series. Also
the wall time of the backtest (target: under 2 minutes on 2 cores). Not a timed test.
"""

from __future__ import annotations

import argparse
import resource
import time

import pandas as pd

from send_analysis.demand.backtest import run_backtest
from send_analysis.demand.forecast import DEFAULT_MODEL
from send_analysis.demand.panel import build_panel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 40)

    t0 = time.perf_counter()
    panel = build_panel()
    t1 = time.perf_counter()
    res = run_backtest(panel, n_jobs=args.jobs)
    t2 = time.perf_counter()
    chosen = res.default_model()
    print(f"panel: {len(panel.plans)} LAs, January {panel.plans.columns.min()}-{panel.last_year}; "
          f"{len(panel.continuous)} with a continuous published series")
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = cpu.ru_utime + cpu.ru_stime + time.process_time()
    print(f"timing: panel build {t1 - t0:.1f}s, backtest {t2 - t1:.1f}s wall on {args.jobs} "
          f"process(es), {cpu_s:.0f}s CPU in total; load average now "
          f"{', '.join(f'{x:.1f}' for x in __import__('os').getloadavg())}")
    print("\n== all origins 2016-2024, horizons 1-5, all LAs ==")
    print(res.summary_frame().round(2).to_string())
    print(f"\nbacktest's choice (lowest MAPE averaged over horizons): {chosen}; "
          f"package DEFAULT_MODEL: {DEFAULT_MODEL}")
    d = res.by_horizon().loc[DEFAULT_MODEL]
    print(f"\n== {DEFAULT_MODEL} by horizon ==")
    print(d.round(2).to_string())
    bo = res.by_origin()
    bo = bo[bo["model"].isin([DEFAULT_MODEL, "england_growth_5y", "compound_5y"])]
    print("\n== by origin (MAPE / 80% coverage), pandemic = target January 2021-2022 ==")
    piv = bo.pivot_table(index=["origin", "h", "target_year", "pandemic"], columns="model",
                         values=["mape", "coverage80"])
    print(piv.round(1).to_string())
    by_la = res.by_la(DEFAULT_MODEL).xs(3, level="h")
    by_la.insert(0, "la_name", panel.names.reindex(by_la.index))
    print(f"\n== {DEFAULT_MODEL} by LA at h=3 (origins 2016-2022): 10 largest MAPE; "
          f"median LA MAPE {by_la['mape'].median():.2f}% ==")
    print(by_la.sort_values("mape").tail(10)[["la_name", "n", "mape", "bias", "coverage80"]]
          .round(1).to_string())
    cont = sorted(panel.continuous)
    print(f"\n== headline: January 2022 -> January 2025 (h=3), {len(cont)} continuous LAs ==")
    head = res.at(2022, 3, cont)
    print(head[["n", "mape", "median_ape", "mase", "bias", "coverage80", "width80"]].round(2)
          .to_string())
    best_naive = head.loc[["last_value", "drift_5y", "compound_5y", "compound_3y",
                           "england_growth_5y"], "mape"].min()
    dm = head.loc[DEFAULT_MODEL, "mape"]
    print(f"\ndefault {DEFAULT_MODEL}: MAPE {dm:.2f}% vs best naive {best_naive:.2f}% "
          f"({(1 - dm / best_naive) * 100:.1f}% lower; target >= 20% lower, i.e. <= "
          f"{best_naive * 0.8:.2f}%)")
    print("headline over all current LAs (boundary-change LAs apportioned):")
    print(res.at(2022, 3)[["n", "mape", "median_ape", "coverage80"]].round(2).to_string())


if __name__ == "__main__":
    main()
