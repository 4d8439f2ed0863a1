"""The finance backtest's tables and its targets (issue 10, decision 0065).

Run:  .venv/bin/python benchmarks/bench_finance_backtest.py

Prints, for every LA with public data:
- spend: MAPE, median APE, bias and 80% coverage of each rule one to three years ahead (S251
  outturn, origins 2018-19 to 2023-24), and the hindsight bounds (England's *actual* growth; the
  LA's actual placements x England's actual spend per placement);
- balances: every check the three published year-end balances allow, by method;
- income: HNB allocation rules beyond the years announced;
- each target of issue 10, met or not, and the England spend series that explains the bias;
- the wall time. Not a timed test.
"""

from __future__ import annotations

import time

import pandas as pd

from send_analysis.finance import backtest as fb


def _pct_below(value: float, best: float) -> float:
    return (1 - value / best) * 100


def main() -> None:
    pd.set_option("display.width", 220)
    t0 = time.perf_counter()
    data = fb.load_spend_data()
    result = fb.run_finance_backtest(data)
    wall = time.perf_counter() - t0
    sm = result.spend_metrics()
    print(f"== Spend: {result.spend['la_code'].nunique()} LAs, origins "
          f"{', '.join(sorted(result.spend['origin'].unique()))}")
    print(sm.round(2).to_string())
    print("\n== Spend, with hindsight (bounds no LA-level rule should expect to beat)")
    print(fb.hindsight_spend(data).round(2).to_string())
    print("\n== Balances (cumulative at 31 March, £m)")
    print(result.balance_metrics().round(2).to_string())
    print("\n== Income: HNB after deductions beyond the years announced (% error)")
    print(result.income_metrics().round(2).to_string())

    s = data.spend
    eng = s.dropna().sum()
    print("\n== England (LAs with every year): S251 high-needs spend, £bn, and its growth")
    print(pd.DataFrame({"spend_bn": (eng / 1e9).round(2),
                        "growth_pct": (eng.pct_change() * 100).round(1)}).T.to_string())

    print("\n== Targets")
    d = fb.DEFAULT_SPEND_METHOD
    for h in fb.HORIZONS:
        naive = {m: sm.loc[(m, h), "mape"] for m in fb.NAIVE_SPEND}
        best = min(naive, key=naive.get)
        mine = sm.loc[(d, h), "mape"]
        print(f"spend h{h}: default {mine:.2f} vs best naive {best} {naive[best]:.2f} "
              f"({_pct_below(mine, naive[best]):+.1f}% below; target h2 >= 15%); "
              f"bias {sm.loc[(d, h), 'bias']:+.2f}% (target +-2); "
              f"coverage80 {sm.loc[(d, h), 'coverage80']:.1f}% (target 75-85)")
    doc = result.to_dict()["methods"]  # like for like: the same LAs for every method
    print("\n== Balances, like for like: 31 March 2022 from 2020-21, the same LAs for every method")
    print(pd.DataFrame({m: {k: v for k, v in r.items() if k not in ("check", "by_check")}
                        for m, r in doc.items()}).T.round(2).to_string())
    mine, hold = doc[fb.DEFAULT_BALANCE_METHOD], doc["hold_last_balance"]
    print(f"balances 2020-21 -> 2021-22: default median abs error "
          f"{mine['median_abs_error_gbp_m']:.2f} £m vs hold {hold['median_abs_error_gbp_m']:.2f} "
          f"({_pct_below(mine['median_abs_error_gbp_m'], hold['median_abs_error_gbp_m']):.1f}% "
          f"below; target >= 25%); bias {mine['bias_gbp_m']:+.2f} £m (target +-1); coverage80 "
          f"{mine['coverage80']:.1f}% (target 75-85); n = {int(mine['n'])} LAs, one check")
    print(f"\nwall {wall:.1f} s")


if __name__ == "__main__":
    main()
