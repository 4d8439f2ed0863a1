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
Not a timed test; reads public data only.
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


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
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
    show["after years"] = show["after years"].astype(int)
    show.insert(0, "LA", [names[c] for c in LAS])
    total = {"LA": f"England, {len(frame)} LAs",
             "published 31 Mar 2024": frame["published 31 Mar 2024"].sum(),
             "before": frame["before"].sum(), "from 2024": frame["from 2024"].sum(),
             "after": frame["after"].sum()}
    show = pd.concat([show, pd.DataFrame([total], index=["ENG"])])
    print("Estimated DSG balance at 31 March 2025, £m (negative = deficit), 80% band")
    print(show.astype(object).where(show.notna(), "").to_string(
        float_format=lambda v: f"{v:,.1f}"))
    print(f"\nLAs starting from 31 March 2024: {(frame['after years'] == 1).sum()}; "
          f"from 31 March 2022: {(frame['after years'] == 3).sum()} "
          f"({', '.join(frame.index[frame['after years'] == 3])})")
    print(f"England (published 31 March 2024, {pub.notna().sum()} LAs in the extract): "
          f"{pub.sum():,.1f}")


if __name__ == "__main__":
    main()
