"""Public defaults brought up to the latest actuals (decision 0066).

The 2021-22 high-needs outturn gives each LA's *mix* of unit costs; the S251 series gives its
actual high-needs spend to 2024-25. Here:

- **Rebasing** (:func:`reconcile`): 2024-25 financial-year placements by setting group x the
  2021-22 unit costs, plus the 2021-22 other lines, are scaled by one factor so that they
  reproduce the LA's 2024-25 S251 high-needs spend (lines 1.2.x) exactly; the factor and the
  lines before and after are shown on the costs page.
- **Other DSG and place funding** (in :func:`estimated_opening`): the HNB also pays place funding
  within the schools budget (S251 1.0.2), and the DSG balance carries the other blocks; neither is
  in 1.2.x. The gap is measured in the last year with a published in-year change (2021-22):
  in-year change - (HNB after deductions - S251 spend - DfE support received), scaled with the
  HNB after that (the finance backtest's nowcast check, decision 0065).
- **Opening balance** (:func:`estimated_opening`): the LA's latest published 31 March (31 March
  2024 from the S251 2023-24 outturn for 148 LAs; 31 March 2022 for the others) rolled forward
  to 31 March of the last outturn year with actual spend, the HNB allocations (years not
  published are estimated), known support as paid and the gap held in £ (the roll-forward rule
  the finance backtest chooses over its two balance checks, decision 0098); its 80% band from the
  error of the same estimate in the one year that can test it (2021-22, every LA), widened by the
  square root of the years estimated (1 from 31 March 2024; decision 0090).
- **Unit-cost inflation** (:func:`national_cost_growth`): England's growth in high-needs spend per
  financial-year placement in the latest year (chosen by the finance backtest, decision 0065).
- **Income growth** (:func:`england_hnb_growth`): England's compound growth of the HNB after
  deductions over the years published (the income backtest: 2.1% error two years ahead, against
  2.7% for the LA's own growth).
- **Known money flows** (:func:`support_payments`): DfE deficit support from
  ``shared/reference/safety-valve-agreements.csv`` (the project copy is
  ``send_analysis/finance/safety_valve_agreements.csv``), spread evenly over
  :data:`SUPPORT_YEARS` financial years from the signing year: APPROXIMATE.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from send_analysis.data.tables import Tables
from send_analysis.errors import DataError
from send_analysis.finance.inputs import OTHER_DSG_LINE
from send_analysis.finance.rules import DEFAULT_RULES
from send_analysis.finance.successors import SUCCESSOR_OF, balances_indexed, hnb_latest_share
from send_analysis.finance.support import (  # noqa: F401  (the agreements, read here before)
    SUPPORT_FILE,
    SUPPORT_YEARS,
    support_agreements,
    support_table,
)
from send_analysis.finance.years import EARLIER_WEIGHT, LATER_WEIGHT, fy_offset, fy_start

#: The year with the last published in-year change of the DSG balance (March 2021 -> 2022).
GAP_YEAR = "2021-22"
#: The roll-forward rule of the opening estimate: the finance backtest's choice between the gap
#: scaled with the HNB and held in £ over its one- and two-year balance checks (decision 0098,
#: ``backtest.ROLL_FORWARD_CANDIDATES``); True: scaled.
ROLL_FORWARD_SCALED_GAP = False
#: The backtest method that is this roll-forward.
ROLL_FORWARD_METHOD = ("structural_change_actual_spend" if ROLL_FORWARD_SCALED_GAP
                       else "structural_change_flat_gap_actual_spend")


def fy_groups(la_code: str, fy: str, tables: Tables | None = None) -> dict[str, float]:
    """Financial-year placements by setting group: 5/12 of January Y + 7/12 of January Y+1, from
    ``tables`` (default :meth:`Tables.default`). A January whose published total was left out as
    implausible (decision 0075), or not yet published, is the demand forecast's mean from the
    January before, split by that January's mix."""
    from send_analysis.finance.model import actual_groups, flagged_years, known_census_years

    y = fy_start(fy)
    flagged = flagged_years(la_code, tables)
    known = known_census_years(la_code, tables)

    def january(year: int) -> pd.Series:
        # a January not yet published (nor given as the LA's own) is forecast like a flagged one
        if year not in flagged and year in known:
            return actual_groups(la_code, year, tables).set_index("setting_group")["plans"]
        from send_analysis.demand.forecast import forecast

        before = january(year - 1)
        total = float(forecast(la_code, horizon=1, as_of=year - 1, tables=tables).mean.loc[year])
        return before / before.sum() * total

    a, b = january(y), january(y + 1)
    return {g: float(EARLIER_WEIGHT * a[g] + LATER_WEIGHT * b[g]) for g in a.index}


