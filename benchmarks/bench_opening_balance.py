"""The public default opening balance at 31 March 2025: before and after issue 18 (decision 0090).

Run:  PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_opening_balance.py

For Solihull, Birmingham, Kent and BCP, and summed over every LA in the 2023-24 allocations,
prints the estimated cumulative DSG balance at 31 March 2025 (£m, negative = deficit) with its 80%
band, under each rule:

- ``before``: the published 31 March 2022 balance (% file) rolled forward three years, 2024-25 HNB
  = 2023-24 x England's 2020-21..2023-24 growth (the rule before issue 18);
- ``from 2024``: the published 31 March 2024 balance (S251 2023-24) rolled forward one year, the
  2024-25 HNB as before;
- ``after``: from 31 March 2024 and the 2024-25 HNB at the announced national settlement
  (``rules.hnb_settlement``, decision 0091): the public default now.

Beside them, the published balance at 31 March 2024 and the number of years rolled forward.
With ``--headline LA`` it then prints that LA's DSG headline figures as the summary computes them
(the balance at the write-off's base, at the override's end and at the horizon, unmitigated and
mitigated, with their 80% bands; decision 0091). Not a timed test; reads public data only.
"""

from __future__ import annotations

import argparse

import pandas as pd

from send_analysis.finance import current, public
from send_analysis.finance.published_balances import read_dsg_balances_2023_24

LAS = ("334", "330", "886", "839")
LAST = "2024-25"


def estimates(la: str) -> dict:
    dfe, lc, _ = current.support_payments(la)
    out: dict = {"la_code": la}
    rules = {"before": dict(start="2021-22", settlement=None),
             "from 2024": dict(start="latest", settlement=None),
             "after": dict(start="latest", settlement=current.DEFAULT_SETTLEMENT)}
    for name, kw in rules.items():
        e = current.estimated_opening(la, LAST, dfe, lc, **kw)
        out[name] = e["cumulative"] / 1e6
        out[f"{name} band"] = f"{e['p10'] / 1e6:,.1f} to {e['p90'] / 1e6:,.1f}"
        out[f"{name} years"] = e["years_rolled"]
    return out


def headline(la: str, as_of: int = 2025) -> None:
    """The LA's DSG headline figures, £m, as ``compute_headline`` gives them to the summary."""
    from send_analysis.report.figures import figure_text
    from send_analysis.report.headline import compute_headline

    figs, notes = compute_headline(la, as_of, pages={"03_costs_and_dsg.html", "04_scenarios.html"})
    print(f"\nDSG headline figures, LA {la} (negative = deficit; 80% bands)")
    for key in ("dsg_balance_latest", "dsg_balance_writeoff_base", "dsg_balance_override_end",
                "dsg_balance_end_unmitigated", "dsg_balance_end_mitigated"):
        fig = figs.get(key)
        if fig is None:
            print(f"  {key}: not available ({notes.get(key, '')})")
            continue
        print(f"  {key} ({fig.get('date')}): {figure_text(key, fig)}")
        for sub in ("writeoff", "with_writeoff", "accrued_since_base", "mitigated"):
            if fig.get(sub):
                print(f"    {sub}: {figure_text('dsg_balance', fig[sub])}")
        mit = fig.get("mitigated") or {}
        if mit.get("with_writeoff"):
            print(f"    mitigated with_writeoff: {figure_text('dsg_balance', mit['with_writeoff'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--headline", default=None, help="also print this LA's DSG headline")
    args = parser.parse_args()
    pd.set_option("display.width", 250)
    pub = read_dsg_balances_2023_24().set_index("la_code")["balance_gbp"] / 1e6
    hnb = public.read_hnb_allocations()
    codes = sorted(hnb.loc[hnb["financial_year"] == "2023-24", "la_code"])
    rows = [estimates(c) for c in codes]
    frame = pd.DataFrame(rows).set_index("la_code")
    frame["published 31 Mar 2024"] = pub.reindex(frame.index)
    names = dict(zip(hnb["la_code"], hnb["la_name"], strict=False))
    cols = ["published 31 Mar 2024", "before", "before band", "from 2024", "from 2024 band",
            "after", "after band", "after years"]
    show = frame.loc[list(LAS), cols].copy()
    show.insert(0, "LA", [names[c] for c in LAS])
    total = {"LA": f"England, {len(frame)} LAs",
             "published 31 Mar 2024": frame["published 31 Mar 2024"].sum(),
             "before": frame["before"].sum(), "from 2024": frame["from 2024"].sum(),
             "after": frame["after"].sum()}
    show = pd.concat([show, pd.DataFrame([total], index=["ENG"])])
    show["after years"] = [f"{v:.0f}" if pd.notna(v) else "" for v in show["after years"]]
    print("Estimated DSG balance at 31 March 2025, £m (negative = deficit), 80% band")
    print(show.astype(object).where(show.notna(), "").to_string(
        float_format=lambda v: f"{v:,.1f}"))
    print(f"\nLAs starting from 31 March 2024: {(frame['after years'] == 1).sum()}; "
          f"from 31 March 2022: {(frame['after years'] == 3).sum()} "
          f"({', '.join(frame.index[frame['after years'] == 3])})")
    print(f"England (published 31 March 2024, {pub.notna().sum()} LAs in the extract): "
          f"{pub.sum():,.1f}")
    if args.headline:
        headline(args.headline)


if __name__ == "__main__":
    main()
