"""The finance backtest's tables and its targets (issues 10 and 20; decisions 0065, 0098-0100).

Run:  .venv/bin/python benchmarks/bench_finance_backtest.py

Prints, for every LA with public data:
- spend: MAPE, median APE, bias and 80% coverage of each rule one to three years ahead (S251
  outturn, origins 2018-19 to 2023-24), and the hindsight bounds (England's *actual* growth; the
  LA's actual placements x England's actual spend per placement);
- balances: every check the published year-end balances allow, by method; like for like at the
  one-year (31 March 2022) and two-year (31 March 2024) checks; the default chosen over both;
  the LAs with 2021-22 agreements with support as paid and spread evenly;
- setting groups: each share rule's error by group, the chosen rules, and the mix-aware spend
  rules against ``placements_national_cost`` (with the hindsight of the actual shares);
- income: HNB allocation rules beyond the years announced;
- each target of issue 10, met or not, and the England spend series that explains the bias;
- the wall time. Not a timed test.
"""

from __future__ import annotations

import time

import pandas as pd

from send_analysis.finance import backtest as fb
from send_analysis.finance import current, mix
from send_analysis.finance.defaults import england_unit_costs

#: The LAs whose agreements were signed in 2021-22, named in issue 20.
AGREEMENTS_2021_22 = {"936": "Surrey", "838": "Dorset", "382": "Kirklees", "315": "Merton",
                      "803": "South Gloucestershire", "372": "Rotherham", "355": "Salford",
                      "816": "York"}


def _pct_below(value: float, best: float) -> float:
    return (1 - value / best) * 100


def main() -> None:
    pd.set_option("display.width", 220)
    t0 = time.perf_counter()
    data = fb.load_spend_data()
    result = fb.run_finance_backtest(data, mix_weights=england_unit_costs())
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
    print(pd.DataFrame({m: {k: v for k, v in r.items()
                            if k not in ("check", "by_check", "like_for_like")}
                        for m, r in doc.items()}).T.round(2).to_string())
    mine, hold = doc[fb.DEFAULT_BALANCE_METHOD], doc["hold_last_balance"]
    print(f"balances 2020-21 -> 2021-22: default median abs error "
          f"{mine['median_abs_error_gbp_m']:.2f} £m vs hold {hold['median_abs_error_gbp_m']:.2f} "
          f"({_pct_below(mine['median_abs_error_gbp_m'], hold['median_abs_error_gbp_m']):.1f}% "
          f"below; target >= 25%); bias {mine['bias_gbp_m']:+.2f} £m (target +-1); coverage80 "
          f"{mine['coverage80']:.1f}% (target 75-85); n = {int(mine['n'])} LAs, one check")
    balance_targets(result)
    setting_mix(result, sm)
    print(f"\nwall {wall:.1f} s")