def reconcile(unit_costs: dict[str, float], other: dict[str, dict], placements: dict[str, float],
              outturn: float) -> dict:
    """Scale the 2021-22 unit costs and other lines so that the base year reproduces ``outturn``.

    Returns ``factor``, ``lines`` (a table: line, placements, model before, model after) and the
    rebased ``unit_costs`` and ``other`` amounts. Pure.
    """
    rows = []
    for g, cost in unit_costs.items():
        rows.append({"line": g, "placements": placements.get(g, 0.0),
                     "before": placements.get(g, 0.0) * cost})
    for name, line in other.items():
        rows.append({"line": f"other.{name}", "placements": np.nan, "before": float(line["amount"])})
    table = pd.DataFrame(rows)
    before = float(table["before"].sum())
    if before <= 0:
        raise DataError("the model's base-year spend is zero: cannot rebase to the outturn")
    factor = outturn / before
    table["after"] = table["before"] * factor
    return {"factor": factor, "before": before, "outturn": outturn, "lines": table,
            "unit_costs": {g: round(c * factor, 2) for g, c in unit_costs.items()},
            "other": {n: {**v, "amount": round(float(v["amount"]) * factor, 2)}
                      for n, v in other.items()}}


def _spend(tables: Tables | None = None) -> pd.DataFrame:
    return _spend_of(str(tables.folder) if tables is not None else None)


@lru_cache(maxsize=2)
def _spend_of(folder: str | None) -> pd.DataFrame:
    from send_analysis.finance.outturn import hn_spend_wide

    return hn_spend_wide(Tables.at(folder))


def _plans_total(tables: Tables | None = None) -> pd.DataFrame:
    from send_analysis.demand.panel import default_panel

    return default_panel(tables).plans


def national_cost_growth(last_fy: str | None = None, tables: Tables | None = None) -> dict:
    """England's growth in high-needs spend per financial-year placement, ``last_fy`` - 1 to
    ``last_fy`` (the LAs with outturn in both years; January counts from ``tables``, default
    :meth:`Tables.default`): ``rate`` and the per-placement amounts."""
    s = _spend(tables)
    last_fy = last_fy or str(s.columns.max())
    prev = fy_offset(last_fy, -1)
    plans = _plans_total(tables)
    years = [fy_start(prev), fy_start(last_fy), fy_start(last_fy) + 1]
    # LAs with outturn in both years and every January count needed (a total left out as
    # implausible, decision 0075, leaves its LA out of both sides)
    las = s[[prev, last_fy]].dropna().index.intersection(plans[years].dropna().index)
    per = {}
    for fy in (prev, last_fy):
        y = fy_start(fy)
        placements = EARLIER_WEIGHT * plans.loc[las, y].sum() + LATER_WEIGHT * plans.loc[las, y + 1].sum()
        per[fy] = float(s.loc[las, fy].sum() / placements)
    return {"rate": round(per[last_fy] / per[prev] - 1, 4), "per_placement": per, "n_las": len(las)}


def england_hnb_growth() -> dict:
    """England's compound annual growth of the HNB after deductions over the years published."""
    from send_analysis.finance import public

    h = public.read_hnb_allocations().pivot(index="la_code", columns="financial_year",
                                            values="hnb_after_deductions").dropna()
    first, last = h.columns[0], h.columns[-1]
    n = fy_start(last) - fy_start(first)
    rate = (h[last].sum() / h[first].sum()) ** (1 / n) - 1
    return {"rate": round(float(rate), 4), "first": first, "last": last, "n_las": len(h)}


# ------------------------------------------------------------------------------ support flows


