"""Invest-to-save posts: the arithmetic of a resource proposal and the break-even placement count.

From the ``invest_to_save`` block of an inputs file (``posts: [{name, funding: dsg|council,
category, costs: {"2021-22": 37000, ...}}], reserve_request, ongoing_from_YYYY_YY``):

- :func:`funding_totals` sums the posts by funding source and financial year (Solihull's
  Appendix 1: DSG-funded £67k, £100k, £100k, £100k; council-funded £219k, £398k, £559k, £528k);
- :func:`reserve_check` checks the reserve request (the council-funded costs of the years before
  the on-going year, £1.176m = 219 + 398 + 559) and the on-going figure (£528k from 2024-25);
- :func:`printed_label_check` matches the rows as printed in a report to the computed sums:
  in Solihull's Appendix 1 the row printed "TOTALS" holds the DSG-funded sums and the row printed
  "DSG Funding" holds the council-funded sums (the labels sit one row off);
- :func:`break_even` says how many independent placements a year the DSG-funded posts must avoid
  to pay for themselves at the inputs' unit costs (decision record
  ``docs/decisions/0048-invest-to-save-and-payback.md``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import pandas as pd

from send_analysis.errors import ConfigError
from send_analysis.finance.inputs import Problems, validate_invest_to_save
from send_analysis.finance.years import fy_label, fy_start

#: Appendix 1 of Solihull's Cabinet report (17 June 2021) as printed: label -> £k by year.
#: Transcribed from ``shared/reference/solihull-cabinet-2021-06-17-send-report.txt``; the
#: "Council Funding" label is printed with no figures beside it.
SOLIHULL_2021_PRINTED_ROWS: dict[str, dict[str, float | None]] = {
    "TOTALS": {"2021-22": 67_000, "2022-23": 100_000, "2023-24": 100_000, "2024-25": 100_000},
    "DSG Funding": {"2021-22": 219_000, "2022-23": 398_000, "2023-24": 559_000, "2024-25": 528_000},
    "Council Funding": {"2021-22": None, "2022-23": None, "2023-24": None, "2024-25": None},
}

_ONGOING_RE = re.compile(r"^ongoing_from_(\d{4})_(\d{2})$")


def check_block(block: Mapping, source: str = "<inputs>") -> None:
    """Validate an ``invest_to_save`` block (ConfigError naming ``source`` and the key)."""
    p = Problems(source)
    validate_invest_to_save(p, block)
    p.raise_if_any()


def posts_frame(block: Mapping) -> pd.DataFrame:
    """Long frame: name, funding, category, financial_year, cost (£)."""
    rows = [
        {"name": post["name"], "funding": post["funding"], "category": post.get("category", ""),
         "financial_year": fy, "cost": float(cost)}
        for post in block["posts"] for fy, cost in post["costs"].items()
    ]
    return pd.DataFrame(rows, columns=["name", "funding", "category", "financial_year", "cost"])


def funding_totals(block: Mapping) -> pd.DataFrame:
    """Cost by funding source (rows ``dsg``, ``council``) and financial year (columns), in £."""
    frame = posts_frame(block)
    years = sorted(frame["financial_year"].unique(), key=fy_start)
    table = frame.pivot_table(index="funding", columns="financial_year", values="cost", aggfunc="sum",
                              fill_value=0.0)
    return table.reindex(index=["dsg", "council"], columns=years, fill_value=0.0)


def ongoing_year(block: Mapping) -> str | None:
    """The financial year from which the on-going figure applies (``ongoing_from_2024_25``)."""
    for key in block:
        m = _ONGOING_RE.match(str(key))
        if m:
            return fy_label(int(m.group(1)))
    return None


def reserve_check(block: Mapping) -> dict:
    """Recompute the reserve request and the on-going figure from the posts and compare.

    The reserve covers the council-funded costs of every year before the on-going year (or of
    every year given, without one); the on-going figure is the council-funded cost of that year.
    """
    totals = funding_totals(block)
    council = totals.loc["council"]
    start = ongoing_year(block)
    before = [y for y in totals.columns if start is None or fy_start(y) < fy_start(start)]
    reserve = float(council[before].sum())
    out: dict = {
        "reserve_years": before,
        "reserve_computed": reserve,
        "reserve_stated": block.get("reserve_request"),
        "reserve_matches": None if block.get("reserve_request") is None
        else math.isclose(reserve, float(block["reserve_request"]), abs_tol=0.5),
    }
    if start is not None:
        stated = float(block[next(k for k in block if _ONGOING_RE.match(str(k)))])
        computed = float(council.get(start, 0.0))
        out.update({"ongoing_year": start, "ongoing_computed": computed, "ongoing_stated": stated,
                    "ongoing_matches": math.isclose(computed, stated, abs_tol=0.5)})
    return out


def printed_label_check(block: Mapping, printed: Mapping[str, Mapping[str, float | None]]) -> list[dict]:
    """For each printed row, which computed sum (``dsg``, ``council`` or none) its figures equal.

    Returns one record per printed label: ``printed_label``, ``matches_funding`` (``dsg``,
    ``council`` or ``None`` when the row has no figures or matches neither), ``label_agrees``
    (the label names the funding whose sums it holds).
    """
    totals = funding_totals(block)
    rows = []
    for label, values in printed.items():
        figures = {y: v for y, v in values.items() if v is not None}
        match = None
        if figures:
            for funding in totals.index:
                if all(y in totals.columns and math.isclose(float(totals.loc[funding, y]), float(v), abs_tol=0.5)
                       for y, v in figures.items()):
                    match = funding
                    break
        named = "dsg" if "dsg" in label.lower() else "council" if "council" in label.lower() else None
        rows.append({"printed_label": label, "matches_funding": match,
                     "label_agrees": bool(match is not None and named == match)})
    return rows


def break_even(
    block: Mapping, unit_costs: Mapping, avoided_group: str = "special_indep_nm",
    alternative_group: str | None = "special_state",
) -> pd.DataFrame:
    """Independent placements a year the DSG-funded posts must avoid to pay for themselves.

    For each financial year: the DSG-funded cost of the posts; the saving per placement avoided,
    the ``avoided_group`` unit cost (inflated from the price year) less, for the *net* case, the
    ``alternative_group`` unit cost (the child still needs a place, in a local special school);
    and the break-even count, fractional and rounded up to whole placements, for the net case and
    for the *gross* case (the independent placement avoided with no other cost).
    """
    by_group = unit_costs["by_setting_group"]
    for g in (avoided_group, alternative_group):
        if g is not None and g not in by_group:
            raise ConfigError(f"unit_costs.by_setting_group.{g} is needed for the break-even count")
    dsg = funding_totals(block).loc["dsg"]
    rows = []
    for fy, cost in dsg.items():
        factor = (1.0 + float(unit_costs["inflation"])) ** (fy_start(fy) - fy_start(unit_costs["price_year"]))
        gross = float(by_group[avoided_group]) * factor
        alt = float(by_group[alternative_group]) * factor if alternative_group else 0.0
        net = gross - alt
        rows.append({
            "financial_year": fy,
            "dsg_cost": float(cost),
            "independent_unit_cost": gross,
            "alternative_unit_cost": alt,
            "saving_per_placement_net": net,
            "break_even_net": float(cost) / net if net > 0 else math.inf,
            "break_even_net_whole": math.ceil(float(cost) / net - 1e-9) if net > 0 else None,
            "break_even_gross": float(cost) / gross if gross > 0 else math.inf,
            "break_even_gross_whole": math.ceil(float(cost) / gross - 1e-9) if gross > 0 else None,
        })
    return pd.DataFrame(rows).set_index("financial_year")


def summary(inputs: Mapping, printed: Mapping | None = None) -> dict:
    """Everything the ``invest-to-save`` command prints, JSON-ready (money in £)."""
    block = inputs.get("invest_to_save")
    if not block:
        raise ConfigError("the inputs have no invest_to_save block")
    totals = funding_totals(block)
    out: dict = {
        "la_code": str(inputs.get("la_code", "")),
        "totals": {f: {y: round(float(totals.loc[f, y])) for y in totals.columns} for f in totals.index},
        "reserve": reserve_check(block),
    }
    if printed is None and str(inputs.get("la_code")) == "334" and set(
        SOLIHULL_2021_PRINTED_ROWS["TOTALS"]) <= set(totals.columns):
        printed = SOLIHULL_2021_PRINTED_ROWS
    if printed is not None:
        out["printed_rows"] = printed_label_check(block, printed)
    if "unit_costs" in inputs:
        be = break_even(block, inputs["unit_costs"])
        out["break_even"] = {
            fy: {k: (round(v, 2) if isinstance(v, float) and math.isfinite(v) else v)
                 for k, v in row.items()}
            for fy, row in be.to_dict(orient="index").items()
        }
    return out


def appendix_table(block: Mapping, scale: float = 1_000) -> pd.DataFrame:
    """The posts by financial year (£k by default), each post's funding, and the computed
    DSG-funded and council-funded totals as the last two rows."""
    frame = posts_frame(block)
    years = sorted(frame["financial_year"].unique(), key=fy_start)
    wide = frame.pivot_table(index=["name", "funding"], columns="financial_year", values="cost",
                             aggfunc="sum", sort=False).reindex(columns=years).fillna(0.0)
    totals = funding_totals(block)
    wide.loc[("DSG-funded total", "dsg"), :] = totals.loc["dsg"].to_numpy()
    wide.loc[("Council-funded total", "council"), :] = totals.loc["council"].to_numpy()
    wide.columns.name = None
    return wide / scale


def break_even_for_amount(amount: float, unit_costs: Mapping, years: list[str]) -> pd.DataFrame:
    """Break-even counts for ``amount`` £ a year of DSG-funded posts in each of ``years``
    (for an LA without a resource proposal: "what must each £100k of posts avoid?")."""
    block = {"posts": [{"name": "posts", "funding": "dsg", "costs": {y: float(amount) for y in years}}]}
    return break_even(block, unit_costs)


def describe_break_even(table: pd.DataFrame) -> str:
    """One sentence on the last year of :func:`break_even`'s table, for a page's narrative."""
    fy = table.index[-1]
    row = table.iloc[-1]
    text = f"In {fy}, £{row['dsg_cost']:,.0f} of DSG-funded posts pays for itself if it keeps "
    if math.isfinite(row["break_even_net"]):
        text += (f"**{row['break_even_net']:.2f}** children a year out of independent special schools who "
                 f"then take a state special place ({int(row['break_even_net_whole'])} whole placements), or ")
    else:
        text += ("children out of independent special schools only if they need no other specialist place: "
                 "at these unit costs a state special place costs as much as an independent one, so a "
                 "step-down saves nothing; it needs ")
    if math.isfinite(row["break_even_gross"]):
        text += (f"**{row['break_even_gross']:.2f}** placements avoided outright "
                 f"({int(row['break_even_gross_whole'])}).")
    else:
        text += "placements avoided outright, but the independent unit cost is zero, so none pays for it."
    return text
