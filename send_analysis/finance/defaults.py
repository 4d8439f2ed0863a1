"""Public-data defaults for an LA's finance inputs file (``docs/finance_inputs.md``).

:func:`default_inputs` builds, for any LA in the latest ESFA allocations, every key the spend
model needs, with each figure labelled in ``sources`` by file and line; caveats in
``docs/assumptions/finance_data.md``. In short:

- ``unit_costs``: the *mix* from the 2021-22 S251 outturn line(s) / 2021-22 financial-year
  placements, with region / England medians where a ratio cannot be formed (0042), rebased by
  one factor so that 2024-25 placements x unit costs + other lines = the LA's 2024-25 S251
  high-needs outturn (0066); ``unit_costs.inflation`` and ``other_expenditure.*.growth``:
  England's latest-year growth in spend per placement (0065);
- ``other_expenditure``: the 2021-22 S251 lines not driven by plan counts (0044), rebased the
  same way, and the signed line for place funding and the other DSG blocks (0066);
- ``income``: HNB after ESFA deductions as published (0040), the next year and later ones grown
  at England's rate (0065); DfE deficit support and LA contributions from the public
  agreements (0066);
- ``opening_balance``: the LA's latest published balance (31 March 2024 for 148 LAs, else
  31 March 2022) rolled forward to 31 March 2025, an estimate with its 80% band (0066, 0090); ``uncertainty``: the finance backtest's spreads (0067).

:func:`hnb_growth_rates` and :func:`unit_cost_inflation` are the 2021 rules (0041, 0044), kept
for the worked example ``examples/solihull_2021.yaml``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from send_analysis.data.tables import Tables
from send_analysis.errors import DataError
from send_analysis.finance import current, public, rules
from send_analysis.finance.successors import SUCCESSOR_OF, hnb_latest_share
from send_analysis.finance.years import (
    EARLIER_WEIGHT,
    LATER_WEIGHT,
    census_years_for_fy,
    fy_offset,
    fy_start,
)
from send_analysis.report.shared import per_la

GROUPS: tuple[str, ...] = (
    "mainstream", "resourced_unit", "special_state", "special_indep_nm", "ap_pru", "post16",
    "other",
)
PRICE_YEAR = "2021-22"
GROWTH_FIRST, GROWTH_LAST = "2020-21", "2023-24"
INFLATION_FIRST, INFLATION_LAST = "2018-19", "2021-22"
#: A region median needs at least this many LAs with a usable ratio, else England's is used.
MIN_REGION_LAS = 5
#: An LA's own unit cost is used only within these multiples of the England median (0042).
PLAUSIBLE_RANGE: tuple[float, float] = (0.25, 4.0)


HN = public.HN_OUTTURN_FILE

#: Unit-cost rule per setting group: (spend lines, placement lines). ``None`` spend means the
#: group is costed by proxy (see :func:`_unit_cost_rules`).
UNIT_COST_LINES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "mainstream": (("topup_state_primary", "topup_state_secondary", "topup_indep_nm_primary",
                    "topup_indep_nm_secondary"),
                   ("ehcp_mainstream", "ehcp_resourced_unit")),
    "special_state": (("place_funding_special", "topup_state_special"),
                      ("ehcp_special_state",)),
    "special_indep_nm": (("topup_indep_nm_special",), ("ehcp_special_indep_nm",)),
    "post16": (("place_funding_post_school", "topup_state_post_school",
                "topup_indep_nm_post_school"), ("ehcp_post16",)),
    "other": (("place_funding_early_years", "topup_state_early_years",
               "topup_indep_nm_early_years"), ("ehcp_other",)),
}
#: Place funding of resourced provision / units, added per RP placement to the mainstream rate.
RP_PLACE_LINES = ("place_funding_primary", "place_funding_secondary")
AP_SPEND_LINES = ("place_funding_ap_pru", "topup_state_ap_pru", "topup_indep_nm_ap_pru")
OTHER_LINES = ("sen_support_services", "hospital_education", "alternative_provision_services",
               "therapies")


def _col(measure: str, line: str) -> str:
    """Excel column of a line in the outturn workbook (for ``sources``)."""
    return public.hn_column_letter(measure, line)


def _projected(fy: str, base: str) -> bool:
    """A year the default projection always covers: after ``base``, at most the model's minimum
    horizon (5 years) ahead. Payments of longer agreements (Devon's to 2031-32) beyond it are
    left out of the defaults (the model refuses flows after its last year) and named in
    ``sources``."""
    from send_analysis.finance.model import horizon_for

    ahead = fy_start(fy) - fy_start(base)
    return 0 < ahead <= horizon_for({"first_forecast_year": fy_offset(base, 1)}, fy_start(base))


def _fmt(x: float) -> str:
    return f"£{x:,.0f}"


# --------------------------------------------------------------------------------------------
# income


def hnb_growth_rates() -> pd.DataFrame:
    """Per LA: compound annual growth of HNB before deductions over the years it has in
    2020-21..2023-24 (``growth_rate``), ``years`` used and ``fallback`` (England's rate where
    the LA has one year only: 942/943)."""
    h = public.read_hnb_allocations()
    h = h[(h["financial_year"] >= GROWTH_FIRST) & (h["financial_year"] <= GROWTH_LAST)]
    eng = h.groupby("financial_year")["hnb_before_deductions"].sum()
    eng_rate = (eng.iloc[-1] / eng.iloc[0]) ** (1 / (len(eng) - 1)) - 1
    rows = []
    for code, g in h.sort_values("financial_year").groupby("la_code"):
        n = len(g)
        if n >= 2:
            first, last = g.iloc[0], g.iloc[-1]
            rate = (last["hnb_before_deductions"] / first["hnb_before_deductions"]) ** (1 / (n - 1)) - 1
            rows.append({"la_code": code, "growth_rate": rate,
                         "years": f"{first['financial_year']} to {last['financial_year']}",
                         "fallback": False})
        else:
            rows.append({"la_code": code, "growth_rate": eng_rate,
                         "years": f"England {eng.index[0]} to {eng.index[-1]}", "fallback": True})
    out = pd.DataFrame(rows).set_index("la_code")
    out.attrs["england"] = float(eng_rate)
    return out


# --------------------------------------------------------------------------------------------
# unit costs


def _safe_ratio(num: float, den: float) -> float:
    """num / den, NaN unless both are known and den > 0."""
    if pd.isna(num) or pd.isna(den) or den <= 0:
        return float("nan")
    return num / den


def derive_unit_costs(row: pd.Series, placement_factor: float = 1.0) -> dict[str, float]:
    """Unit costs (£ per placement a year, 2021-22) for one LA from its outturn and placements.

    ``row`` holds the outturn lines and ``ehcp_*`` placements of :func:`public.hn_lines_wide`
    (both measures joined); the January placements are multiplied by ``placement_factor`` to
    give financial-year placements (:func:`fy_placement_factors`). Pure; NaN where the ratio
    cannot be formed; a zero ratio (spend not reported in that line although the LA has
    placements there) is NaN too, except for ``other`` (early years, home education, NEET)
    where no HNB spend is plausible. Rules: ``docs/decisions/0042-unit-costs-by-setting-group.md``.
    """
    out: dict[str, float] = {}
    for g, (spend, place) in UNIT_COST_LINES.items():
        num = sum(row[s] for s in spend)  # NaN propagates
        out[g] = _safe_ratio(num, placement_factor * sum(row[p] for p in place))
    out["resourced_unit"] = out["mainstream"] + (
        _safe_ratio(sum(row[s] for s in RP_PLACE_LINES),
                    placement_factor * row["ehcp_resourced_unit"])
    )
    # AP/PRU spend mostly pays for pupils without plans: EHCPs there are costed like state special
    out["ap_pru"] = out["special_state"]
    for g in GROUPS:
        if g != "other" and out[g] == 0:
            out[g] = float("nan")
    return {g: out[g] for g in GROUPS}


@lru_cache(maxsize=1)
def _hn_table() -> pd.DataFrame:
    """Outturn lines and placements side by side, one row per LA."""
    out = public.hn_lines_wide("s251_outturn")
    plc = public.hn_lines_wide("sen2_placements").drop(columns=["la_name", "region"])
    return out.join(plc)


@lru_cache(maxsize=4)
def unit_cost_table(folder: str | None = None) -> pd.DataFrame:
    """Derived unit costs for every LA in the outturn file (NaN where not derivable), plus
    region and England medians used as fallbacks. Columns: the groups; ``region``. ``folder``:
    the processed tables' folder (default :meth:`Tables.default`'s), for the placements."""
    t = _hn_table()
    f = fy_placement_factors(folder).reindex(t.index)
    costs = pd.DataFrame({code: derive_unit_costs(r, _factor(f, code))
                          for code, r in t.iterrows()}).T
    costs["region"] = t["region"]
    return costs


def _factor(factors: pd.DataFrame, code: str) -> float:
    v = factors.at[code, "factor"] if code in factors.index else float("nan")
    return 1.0 if pd.isna(v) else float(v)


@lru_cache(maxsize=4)
def fy_placement_factors(folder: str | None = None) -> pd.DataFrame:
    """Per LA: financial-year 2021-22 placements / January 2021 placements.

    ``factor = 5/12 + 7/12 x plans(Jan 2022) / plans(Jan 2021)`` (the census-to-financial-year
    rule of ``send_analysis.finance.years``, applied to the LA's total and so assuming the
    placement mix is unchanged over the year). Columns ``jan_2021, jan_2022, factor`` (NaN where
    either census is missing: the ratio then uses January 2021 as it is, see 0042). ``folder``:
    the processed tables' folder (default :meth:`Tables.default`'s).
    """
    jan_y, jan_y1 = census_years_for_fy(PRICE_YEAR)
    plans = _plans_by_setting(folder)
    tot = plans[(plans["level"] == "la") & (plans["setting"] == "total")
                & plans["year"].isin([jan_y, jan_y1])]
    wide = tot.pivot_table(index="la_code", columns="year", values="value")
    out = pd.DataFrame({"jan_2021": wide.get(jan_y), "jan_2022": wide.get(jan_y1)})
    out["factor"] = EARLIER_WEIGHT + LATER_WEIGHT * out["jan_2022"] / out["jan_2021"]
    return out


@lru_cache(maxsize=4)
def _plans_by_setting(folder: str | None = None) -> pd.DataFrame:
    from send_analysis.data.tables import Tables

    try:
        return Tables.at(folder).get("plans_by_setting")  # shared: read, never modified
    except FileNotFoundError as exc:  # the tidy tables are built by `send-analysis data build`
        raise DataError(f"the tidy table plans_by_setting is needed: {exc}",
                        file="plans_by_setting",
                        expected="run `send-analysis data build` first") from exc


def _implausible(costs: pd.DataFrame, group: str, value: float) -> str | None:
    """Why an LA's own unit cost is not used, or None. Outside PLAUSIBLE_RANGE x the England
    median means spend booked under another line (or a handful of placements): not a rate.
    ``other`` is exempt (no HNB spend is plausible for home education or NEET)."""
    if group == "other":
        return None
    med = float(costs[group].median())
    lo, hi = PLAUSIBLE_RANGE
    if lo * med <= value <= hi * med:
        return None
    return f"own ratio {_fmt(value)} is outside {lo}-{hi} x the England median {_fmt(med)}"


def _median_fallback(costs: pd.DataFrame, group: str, region: str | None) -> tuple[float, str]:
    """Region median of a group's unit cost (at least MIN_REGION_LAS LAs), else England's."""
    vals = costs[group].dropna()
    if region is not None:
        reg = costs.loc[costs["region"] == region, group].dropna()
        if len(reg) >= MIN_REGION_LAS:
            return float(reg.median()), f"median of {len(reg)} {region} LAs"
    return float(vals.median()), f"median of {len(vals)} English LAs"


def england_unit_costs(tables: Tables | None = None) -> dict[str, float]:
    """England's median unit cost of each setting group (the LAs whose own cost is derivable),
    at :data:`PRICE_YEAR` prices: the stand-in where an LA has no public finance figures."""
    costs = unit_cost_table(str((tables if tables is not None else Tables.default()).folder))
    return {g: round(_median_fallback(costs, g, None)[0], 2) for g in GROUPS}


def _unit_costs_for(la_code: str, folder: str | None = None
                    ) -> tuple[dict[str, float], dict[str, str]]:
    costs = unit_cost_table(folder)
    t = _hn_table()
    src_code = SUCCESSOR_OF.get(la_code, la_code)
    if src_code not in costs.index:
        raise DataError(f"LA {la_code} is not in the 2021-22 high needs outturn", file=HN)
    region = costs.at[src_code, "region"]
    row = t.loc[src_code]
    values: dict[str, float] = {}
    sources: dict[str, str] = {}
    via = (f" (figures of predecessor {src_code} {row['la_name']}: {la_code} did not exist in "
           "2021-22)") if src_code != la_code else ""
    for g in GROUPS:
        v = float(costs.at[src_code, g])
        key = f"unit_costs.by_setting_group.{g}"
        rule = _rule_text(g, row, _factor_text(src_code, folder))
        why = "own ratio not derivable" if np.isnan(v) else _implausible(costs, g, v)
        if why:
            v, how = _median_fallback(costs, g, region)
            sources[key] = (f"FALLBACK {how} ({_fmt(v)}): {why} [{rule}]; "
                            f"{HN}, 2021-22 outturn{via}; docs/decisions/0042")
        else:
            sources[key] = f"{HN}, 2021-22 outturn: {rule} = {_fmt(v)}{via}; docs/decisions/0042"
        values[g] = round(v, 2)
    return values, sources


def _factor_text(code: str, folder: str | None = None) -> str:
    """How January 2021 placements become 2021-22 financial-year placements, for ``sources``."""
    f = fy_placement_factors(folder)
    if code in f.index and pd.notna(f.at[code, "factor"]):
        r = f.loc[code]
        return (f" x {r['factor']:.4f} (financial-year placements: 5/12 + 7/12 x "
                f"{r['jan_2022']:,.0f} / {r['jan_2021']:,.0f} plans, Jan 2022 / Jan 2021)")
    return " (January 2021 placements as they are: no January 2022 count)"


def _rule_text(group: str, row: pd.Series, factor: str = "") -> str:
    """Human-readable derivation of one group's unit cost with the LA's figures."""
    def terms(lines: tuple[str, ...], measure: str) -> str:
        return " + ".join(f"{ln} (col {_col(measure, ln)}) {row[ln]:,.0f}"
                          if pd.notna(row[ln]) else f"{ln} (col {_col(measure, ln)}) blank"
                          for ln in lines)

    if group == "ap_pru":
        return "proxy: the special_state unit cost (AP/PRU spend is mostly for pupils without plans)"
    if group == "resourced_unit":
        spend, place = UNIT_COST_LINES["mainstream"]
        return (f"mainstream rate [({terms(spend, 's251_outturn')}) / "
                f"({terms(place, 'sen2_placements')}){factor}]"
                f" + ({terms(RP_PLACE_LINES, 's251_outturn')}) / "
                f"({terms(('ehcp_resourced_unit',), 'sen2_placements')}){factor}")
    spend, place = UNIT_COST_LINES[group]
    return (f"({terms(spend, 's251_outturn')}) / ({terms(place, 'sen2_placements')}, "
            f"Jan 2021){factor}")


# --------------------------------------------------------------------------------------------
# inflation and other expenditure


@lru_cache(maxsize=4)
def unit_cost_inflation(folder: str | None = None) -> dict[str, Any]:
    """England's compound annual growth of specialist top-up spend per specialist placement.

    Spend: :func:`public.read_specialist_topups` (state + independent/NM top-ups, special
    schools and AP), LA rows summed. Placements: SEN2 plans in special schools (all four kinds)
    and AP/PRU, England, turned into financial-year averages (5/12 January Y + 7/12 January
    Y+1, ``send_analysis.finance.years``). Returns ``rate``, the per-placement amounts and the
    years; rule in ``docs/decisions/0044``. ``folder``: the processed tables' folder.
    """
    spend = public.read_specialist_topups()
    spend = spend[spend["sector"] == "total"].groupby("financial_year")["spend"].sum()
    plans = _plans_by_setting(folder)
    eng = plans[(plans["level"] == "national") & plans["setting"].isin(
        ["special_la_maintained", "special_academy_free", "special_independent",
         "special_non_maintained", "ap_pru"])]
    by_year = eng.groupby("year")["value"].sum()
    per = {}
    for fy in (INFLATION_FIRST, INFLATION_LAST):
        jan_y, jan_y1 = census_years_for_fy(fy)
        placements = EARLIER_WEIGHT * by_year[jan_y] + LATER_WEIGHT * by_year[jan_y1]
        per[fy] = float(spend[fy] / placements)
    n = fy_start(INFLATION_LAST) - fy_start(INFLATION_FIRST)
    rate = (per[INFLATION_LAST] / per[INFLATION_FIRST]) ** (1 / n) - 1
    return {"rate": round(rate, 4), "per_placement": per}




def _other_expenditure_for(la_code: str, growth: float, folder: str | None = None
                           ) -> tuple[dict, dict[str, str]]:
    t = _hn_table()
    src_code = SUCCESSOR_OF.get(la_code, la_code)
    row = t.loc[src_code]
    share = float(hnb_latest_share()[la_code]) if src_code != la_code else 1.0
    via = (f" x {share:.4f} ({la_code}'s share of {src_code}'s successors' 2023-24 HNB)"
           if src_code != la_code else "")
    lines: dict[str, dict[str, float]] = {}
    sources: dict[str, str] = {}
    costs = unit_cost_table(folder)
    for ln in OTHER_LINES:
        v = row[ln]
        key = f"other_expenditure.{ln}"
        if pd.isna(v):
            vals = t[ln].dropna()
            v = float(vals.median())
            sources[key] = (f"FALLBACK median of {len(vals)} English LAs ({_fmt(v)}): line blank "
                            f"in {HN} (col {_col('s251_outturn', ln)}); docs/decisions/0044")
        elif v < 0:
            sources[key] = (f"ADJUSTED to £0: {HN}, 2021-22 S251 outturn "
                            f"{public.S251_LINE_LABELS[ln]} (col {_col('s251_outturn', ln)}) is "
                            f"{_fmt(v)} (income above spend); a cost line cannot be negative")
            v = 0.0
        else:
            sources[key] = (f"{HN}, 2021-22 S251 outturn {public.S251_LINE_LABELS[ln]} "
                            f"(col {_col('s251_outturn', ln)}) {_fmt(v)}{via}")
        lines[ln] = {"amount": round(float(v) * share, 2), "growth": growth}
    # AP/PRU place funding and top-ups, less the EHCPs there costed at the ap_pru unit cost
    ap = sum(row[s] for s in AP_SPEND_LINES)
    ehcp_ap = row["ehcp_hospital_ap"]
    ap_unit = costs.at[src_code, "ap_pru"]
    if pd.isna(ap_unit):
        ap_unit, _ = _median_fallback(costs, "ap_pru", costs.at[src_code, "region"])
    if pd.isna(ap):
        ap = float(sum(t[s] for s in AP_SPEND_LINES).dropna().median())
        note = f"FALLBACK England median AP/PRU place + top-up spend {_fmt(ap)}"
    else:
        note = " + ".join(f"{s} (col {_col('s251_outturn', s)}) {row[s]:,.0f}"
                          for s in AP_SPEND_LINES)
    fy_ap = 0.0 if pd.isna(ehcp_ap) else float(ehcp_ap) * _factor(fy_placement_factors(folder),
                                                                   src_code)
    in_plans = fy_ap * float(ap_unit)
    amount = max(0.0, float(ap) - in_plans)
    lines["ap_pru_places_topups"] = {"amount": round(amount * share, 2), "growth": growth}
    sources["other_expenditure.ap_pru_places_topups"] = (
        f"{HN}, 2021-22 outturn AP/PRU place funding and top-ups ({note}) less EHCPs in "
        f"hospital/AP {fy_ap:,.2f} (financial-year placements) x ap_pru unit cost "
        f"{_fmt(ap_unit)} (counted in the placement costs){via}; docs/decisions/0044")
    sources["other_expenditure"] = (f"growth {growth:.4f} a year: unit-cost inflation rule, "
                                    "docs/decisions/0044")
    return lines, sources


# --------------------------------------------------------------------------------------------
# opening balance




# --------------------------------------------------------------------------------------------
# the inputs mapping


def _la_names() -> dict[str, str]:
    h = public.read_hnb_allocations().sort_values("financial_year")
    return dict(zip(h["la_code"], h["la_name"], strict=False))


def _inputs_key(la_code: str, tables: Tables | None = None) -> tuple | None:
    """What an LA's default inputs depend on besides the data release: the LA and the tables'
    folder (none for given frames: those inputs are not kept)."""
    if tables is not None and tables.given_frames:
        return None
    return (str(la_code).strip(), str((tables or Tables.default()).folder))


@per_la("default_inputs", _inputs_key)  # pages 03, 04, 05, the summary and the cohort costs
def default_inputs(la_code: str, tables: Tables | None = None) -> dict:
    """Finance inputs for ``la_code`` from public data, in the schema of docs/finance_inputs.md;
    ``tables``: the processed tables for its placements (default :meth:`Tables.default`).

    Raises :class:`DataError` for an LA not in the 2023-24 HNB allocations. Every figure has a
    ``sources`` entry naming the file and line; entries starting ``FALLBACK`` or
    ``APPROXIMATE`` say where a median or an approximation stands in for the LA's own figure.
    """
    la_code = str(la_code).strip()
    hnb = public.read_hnb_allocations()
    mine = hnb[hnb["la_code"] == la_code].sort_values("financial_year")
    if mine.empty or mine["financial_year"].max() != GROWTH_LAST:
        raise DataError(f"LA code {la_code!r} is not in the {GROWTH_LAST} HNB allocations",
                        file=public.HNB_FILES[GROWTH_LAST],
                        expected="a current LA in the ESFA DSG allocation files (they leave "
                                 "out City of London and the Isles of Scilly; for those give "
                                 "the LA's own figures in an inputs file, docs/finance_inputs.md)")
    from send_analysis.finance.outturn import hn_spend_wide

    tables = tables if tables is not None else Tables.default()
    folder = str(tables.folder)
    infl = unit_cost_inflation(folder)
    unit21, unit_src = _unit_costs_for(la_code, folder)
    other21, other_src = _other_expenditure_for(la_code, infl["rate"], folder)
    spend = hn_spend_wide(tables)
    base = str(spend.columns.max())
    if la_code not in spend.index or pd.isna(spend.at[la_code, base]):
        raise DataError(f"LA {la_code} has no {base} S251 high-needs spend",
                        file="s251_highneeds_derived",
                        expected="an LA in the S251 outturn; give the LA's own figures in an "
                                 "inputs file (docs/finance_inputs.md)")
    rec = current.reconcile(unit21, other21, current.fy_groups(la_code, base, tables),
                            float(spend.at[la_code, base]))
    cost = current.national_cost_growth(base, tables)
    hnb_rate = current.england_hnb_growth()
    dfe, la_contrib, support_text = current.support_payments(la_code)
    beyond = sorted(fy for fy in {*dfe, *la_contrib} if fy_start(fy) > fy_start(base)
                    and not _projected(fy, base))
    if support_text and beyond:
        support_text += (f"; {', '.join(beyond)}: after the default projection's last year, "
                         "not included")
    opening = current.estimated_opening(la_code, base, dfe, la_contrib, tables=tables)
    hnb, hnb_how = opening["hnb"], opening["hnb_source"]
    first = fy_offset(base, 1)
    rebase = (f" x {rec['factor']:.4f} (rebased so that {base} placements x unit costs + other "
              f"lines = the {base} S251 high-needs outturn {_fmt(rec['outturn'])}; decision 0066)")
    unit_src = {k: v + rebase for k, v in unit_src.items()}
    other_src = {k: (v + rebase if k != "other_expenditure" else
                     f"growth {cost['rate']:.4f} a year: unit-cost inflation rule, decision 0065")
                 for k, v in other_src.items()}
    other = {n: {**v, "growth": cost["rate"]} for n, v in rec["other"].items()}
    other[current.OTHER_DSG_LINE] = {"amount": round(-opening["other_dsg"], 2),
                                     "growth": hnb_rate["rate"]}
    pub = opening["published"]
    sources = {
        "income.hnb_allocation": (
            "ESFA DSG allocations, High Needs Block after deductions for ESFA-funded places "
            "(Allocations_summary 'High needs block allocation (£s)'): "
            + "; ".join(f"{r.financial_year} {r.source}" for r in mine.itertuples())
            + "".join(f"; {fy} {how}" for fy, how in hnb_how.items() if how != "published")
            + "; docs/decisions/0040, 0066"),
        "income.growth_rate": (
            f"England's compound annual growth of the HNB after deductions, {hnb_rate['first']} "
            f"to {hnb_rate['last']} = {hnb_rate['rate']:.4f} (chosen over the LA's own growth by "
            "the income backtest, decision 0065); replace with the LA's own settlement"),
        "income.block_transfers": "none in public data: enter the LA's agreed transfers",
        "income.support": support_text or (
            "none listed in the public agreements file (send_analysis/finance/"
            "safety_valve_agreements.csv; the list is incomplete): enter the LA's own"),
        "income.la_contributions": support_text or "none in public data: enter the LA's own",
        "unit_costs.inflation": (
            f"England's growth in S251 high-needs spend per financial-year placement, "
            f"{fy_offset(base, -1)} {_fmt(cost['per_placement'][fy_offset(base, -1)])} to {base} "
            f"{_fmt(cost['per_placement'][base])} ({cost['n_las']} LAs); decision 0065"),
        "unit_costs.price_year": f"{base}: unit costs rebased to the {base} S251 outturn",
        f"other_expenditure.{current.OTHER_DSG_LINE}": (
            ("" if opening["gap_how"] == "measured" else opening["gap_how"] + " (no balance at "
             "31 March 2021) instead of: ")
            + f"DERIVED: place funding within the schools budget (S251 1.0.2) and the other DSG "
            f"blocks' net position, measured in {current.GAP_YEAR} as the in-year change of the "
            f"DSG balance {_fmt(pub['in_year'])} less (HNB after deductions "
            f"{_fmt(hnb[current.GAP_YEAR])} - S251 high-needs spend - support received), "
            f"{_fmt(opening['gap'])}, scaled with the HNB to {base} and grown with it after; "
            "decision 0066"),
        "opening_balance.cumulative": (
            f"ESTIMATE (80% band {_fmt(opening['p10'])} to {_fmt(opening['p90'])}, "
            f"{opening['years_rolled']} year{'s' if opening['years_rolled'] != 1 else ''} rolled "
            f"forward): {opening['start']['text']} rolled forward to 31 March "
            f"{fy_start(base) + 1} with each year's HNB income, S251 high-needs spend, support and "
            "the other-DSG line; replace with the LA's own balance at the latest 31 March; "
            "decisions 0066, 0090"),
        "opening_balance.in_year": f"ESTIMATE: the {base} step of the roll-forward; decision 0066",
        "uncertainty": ("finance backtest: percentiles of the log errors of the default spend rule "
                        "(every LA, origins 2018-19 to 2023-24) and of England's HNB growth rule; "
                        "decision 0067"),
        **unit_src, **other_src,
    }
    return {
        "la_code": la_code,
        "la_name": _la_names()[la_code],
        "first_forecast_year": first,
        "income": {
            "hnb_allocation": {fy: round(v, 2) for fy, v in sorted(hnb.items())},
            "growth_rate": hnb_rate["rate"],
            "block_transfers": {},
            # earlier years are in the estimated opening balance (the roll-forward)
            "support": {fy: v for fy, v in sorted(dfe.items()) if _projected(fy, base)},
            "la_contributions": {fy: v for fy, v in sorted(la_contrib.items())
                                 if _projected(fy, base)},
        },
        "opening_balance": {"financial_year": base, "cumulative": opening["cumulative"],
                            "in_year": opening["in_year"], "p10": opening["p10"],
                            "p90": opening["p90"]},
        "unit_costs": {"price_year": base, "inflation": cost["rate"],
                       "by_setting_group": rec["unit_costs"]},
        "other_expenditure": other,
        "uncertainty": {**spend_uncertainty(tables), **income_uncertainty()},
        "mitigations": [],
        "rules": rules.default_rules(),
        "sources": {**sources, **rules.RULE_SOURCES},
    }


@lru_cache(maxsize=1)
def income_uncertainty() -> dict:
    """The spread of HNB income in years not yet announced: 10th/50th/90th percentiles of the log
    errors of England's growth rule one and two years beyond the last allocation (the income
    backtest, every LA), decision 0067."""
    from send_analysis.finance.backtest import income_forecasts

    inc = income_forecasts()
    inc = inc[inc["method"] == "england_growth"]
    err = np.log(inc["actual"] / inc["forecast"])
    q = err.groupby(inc["h"]).quantile([0.1, 0.5, 0.9]).unstack()
    return {"income_log_error": {int(h): {"p10": round(float(r[0.1]), 4),
                                          "p50": round(float(r[0.5]), 4),
                                          "p90": round(float(r[0.9]), 4)}
                                 for h, r in q.iterrows()}}


def spend_uncertainty(tables: Tables | None = None) -> dict:
    """The spread of projected spend by years ahead: 10th/50th/90th percentiles of the log errors
    of the default spend rule in the finance backtest (every LA and origin; SEN2 from ``tables``,
    default :meth:`Tables.default`), decision 0067. A fresh dict each call."""
    import copy

    return copy.deepcopy(_spend_uncertainty(
        str((tables if tables is not None else Tables.default()).folder)))


@lru_cache(maxsize=2)
def _spend_uncertainty(folder: str) -> dict:
    from send_analysis.finance.backtest import cached_spend_error_quantiles

    q = cached_spend_error_quantiles(Tables.at(folder))
    return {"spend_log_error": {int(h): {k: round(float(v), 4) for k, v in r.items()}
                                for h, r in q.iterrows()}}


def default_inputs_all() -> pd.DataFrame:
    """One row per LA in the 2023-24 allocations: the main defaults and fallback counts."""
    hnb = public.read_hnb_allocations()
    rows = []
    for code in sorted(hnb.loc[hnb["financial_year"] == GROWTH_LAST, "la_code"]):
        d = default_inputs(code)
        row: dict[str, Any] = {
            "la_code": code, "la_name": d["la_name"],
            "hnb_2023_24": d["income"]["hnb_allocation"][GROWTH_LAST],
            "growth_rate": d["income"]["growth_rate"],
            "opening_cumulative": d["opening_balance"]["cumulative"],
            "opening_in_year": d["opening_balance"].get("in_year", np.nan),
        }
        row.update({f"unit_{g}": c for g, c in d["unit_costs"]["by_setting_group"].items()})
        row["other_expenditure"] = sum(v["amount"] for v in d["other_expenditure"].values())
        row["n_fallbacks"] = sum(str(s).startswith("FALLBACK") for s in d["sources"].values())
        rows.append(row)
    return pd.DataFrame(rows)