def support_payments(la_code: str) -> tuple[dict[str, float], dict[str, float], str | None]:
    """DfE support and LA contributions by financial year, and a description, or empty when no
    public agreement is listed. DfE payments as published where the payments file lists them
    (paid, planned; nothing in a year they were suspended or withheld), the rest of the
    agreement spread evenly (:func:`send_analysis.finance.support.dfe_profile`, decision 0099);
    LA contributions evenly over SUPPORT_YEARS from the signing year."""
    a = support_agreements()
    mine = a[a["la_code"] == str(la_code)]
    t = support_table()
    t = t[t["la_code"] == str(la_code)]
    dfe: dict[str, float] = {}
    la: dict[str, float] = {}
    for r in t.itertuples():
        if r.dfe or r.how == "suspended":
            dfe[r.financial_year] = dfe.get(r.financial_year, 0.0) + round(r.dfe, 2)
        if r.la:
            la[r.financial_year] = la.get(r.financial_year, 0.0) + round(r.la, 2)
    notes = []
    for r in mine.itertuples():
        notes.append(f"{r.la_name}: DfE £{r.dfe / 1e6:,.1f}m"
                     + (f", LA £{r.la / 1e6:,.1f}m" if r.la else "")
                     + f" from {r.first_fy} ({r.source})")
    text = None
    if notes:
        shown = "; ".join(
            f"{r.financial_year} £{r.dfe / 1e6:,.2f}m "
            + ("SUSPENDED (not received)" if r.how == "suspended" else
               "as published" if r.how == "published" else "APPROXIMATE even spread")
            + (f" ({r.source})" if r.source else "")
            for r in t.itertuples() if r.dfe or r.how == "suspended")
        text = ("APPROXIMATE where not published: " + "; ".join(notes) + ". DfE payments by year: "
                + shown + f". LA contributions spread evenly over {SUPPORT_YEARS} years from the "
                "signing year. Enter the LA's own profile (docs/decisions/0066, 0099)")
    return dfe, la, text


# ------------------------------------------------------------------------- opening balance


def _published(la_code: str) -> dict:
    bal = balances_indexed()
    src = SUCCESSOR_OF.get(la_code, la_code)
    share = float(hnb_latest_share()[la_code]) if src != la_code else 1.0
    prev = fy_offset(GAP_YEAR, -1)
    if (src, GAP_YEAR) not in bal.index:
        raise DataError(f"no DSG balance for LA {src} at 31 March 2022",
                        file="dsg_balances/dsg_deficit_derived.xlsx")
    cur = float(bal.loc[(src, GAP_YEAR), "balance_gbp"]) * share
    before = (float(bal.loc[(src, prev), "balance_gbp"]) * share
              if (src, prev) in bal.index else np.nan)
    return {"cumulative": cur, "in_year": cur - before, "share": share, "source_code": src}


#: England's announced HNB change for years with no published allocation here (decision 0091).
DEFAULT_SETTLEMENT: dict[str, float] = dict(DEFAULT_RULES["hnb_settlement"])


def _hnb_series(la_code: str, through: str, settlement: Mapping[str, float] | None = None
                ) -> tuple[dict[str, float], dict[str, str]]:
    """HNB after deductions by year to ``through``: the LA's own, else its predecessor's x its
    share (Cumbria's successors); unpublished years at the announced national ``settlement``
    rate where it names the year, else grown at England's rate (``settlement=None``: England's
    rate for every year, the rule before decision 0091)."""
    from send_analysis.finance import public
    h = public.read_hnb_allocations()
    wide = h.pivot(index="la_code", columns="financial_year", values="hnb_after_deductions")
    out: dict[str, float] = {}
    how: dict[str, str] = {}
    pred = SUCCESSOR_OF.get(la_code)
    for fy in wide.columns:
        if la_code in wide.index and pd.notna(wide.at[la_code, fy]):
            out[fy], how[fy] = float(wide.at[la_code, fy]), "published"
        elif pred and pred in wide.index and pd.notna(wide.at[pred, fy]):
            share = float(hnb_latest_share()[la_code])
            out[fy] = float(wide.at[pred, fy]) * share
            how[fy] = f"APPROXIMATE: predecessor {pred}'s x {share:.4f}"
    rate = england_hnb_growth()["rate"]
    fy = max(out, key=fy_start)
    while fy_start(fy) < fy_start(through):
        nxt = fy_offset(fy, 1)
        if settlement and nxt in settlement:
            r = float(settlement[nxt])
            how[nxt] = (f"ESTIMATE: {fy} x (1 + {r:.4f}, England's announced {nxt} settlement, "
                        "rules.hnb_settlement)")
        else:
            r = rate
            how[nxt] = f"ESTIMATE: {fy} x (1 + England's HNB growth {rate:.4f})"
        out[nxt] = out[fy] * (1 + r)
        fy = nxt
    return out, how