def balance_targets(result: fb.FinanceBacktestResult) -> None:
    """Issue 20's balance targets at every check, the default's choice, the roll-forward and
    the 2021-22 agreements with support as paid against the even spread."""
    b = result.balances
    d = fb.DEFAULT_BALANCE_METHOD
    for check in fb.BALANCE_CHECKS:
        lf = fb.like_for_like(b, check)
        print(f"\n== Balances at 31 March {int(check[1][:4]) + 1} from {check[0]}, like for like "
              f"({int(lf.at[d, 'n'])} LAs), £m")
        print(lf.round(2).to_string())
        mine = lf.at[d, "median_abs_error_gbp_m"]
        hold = lf.at["hold_last_balance", "median_abs_error_gbp_m"]
        naive = {m: lf.at[m, "median_abs_error_gbp_m"] for m in fb.NAIVE_BALANCE if m in lf.index}
        best = min(naive, key=naive.get)
        print(f"target: default {mine:.2f} vs hold {hold:.2f} ({_pct_below(mine, hold):.1f}% "
              f"below; >= 25%); vs best naive {best} {naive[best]:.2f} "
              f"({-_pct_below(mine, naive[best]):+.1f}% above; <= 10%); coverage80 "
              f"{lf.at[d, 'coverage80']:.1f}% (70-90); bias {lf.at[d, 'bias_gbp_m']:+.2f} (+-1)")
        ra = lf.at[current.ROLL_FORWARD_METHOD, "median_abs_error_gbp_m"]
        print(f"roll-forward with actual spend ({current.ROLL_FORWARD_METHOD}): median miss "
              f"{ra:.2f} £m (target at 31 March 2024 <= 2.5)")
    for name, cands in (("default", fb.BALANCE_CANDIDATES),
                        ("roll-forward", fb.ROLL_FORWARD_CANDIDATES)):
        ch = fb.choose_balance_default(b, cands)
        print(f"\n{name} chosen over both checks: {ch['chosen']} ({ch['rule']}); mean of the "
              "medians, % of HNB: " + ", ".join(f"{m} {ch['scores'][m]:.2f}" for m in cands))
    at = b[(b["target"] == "2023-24") & b["la_code"].isin(AGREEMENTS_2021_22)]
    at = at.assign(err=(at["forecast"] - at["actual"]) / 1e6,
                   la=at["la_code"].map(AGREEMENTS_2021_22))
    table = at.pivot_table(index="la", columns="method", values="err")
    cols = ["structural_change_actual_spend_even_support", "structural_change_actual_spend",
            "structural_change_flat_gap_actual_spend", "structural_change"]
    print("\n== The 2021-22 agreements at 31 March 2024 (forecast - published, £m): support "
          "spread evenly vs as paid")
    print(table[cols].round(2).to_string())
    print("median absolute error: " + ", ".join(f"{c} {table[c].abs().median():.2f}" for c in cols))


def setting_mix(result: fb.FinanceBacktestResult, sm: pd.DataFrame) -> None:
    """Issue 20's setting-mix tables and targets."""
    if result.shares is None:
        return
    m = mix.share_metrics(result.shares)
    print("\n== Setting groups: each share rule's placements (actual total x forecast shares), "
          "MAPE % (bias %), origins January 2016-2024")
    print(m.round(2).unstack("h").to_string())
    print("chosen: " + ", ".join(f"{g} {r}" for g, r in (result.share_rules or {}).items()))
    print("split error weighted by England's unit costs, %:")
    print(mix.split_error(result.shares, england_unit_costs()).round(2).to_string())
    for g in ("special_indep_nm", "special_state"):
        rule = (result.share_rules or {}).get(g, mix.NAIVE_SHARE)
        for h in (1, 3):
            a, b = m.loc[(g, rule, h), "mape"], m.loc[(g, mix.NAIVE_SHARE, h), "mape"]
            print(f"target {g} h{h}: default {rule} {a:.2f} vs hold_shares {b:.2f} "
                  f"({'beats' if a < b else 'does not beat'})")
    print("\n== Spend: mix-aware rules against placements_national_cost, MAPE % (bias %)")
    rows = ["placements_national_cost", "placements_mix_national_cost",
            "placements_mix_hold_national_cost", "hindsight_mix_actual_shares", *fb.NAIVE_SPEND]
    print(pd.DataFrame({f"h{h}": [f"{sm.loc[(r, h), 'mape']:.2f} ({sm.loc[(r, h), 'bias']:+.1f})"
                                  for r in rows] for h in fb.HORIZONS}, index=rows).to_string())
    for h in fb.HORIZONS:
        mixed, base = (sm.loc[("placements_mix_national_cost", h), "mape"],
                       sm.loc[(fb.DEFAULT_SPEND_METHOD, h), "mape"])
        print(f"h{h}: mix rule {mixed:.2f} vs placements_national_cost {base:.2f} "
              f"({'beats' if mixed < base else 'does not beat'})")
    h2 = {r: sm.loc[(r, 2), "mape"] for r in rows}
    explained = ((h2["placements_mix_hold_national_cost"] - h2["hindsight_mix_actual_shares"])
                 / h2["placements_mix_hold_national_cost"] * 100)
    print(f"stretch (2 years < 8.5%): default {h2[fb.DEFAULT_SPEND_METHOD]:.2f}, mix rule "
          f"{h2['placements_mix_national_cost']:.2f}, held-share mix rule "
          f"{h2['placements_mix_hold_national_cost']:.2f}; share of the held-share rule's "
          f"2-year error removed by knowing each LA's actual shares: {explained:+.1f}%")


if __name__ == "__main__":
    main()
