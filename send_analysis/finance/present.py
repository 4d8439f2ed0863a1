"""Sentences and tables of the finance pages (``notebooks/03``-``05``), in plain words.

The figures the pack summary quotes come from :func:`send_analysis.report.headline.dsg_figures`
and are marked with :func:`send_analysis.report.headline.mark`, so the summary and the page agree.
Money is written one way throughout: :func:`send_analysis.report.money_m` (``−£1.2m``).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from send_analysis.finance.inputs import inputs_table
from send_analysis.report import money_m
from send_analysis.report.headline import dsg_figures, mark
from send_analysis.report.labels import input_label, relabel

#: The inputs the costs page lists in its appendix.
COST_INPUTS = ("first_forecast_year", "income", "opening_balance", "unit_costs", "high_cost_tail",
               "other_expenditure")


def costs_opening(la_code: str, la_name: str, inputs: Mapping, inputs_source: str, projection,
                  n_paths: int, last_census: int) -> str:
    """The costs page's opening paragraphs (markdown, the summary's figures marked)."""
    figs = dsg_figures(inputs, inputs_source, projection)
    latest, end = figs["dsg_balance_latest"], figs["dsg_balance_end_unmitigated"]
    s = projection.summary_frame()
    last = s.index[-1]
    text = (
        f"## {la_name} ({la_code})\n\n"
        f"Finance inputs: **{inputs_source}**. The High Needs Block ended "
        f"{latest['financial_year']} with a cumulative balance of "
        f"{mark('dsg_balance_latest', latest)} (negative = deficit"
        f"{'; an estimate rolled forward from the last published balance' if latest.get('estimate') else ''}"
        "). Placements by setting come "
        f"from the demand forecast ({n_paths:,} simulated paths; January censuses up to "
        f"{last_census} are actual counts), turned into financial years as 5/12 of one January "
        f"and 7/12 of the next, and costed at the unit costs in the appendix, inflated at "
        f"{inputs['unit_costs']['inflation']:.1%} a year.\n\n")
    if s.loc[last, "cumulative_mean"] < 0:
        text += (
            f"Without mitigation, the in-year balance in {last} is "
            f"**{money_m(s.loc[last, 'in_year_mean'])}** and the cumulative balance at "
            f"{end['date']} {mark('dsg_balance_end_unmitigated', end)} (the band holds 80% of "
            f"simulated paths), {-s.loc[last, 'cumulative_mean'] / s.loc[last, 'income_total']:.0%} "
            "of that year's High Needs income.")
    else:
        text += (f"Without mitigation the cumulative balance at {end['date']} is a surplus of "
                 f"{mark('dsg_balance_end_unmitigated', end)}.")
    return text


def inputs_rows(inputs: Mapping, prefixes: tuple[str, ...] = ()) -> pd.DataFrame:
    """The finance inputs as labelled rows: what it is, its value, its source, and the key in the
    inputs file in small print (for an officer editing the file)."""
    t = inputs_table(inputs, prefixes)
    out = pd.DataFrame({
        "Input": [input_label(k) for k in t["key"]],
        "Value": t["value"], "Source": t["source"], "Key in the inputs file": t["key"]})
    return out


def inputs_styler(inputs: Mapping, prefixes: tuple[str, ...] = ()):
    """:func:`inputs_rows` styled for the page: no index, the key column in small grey print."""
    return (inputs_rows(inputs, prefixes).style.hide(axis="index")
            .set_properties(subset=["Key in the inputs file"],
                            **{"font-size": "75%", "color": "#666", "font-family": "monospace"}))


def placements_table(projection) -> pd.DataFrame:
    """Placements by setting group (rows, in words) and financial year, whole numbers."""
    return relabel(projection.placements_frame().T).round(0).astype(int)


def scenario_year_table(result, scale: float = 1e6, columns: list[str] | None = None) -> pd.DataFrame:
    """A scenario's savings, investment and balances (or only ``columns``; rows, in words) by
    financial year (columns), in pounds divided by ``scale`` (£m by default)."""
    t = result.table()
    return relabel(((t[columns] if columns else t) / scale).T)


def break_even_table(be: pd.DataFrame) -> pd.DataFrame:
    """Break-even counts by financial year with columns in words: money in £ (whole pounds),
    fractional counts to two decimals, whole-placement counts as integers."""
    out = be.copy()
    whole = [c for c in out.columns if c.endswith("_whole")]
    money = [c for c in out.columns if c.endswith("cost") or c.startswith("saving")]
    out[whole] = out[whole].round(0).astype("Int64")
    out[money] = out[money].round(0).astype("Int64")
    return relabel(out)


def sensitivity_text(tornado: pd.DataFrame, demand_only, everything) -> str:
    """What moves the balance most (the tornado's top row) and how much drawing every
    assumption at random widens the 80% range of the cumulative balance at the horizon."""
    from send_analysis.finance.years import fy_start

    last = demand_only.fys[-1]
    d, a = demand_only.summary_frame().loc[last], everything.summary_frame().loc[last]
    top = tornado.iloc[0]
    return (
        f"The largest effect is **{top['label'].lower()}**: from {money_m(top['balance_low'])} to "
        f"{money_m(top['balance_high'])} at the horizon. Drawing all assumptions at random with the "
        f"demand paths widens the 80% range of the cumulative balance at 31 March "
        f"{fy_start(last) + 1} from {money_m(d['cumulative_p10'])} to {money_m(d['cumulative_p90'])} "
        f"(demand only) to {money_m(a['cumulative_p10'])} to {money_m(a['cumulative_p90'])}.")


def scenarios_intro(la_code: str, la_name: str, inputs_source: str, scenarios, skipped,
                    first_year: str, last_census: int, root: str = "") -> str:
    """The scenarios page's opening: the inputs, the scenario files that apply (name, file,
    description) and those that do not, with why (paths shown relative to ``root``)."""
    lines = [f"## {la_name} ({la_code})", "",
             f"Finance inputs: **{inputs_source}**. Each scenario file is a small YAML file in "
             f"`scenarios/`; {len(scenarios)} apply to this LA's inputs. Mitigations act from "
             f"**{first_year}**, the first financial year with forecast placements (January "
             f"censuses to {last_census} are actual counts):", ""]
    lines += [f"- **{s.name}** ({str(s.file).split('/')[-1]}): {s.description.strip()}"
              for s in scenarios]
    if skipped:
        lines += ["", "Not applied here:", ""]
        lines += [f"- {str(f).split('/')[-1]}: {why.replace(root + '/', '') if root else why}"
                  for f, why in skipped]
    return "\n".join(lines)


def balance_text(target, req: pd.DataFrame, balanced: str | None) -> str:
    """When the mean in-year balance is reached with ``target`` (a projection), or what further
    saving the last year needs and how many independent placements that is."""
    last = target.fys[-1]
    if balanced:
        return f"With {target.label.lower()}, the mean in-year balance is reached from **{balanced}**."
    return (f"With {target.label.lower()}, the mean in-year balance is **not** reached by {last}: "
            f"in {last} a further {money_m(req.loc[last, 'in_year_gap_mean'])} a year is needed, the "
            f"cost difference of about {req.loc[last, 'placements_to_move']:,.0f} independent "
            "placements met in state special schools instead.")