def _spend_for(la_code: str, fy: str, interpolate: bool = True,
               tables: Tables | None = None) -> float:
    """S251 high-needs spend: the LA's own, else its predecessor's x its share, else (a year
    missing between two published ones: Cumbria's successors in 2023-24) the geometric mean of
    the years either side."""
    spend = _spend(tables)
    if interpolate:
        try:
            return _spend_for(la_code, fy, interpolate=False, tables=tables)
        except DataError:
            before, after = fy_offset(fy, -1), fy_offset(fy, 1)
            if after not in spend.columns:
                raise
            return math.sqrt(_spend_for(la_code, before, False, tables)
                             * _spend_for(la_code, after, False, tables))
    if la_code in spend.index and pd.notna(spend.at[la_code, fy]):
        return float(spend.at[la_code, fy])
    pred = SUCCESSOR_OF.get(la_code)
    if pred and pred in spend.index and pd.notna(spend.at[pred, fy]):
        return float(spend.at[pred, fy]) * float(hnb_latest_share()[la_code])
    raise DataError(f"LA {la_code}: no S251 high-needs spend for {fy}", file="s251_highneeds_derived")


def england_gap_ratio(tables: Tables | None = None) -> float:
    """Median over LAs of the 2021-22 gap (other DSG and place funding) / HNB: the fallback for
    an LA whose gap cannot be measured (no balance at 31 March 2021: reorganised LAs)."""
    return _england_gap_ratio(str(tables.folder) if tables is not None else None)


@lru_cache(maxsize=2)
def _england_gap_ratio(folder: str | None) -> float:
    from send_analysis.finance.backtest import balance_inputs

    b = balance_inputs(Tables.at(folder))
    w = {c: b.pivot(index="la_code", columns="financial_year", values=c)
         for c in ("balance_gbp", "hnb_after_deductions", "hn_spend")}
    prev = fy_offset(GAP_YEAR, -1)
    change = w["balance_gbp"][GAP_YEAR] - w["balance_gbp"][prev]
    gap = change - (w["hnb_after_deductions"][GAP_YEAR] - w["hn_spend"][GAP_YEAR])
    return float((gap / w["hnb_after_deductions"][GAP_YEAR]).dropna().median())


def gap_error_quantiles(tables: Tables | None = None) -> dict:
    """Error of the one-year balance estimate from actual income and spend (2021-22, every LA
    with the data), as a share of the HNB: 10th and 90th percentiles and ``n``. The same for
    every LA: computed once a process and folder of ``tables`` (a fresh dict each call)."""
    return dict(_gap_error_quantiles(str(tables.folder) if tables is not None else None))


@lru_cache(maxsize=2)
def _gap_error_quantiles(folder: str | None = None) -> dict:
    from send_analysis.finance.backtest import balance_forecasts, balance_inputs

    inp = balance_inputs(Tables.at(folder))
    b = balance_forecasts(inp, pd.DataFrame(columns=["origin", "target", "la_code",
                                                     "forecast", "lower80", "upper80"]))
    # the rule used to roll forward, one year ahead (the estimate's band grows as sqrt(years))
    b = b[(b["method"] == ROLL_FORWARD_METHOD) & (b["target"] == GAP_YEAR)]
    rel = (b["actual"] - b["forecast"]) / b["income"]
    return {"p10": float(rel.quantile(0.1)), "p90": float(rel.quantile(0.9)), "n": int(len(rel))}


#: Where the roll-forward may start: ``"latest"`` (the LA's latest exact published 31 March)
#: or ``"2021-22"`` (the published 31 March 2022 for every LA: the rule before issue 18, kept
#: for the before/after comparison in ``benchmarks/bench_opening_balance.py``).
OPENING_STARTS: tuple[str, ...] = ("latest", "2021-22")


