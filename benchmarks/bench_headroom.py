"""How far could any LA-level model beat England's growth rule? (issue 3, decision 0038)

Run:  .venv/bin/python benchmarks/bench_headroom.py [--origin 2022 --horizon 3] [--all]

Prints, for the headline test (January 2022 -> 2025, the LAs with a continuous published
series) - or, with ``--all``, for every origin with a 3-year outcome - the MAPE of England's
5-year rule, of England's *actual* growth applied to every LA, of the default model, and of
least-absolute-deviation fits of the LA deviations on the default model's indicators and on a
wider set, given the same period's outcomes of every other LA (leave-one-LA-out) or of every LA
(in-sample). See ``send_analysis.demand.headroom``. Not a timed test.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from send_analysis.demand.headroom import headroom
from send_analysis.demand.panel import build_panel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--origin", type=int, default=2022)
    ap.add_argument("--horizon", type=int, default=3)
    ap.add_argument("--all", action="store_true", help="every origin 2016.. with an outcome")
    args = ap.parse_args()
    pd.set_option("display.width", 200)
    pd.set_option("display.max_colwidth", 60)
    panel = build_panel()
    origins = (range(2016, panel.last_year - args.horizon + 1) if args.all else [args.origin])
    summary = {}
    for origin in origins:
        t0 = time.perf_counter()
        res = headroom(panel, origin, args.horizon)
        target = res.table.at["England's 5-year growth rule", "mape"] * 0.8
        hindsight = res.lower_than_naive("LAD on default features, other LAs' outcomes")
        print(f"\n== January {origin} -> {origin + args.horizon}: {res.n_las} continuous LAs; "
              f"{res.n_features['default']} default / {res.n_features['extended']} extended "
              f"indicators ({time.perf_counter() - t0:.0f}s) ==")
        print(res.table.round(2).to_string())
        print(f"target (20% below England's rule): <= {target:.2f}%; default model "
              f"{res.lower_than_naive('default model (out of time)'):.1f}% below; "
              f"hindsight LAD on the default indicators "
              f"{hindsight:.1f}% below")
        summary[origin] = res.table["mape"]
    if len(summary) > 1:
        print("\n== MAPE by origin ==")
        print(pd.DataFrame(summary).round(2).to_string())


if __name__ == "__main__":
    main()