def opening_start(la_code: str, start: str = "latest", tables: Tables | None = None) -> dict:
    """The published 31 March the opening balance is rolled forward from.

    ``start="latest"``: the 31 March 2024 balance of the S251 2023-24 outturn
    (``finance.published_balances``, exact pounds) where the LA is in it; otherwise (Cumberland,
    Westmorland and Furness, Buckinghamshire) the 31 March 2022 balance of the % file, as before.
    ``start="2021-22"``: always the 31 March 2022 balance. Returns ``financial_year``,
    ``cumulative``, ``approximate``, ``source`` (file) and ``text`` (for ``sources``)."""
    if start not in OPENING_STARTS:
        raise ValueError(f"start must be one of {OPENING_STARTS}, got {start!r}")
    from send_analysis.finance import public
    from send_analysis.finance.published_balances import (
        BALANCES_2324_FILE,
        BALANCES_2324_YEAR,
        read_dsg_balances_2023_24,
    )

    if start == "latest":
        new = read_dsg_balances_2023_24(tables).set_index("la_code")
        if str(la_code) in new.index:
            v = float(new.at[str(la_code), "balance_gbp"])
            return {"financial_year": BALANCES_2324_YEAR, "cumulative": v, "approximate": False,
                    "source": BALANCES_2324_FILE,
                    "text": (f"the published balance at 31 March {fy_start(BALANCES_2324_YEAR) + 1} "
                             f"(£{v:,.0f}: S251 {BALANCES_2324_YEAR} outturn 'DSG carried "
                             "forward', DfE 'LA and school expenditure' release, as extracted in "
                             f"{BALANCES_2324_FILE})")}
    pub = _published(la_code)
    via = (f" x {pub['share']:.4f} (predecessor {pub['source_code']}'s balance pro rata to the "
           "2023-24 HNB)") if pub["source_code"] != la_code else ""
    return {"financial_year": GAP_YEAR, "cumulative": pub["cumulative"], "approximate": True,
            "source": public.DSG_BALANCES_FILE,
            "text": (f"the published balance at 31 March {fy_start(GAP_YEAR) + 1} "
                     f"(£{pub['cumulative']:,.0f}, APPROXIMATE: % of DSG rounded to 2 dp, "
                     f"{public.DSG_BALANCES_FILE}{via})")}


def estimated_opening(la_code: str, last_fy: str, dfe: dict[str, float],
                      la_contrib: dict[str, float], start: str = "latest",
                      settlement: Mapping[str, float] | None = DEFAULT_SETTLEMENT,
                      tables: Tables | None = None) -> dict:
    """The cumulative DSG balance at 31 March of ``last_fy``, estimated from the LA's latest
    published 31 March (:func:`opening_start`), actual spend and HNB income; with its 80% band
    and the yearly steps.

    The band: the 10th-90th percentiles of the same one-year estimate's error in 2021-22 across
    LAs (actual spend and income, as a share of the HNB; :func:`gap_error_quantiles`), times the
    square root of the years rolled forward (1 from 31 March 2024, 3 from 31 March 2022).
    ``tables``: the processed tables whose LA lookup codes the S251 and balance files (default
    :meth:`Tables.default`)."""
    pub = _published(la_code)
    begin = opening_start(la_code, start, tables)
    hnb, how = _hnb_series(la_code, last_fy, settlement)
    if GAP_YEAR not in hnb:
        raise DataError(f"LA {la_code}: no {GAP_YEAR} HNB allocation", file="dsg_allocations")
    if fy_start(begin["financial_year"]) > fy_start(last_fy):
        raise DataError(f"LA {la_code}: the published balance at 31 March "
                        f"{fy_start(begin['financial_year']) + 1} is after the year asked for "
                        f"({last_fy})", file=begin["source"])
    flows_gap = dfe.get(GAP_YEAR, 0.0) + la_contrib.get(GAP_YEAR, 0.0)
    if math.isnan(pub["in_year"]):
        gap, gap_how = (england_gap_ratio(tables) * hnb[GAP_YEAR],
                        "FALLBACK England median share of HNB")
    else:
        s_gap = _spend_for(pub["source_code"], GAP_YEAR, tables=tables) * pub["share"]
        gap, gap_how = pub["in_year"] - (hnb[GAP_YEAR] - s_gap) - flows_gap, "measured"
    steps = []
    cum = begin["cumulative"]
    fy = begin["financial_year"]
    while fy_start(fy) < fy_start(last_fy):
        fy = fy_offset(fy, 1)
        s = _spend_for(la_code, fy, tables=tables)
        flows = dfe.get(fy, 0.0) + la_contrib.get(fy, 0.0)
        other_dsg = gap * hnb[fy] / hnb[GAP_YEAR] if ROLL_FORWARD_SCALED_GAP else gap
        change = hnb[fy] - s + other_dsg + flows
        cum += change
        steps.append({"financial_year": fy, "hnb": hnb[fy], "hnb_source": how[fy], "spend": s,
                      "other_dsg": other_dsg, "support": flows, "in_year": change, "cumulative": cum})
    if not steps:
        raise DataError(f"LA {la_code}: nothing to roll forward to 31 March "
                        f"{fy_start(last_fy) + 1}: it is published", file=begin["source"])
    q = gap_error_quantiles(tables)
    k = math.sqrt(len(steps))
    scale = hnb[last_fy]
    return {"financial_year": last_fy, "cumulative": round(cum, 2),
            "in_year": round(steps[-1]["in_year"], 2),
            # the projection's gap line follows the projection's rule (scaled with the HNB)
            "other_dsg": gap * hnb[last_fy] / hnb[GAP_YEAR],
            "p10": round(cum + q["p10"] * k * scale, 2),
            "p90": round(cum + q["p90"] * k * scale, 2), "gap": gap, "gap_how": gap_how,
            "steps": pd.DataFrame(steps), "published": pub, "start": begin,
            "years_rolled": len(steps), "error_quantiles": q, "hnb": hnb, "hnb_source": how}


# ------------------------------------------------------------------------- the costs page


def reconciliation_table(inputs: dict, tables: Tables | None = None) -> pd.DataFrame:
    """The base year (``unit_costs.price_year``) as the model costs it, beside the LA's S251
    high-needs outturn for that year: one row per model line (placements x unit cost, other
    lines), the model's total, the outturn (S251 lines 1.2.x) and the difference, which the page
    names when it is more than 1% (decision 0066). The line carrying place funding and the other
    DSG blocks is outside S251 1.2.x and is shown apart. When the base year is the LA's own outturn
    (``outturn`` in the inputs, decision 0087) the table is against that figure
    (``attrs["outturn_whose"]``), line by line when the LA gives its ``lines`` (``outturn``
    column of each line; ``attrs["outturn_by_line"]``, decision 0105)."""
    from send_analysis.data.own_plans import with_own_plans
    from send_analysis.data.taxonomy import GROUP_LABELS
    from send_analysis.finance.model import OTHER_LINE_LABELS

    la = str(inputs["la_code"])
    fy = inputs["unit_costs"]["price_year"]
    groups = fy_groups(la, fy, with_own_plans(tables, inputs))  # the LA's own Januarys, if any
    # the LA's own outturn by line, when given for the base year (decision 0105)
    lines = ((inputs.get("outturn") or {}).get(fy) or {}).get("lines") or {}
    rows = []
    for g, cost in inputs["unit_costs"]["by_setting_group"].items():
        rows.append({"line": f"Placements: {GROUP_LABELS.get(g, g)}", "placements": groups.get(g, 0.0),
                     "unit_cost": float(cost), "model": groups.get(g, 0.0) * float(cost),
                     "outturn": float(lines[g]) if g in lines else np.nan})
    outside = None
    for name, line in (inputs.get("other_expenditure") or {}).items():
        if name == OTHER_DSG_LINE:
            outside = float(line["amount"])
            continue
        rows.append({"line": OTHER_LINE_LABELS.get(name, name.replace("_", " ").capitalize()),
                     "placements": np.nan, "unit_cost": np.nan, "model": float(line["amount"]),
                     "outturn": float(lines[name]) if name in lines else np.nan})
    table = pd.DataFrame(rows)
    total = float(table["model"].sum())
    spend = _spend(tables)
    outturn = float(spend.at[la, fy]) if la in spend.index and fy in spend.columns and pd.notna(
        spend.at[la, fy]) else np.nan
    own = (inputs.get("outturn") or {}).get(fy)  # the LA's own outturn, when it is the base year
    if own is not None:
        outturn = float(own["high_needs_spend"])
    extra = [{"line": "Model total (S251 lines 1.2.x scope)", "model": total, "outturn": outturn},
             {"line": "Difference: outturn - model", "model": np.nan,
              "outturn": outturn - total if np.isfinite(outturn) else np.nan}]
    if outside is not None:
        extra.append({"line": "Place funding in the schools budget and other DSG blocks "
                              "(outside 1.2.x)", "model": outside, "outturn": np.nan})
    out = pd.concat([table, pd.DataFrame(extra)], ignore_index=True)
    out.attrs.update({"financial_year": fy, "outturn": outturn, "model_total": total,
                      "difference_pct": (outturn - total) / outturn * 100 if np.isfinite(outturn)
                      else np.nan, "outturn_whose": "LA's own" if own is not None else "S251",
                      "outturn_by_line": bool(lines)})
    return out
