"""Sentences and tables of the finance pages (``notebooks/03``-``05``), in plain words.

The figures the pack summary quotes come from :func:`send_analysis.report.figures.dsg_figures`
and are marked with :func:`send_analysis.report.figures.mark`, so the summary and the page agree.
Money is written one way throughout: :func:`send_analysis.report.money_m` (``−£1.2m``).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from send_analysis.data.tables import Tables
from send_analysis.finance.inputs import inputs_table
from send_analysis.report import money_m
from send_analysis.report.figures import dsg_figures, mark
from send_analysis.report.labels import input_label, relabel
from send_analysis.report.safe import inert

#: The inputs the costs page lists in its appendix.
COST_INPUTS = ("first_forecast_year", "income", "opening_balance", "unit_costs", "high_cost_tail",
               "other_expenditure", "rules")


def costs_opening(la_code: str, la_name: str, inputs: Mapping, inputs_source: str, projection,
                  n_paths: int, last_census: int) -> str:
    """The costs page's opening paragraphs (markdown, the summary's figures marked)."""
    figs = dsg_figures(inputs, inputs_source, projection)
    latest, end = figs["dsg_balance_latest"], figs["dsg_balance_end_unmitigated"]
    s = projection.summary_frame()
    last = s.index[-1]
    text = (
        f"## {inert(la_name)} ({inert(la_code)})\n\n"
        f"Finance inputs: **{inert(inputs_source)}**. The DSG (all blocks: the balance the DfE "
        f"publishes, not the High Needs Block alone) ended "
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
    return text + "\n\n" + BAND_TEXT


def rules_section(inputs: Mapping, inputs_source: str, projection, scenario=None
                  ) -> tuple[str, pd.DataFrame]:
    """The costs page's section on the rules as they stand (decision 0091): the balance at the
    write-off's base and at the override's end, unmitigated and (given the scenarios' combined
    :class:`ScenarioResult`) mitigated, with and without the write-off (markdown, the summary's
    figures marked), and the table of those balances and the projection's last year (£m)."""
    from send_analysis.finance.rules import rule_balances, rule_balances_table, rules_of
    from send_analysis.report.figures import rule_figures

    r = rules_of(inputs)
    un = rule_balances(projection, inputs)
    mi = rule_balances(scenario.mitigated, inputs) if scenario is not None else None
    figs = rule_figures(inputs_source, un, mi, None if scenario is None else scenario.name)
    ends = dsg_figures(inputs, inputs_source, projection, scenario)
    end_fy = r["statutory_override_end"]
    w = r.get("writeoff") or {}
    settled = ", ".join(f"{fy} {rate:+.1%}" for fy, rate in sorted((r.get("hnb_settlement") or {}
                                                                    ).items()))
    text = (
        f"The statutory override keeps DSG deficits off councils' general reserves until "
        f"31 March {int(end_fy[:4]) + 1}; from {int(end_fy[:4]) + 1}-{(int(end_fy[:4]) + 2) % 100:02d} "
        "SEND costs are to be met within central government's spending limits. ")
    if w:
        text += (
            f"{float(w['share']):.0%} of each LA's historic high-needs deficit up to "
            f"{w['base_year']} is to be written off through a High Needs Stability Grant paid in "
            f"{w['paid_in']}, if the DfE approves the LA's local SEND reform plan; the base is the "
            f"deficit at 31 March {int(str(w['base_year'])[:4]) + 1}. ")
    text += (f"High Needs Block income follows the announced settlements ({settled}) after "
             "the last allocation in the inputs, then the income growth rule (decision 0091).\n\n")
    base, end = figs.get("dsg_balance_writeoff_base"), figs.get("dsg_balance_override_end")
    if base:
        text += (f"At {base['date']}, the write-off's base, the balance is "
                 f"{mark('dsg_balance_writeoff_base', base)} without mitigation. ")
    if end:
        text += (f"At {end['date']}, when the override ends, it is "
                 f"{mark('dsg_balance_override_end', end)} without mitigation or write-off. ")
    if base and not (base.get("writeoff") or {}).get("base") == "the LA's own figure" and w:
        text += ("The write-off's base here is the projected deficit of the whole DSG: public "
                 "data do not separate the high-needs overspend from the other blocks, and the "
                 "DfE takes the lowest of the LA's reported figures; the LA's own figure goes in "
                 "`rules.writeoff.base_deficit`.")
    if not base:
        text += (f"The projection starts after 31 March {int(str(w.get('base_year', '2025'))[:4]) + 1}"
                 ": give the LA's own deficit then as `rules.writeoff.base_deficit`.")
    mit_end = ends.get("dsg_balance_end_mitigated")
    t = rule_balances_table(un, mi, ends["dsg_balance_end_unmitigated"], mit_end)
    return text, t


#: What the costs page's bands mean (decision 0067).
BAND_TEXT = (
    "The bands are as wide as this projection's errors have been: the finance backtest re-ran it "
    "from every year 2018-19 to 2023-24 for every LA and compared it with the spend that followed "
    "(decision 0065). Spend, income in years not yet announced and an estimated opening balance "
    "all vary between the simulated paths; past projections fell short of spend more often than "
    "not, so the band sits above the rule's point projection.")


def provenance_text(inputs: Mapping) -> str:
    """Which figures are the LA's own and which are public defaults, and which deficit support
    is included (markdown)."""
    from send_analysis.finance.inputs import OWN_PREFIX

    sources = inputs.get("sources") or {}
    own = sorted({input_label(k.split(".")[0] + "." + k.split(".")[1]) if k.count(".") else
                  input_label(k) for k, v in sources.items() if str(v).startswith(OWN_PREFIX)})
    support = inputs["income"].get("support") or {}
    support_src = str(sources.get("income.support", ""))
    lines = []
    if own:
        lines.append("**The LA's own figures:** " + inert(", ".join(own)) + ". Every other "
                     "figure is a public default, with its source in the appendix.")
    else:
        lines.append("**Every figure on this page is a public default** (the appendix names each "
                     "one's source). An officer replaces them with the LA's own: "
                     "`send-analysis finance-inputs --la CODE > my_la.yaml`, edit, then "
                     "`--inputs my_la.yaml`.")
    if support:
        total = sum(float(v) for v in support.values())
        lines.append(f"DfE deficit support included: {money_m(total)} over "
                     f"{min(support)} to {max(support)}"
                     + (" (payments as published where public, the rest of a public agreement's total "
                          "spread evenly: approximate)"
                        if support_src.startswith("APPROXIMATE") else "") + ".")
    else:
        lines.append("No DfE deficit support (safety valve or similar) is included: the public "
                     "list of agreements is incomplete, so an LA with one should enter its "
                     "payments (`income.support`).")
    return "\n\n".join(lines)


def reconciliation(inputs: Mapping, tables: Tables | None = None) -> tuple[pd.DataFrame, str]:
    """The base year as the model costs it beside the S251 outturn (£m), and a sentence naming
    the difference when it is more than 1% (decision 0066); placements from ``tables``."""
    from send_analysis.finance.current import reconciliation_table

    t = reconciliation_table(dict(inputs), tables)
    fy = t.attrs["financial_year"]
    out = pd.DataFrame({
        "Line": t["line"],
        "Placements": t["placements"].round(0),
        "Cost per placement (£)": t["unit_cost"].round(0),
        "Model (£m)": (t["model"] / 1e6).round(2),
        "S251 outturn (£m)": (t["outturn"] / 1e6).round(2)}).set_index("Line")
    diff = t.attrs["difference_pct"]
    if t.attrs.get("outturn_whose") == "LA's own":
        out = out.rename(columns={"S251 outturn (£m)": "LA's own outturn (£m)"})
        own = "LA's own (inputs file)"
        by_line = (" line by line (each line is the LA's own; decision 0105)"
                   if t.attrs.get("outturn_by_line") else "")
        text = (f"In {fy}, the base year, the model's lines reproduce the {own} high-needs outturn"
                f"{by_line} "
                f"({money_m(t.attrs['outturn'])})" + (" to within 1%." if abs(diff) <= 1 else
                f"; they differ by {money_m(t.attrs['outturn'] - t.attrs['model_total'])} "
                f"({diff:+.1f}%): the LA's own unit costs or lines should account for it."))
    elif diff != diff:
        text = (f"There is no published S251 outturn for {fy} to check the base year against.")
    elif abs(diff) <= 1:
        text = (f"In {fy} the model's lines reproduce the LA's S251 high-needs outturn "
                f"({money_m(t.attrs['outturn'])}) to within 1%.")
    else:
        text = (f"**In {fy} the model's lines differ from the LA's S251 high-needs outturn by "
                f"{money_m(t.attrs['outturn'] - t.attrs['model_total'])} ({diff:+.1f}%)**: the "
                "difference is not in any line of the projection; the LA's own unit costs or "
                "lines should account for it.")
    return out, text


def inputs_rows(inputs: Mapping, prefixes: tuple[str, ...] = ()) -> pd.DataFrame:
    """The finance inputs as labelled rows: what it is, its value, its source, and the key in the
    inputs file in small print (for an officer editing the file)."""
    t = inputs_table(inputs, prefixes)
    out = pd.DataFrame({
        "Input": [input_label(k) for k in t["key"]],
        "Value": t["value"], "Whose": t["whose"], "Source": t["source"],
        "Key in the inputs file": t["key"]})
    return out


def inputs_styler(inputs: Mapping, prefixes: tuple[str, ...] = ()):
    """:func:`inputs_rows` styled for the page: no index, the key column in small grey print."""
    return (inputs_rows(inputs, prefixes).style.format(escape="html").hide(axis="index")
            .set_properties(subset=["Key in the inputs file"],
                            **{"font-size": "75%", "color": "#666", "font-family": "monospace"}))


def placements_table(projection) -> pd.DataFrame:
    """Placements by setting group (rows, in words) and financial year, whole numbers."""
    return relabel(projection.placements_frame().T).round(0).astype(int)


def scenario_year_table(result, scale: float = 1e6, columns: list[str] | None = None) -> pd.DataFrame:
    """A scenario's savings, investment and balances (or only ``columns``; rows, in words) by
    financial year (columns), in pounds divided by ``scale`` (£m by default)."""
    t = result.summary_frame()
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


def uplift_text(projection) -> str:
    """Under the lines table: the spending lines include the finance backtest's spend factor,
    by how much each year, and what the last year's spend would be without it, so each line can
    be reproduced from placements x unit costs (decision 0067). Empty without the factor."""
    from send_analysis.finance.model import uplifted_line

    up = {fy: u for fy, u in projection.spend_uplift.items() if abs(u) >= 0.0005}
    if not up:
        return ""
    last = projection.fys[-1]
    scaled = sum(v.mean(axis=0)[-1] for k, v in projection.expenditure.items() if uplifted_line(k))
    u = projection.spend_uplift[last]
    return (
        "The placement lines and the other high-needs lines (not place funding and the other "
        "blocks) are placements x unit costs (inflated) **x the finance backtest's spend "
        "factor**: past projections fell short of the spend that followed, so projected spend is "
        "raised by " + ", ".join(f"{100 * v:+.1f}% in {fy}" for fy, v in up.items())
        + f" (decision record 0067). Without the factor these lines would total "
        f"{money_m(scaled / (1 + u))} in {last} instead of {money_m(scaled)}.")


def sensitivity_text(tornado: pd.DataFrame, demand_only, everything) -> str:
    """What moves the balance most (the tornado's top row) and how much drawing every
    assumption at random widens the 80% range of the cumulative balance at the horizon."""
    from send_analysis.finance.years import fy_start

    last = demand_only.fys[-1]
    d, a = demand_only.summary_frame().loc[last], everything.summary_frame().loc[last]
    top = tornado.iloc[0]
    wide_d = d["cumulative_p90"] - d["cumulative_p10"]
    wide_a = a["cumulative_p90"] - a["cumulative_p10"]
    verb = "widens" if wide_a > wide_d else "narrows" if wide_a < wide_d else "leaves"
    return (
        f"The largest effect is **{top['label'].lower()}**: from {money_m(top['balance_low'])} to "
        f"{money_m(top['balance_high'])} at the horizon. Drawing all assumptions at random with the "
        f"projection {verb} the 80% band of the cumulative balance at 31 March "
        f"{fy_start(last) + 1} from {money_m(d['cumulative_p10'])} to {money_m(d['cumulative_p90'])} "
        f"(the backtest's spread) to {money_m(a['cumulative_p10'])} to {money_m(a['cumulative_p90'])}.")


def scenarios_intro(la_code: str, la_name: str, inputs_source: str, scenarios, skipped,
                    first_year: str, last_census: int, root: str = "") -> str:
    """The scenarios page's opening: the inputs, the scenario files that apply (name, file,
    description) and those that do not, with why (paths shown relative to ``root``)."""
    lines = [f"## {inert(la_name)} ({inert(la_code)})", "",
             f"Finance inputs: **{inert(inputs_source)}**. Each scenario file is a small YAML file in "
             f"`scenarios/`; {len(scenarios)} apply to this LA's inputs. Mitigations act from "
             f"**{first_year}**, the first financial year with forecast placements (January "
             f"censuses to {last_census} are actual counts):", ""]
    lines += [f"- **{inert(s.name)}** ({inert(str(s.file).split('/')[-1])}): "
              f"{inert(s.description.strip())}" for s in scenarios]
    if skipped:
        lines += ["", "Not applied here:", ""]
        lines += [f"- {inert(str(f).split('/')[-1])}: "
                  f"{inert(why.replace(root + '/', '') if root else why)}" for f, why in skipped]
    return "\n".join(lines)


def balance_text(target, req: pd.DataFrame, balanced: str | None) -> str:
    """When the mean in-year balance is reached with ``target`` (a projection), or what further
    saving the last year needs and how many independent placements that is."""
    last = target.fys[-1]
    if balanced:
        return f"With {inert(target.label.lower())}, the mean in-year balance is reached from **{balanced}**."
    return (f"With {inert(target.label.lower())}, the mean in-year balance is **not** reached by {last}: "
            f"in {last} a further {money_m(req.loc[last, 'in_year_gap_mean'])} a year is needed, the "
            f"cost difference of about {req.loc[last, 'placements_to_move']:,.0f} independent "
            "placements met in state special schools instead.")


def invest_to_save_opening(la_code: str, la_name: str, inputs_source: str, inputs: Mapping) -> str:
    """The invest-to-save page's opening (markdown): the resource proposal's totals by funding,
    the reserve request and on-going figure recomputed, and any printed row whose label does not
    match its sums; or, without a proposal, what the page shows instead. User text is inert."""
    from send_analysis.finance import invest_to_save as its

    block = inputs.get("invest_to_save")
    if not block:
        return (f"## {inert(la_name)} ({inert(la_code)})\n\nThe finance inputs "
                f"({inert(inputs_source)}) hold no invest-to-save resource proposal for this LA. "
                "Below: what each £100,000 a year of DSG-funded posts would have to avoid, at this "
                "LA's unit costs.")
    s = its.summary(inputs)
    r = s["reserve"]

    def by_year(totals: Mapping) -> str:
        return ", ".join(f"£{v / 1e3:,.0f}k ({inert(y)})" for y, v in totals.items())

    text = [f"## {inert(la_name)} ({inert(la_code)}): resource proposal", "",
            f"Finance inputs: **{inert(inputs_source)}**. The posts' costs summed by funding: "
            f"DSG-funded {by_year(s['totals']['dsg'])}; council-funded "
            f"{by_year(s['totals']['council'])}."]
    if r["reserve_stated"] is not None:
        text.append(f"The reserve request of £{r['reserve_stated'] / 1e6:,.3f}m is the council-funded "
                    f"cost of {inert(', '.join(r['reserve_years']))}: recomputed "
                    f"£{r['reserve_computed'] / 1e6:,.3f}m "
                    f"({'agrees' if r['reserve_matches'] else 'does not agree'}).")
    if "ongoing_year" in r:
        text.append(f"The on-going figure from {inert(r['ongoing_year'])}: stated "
                    f"£{r['ongoing_stated'] / 1e3:,.0f}k, recomputed £{r['ongoing_computed'] / 1e3:,.0f}k "
                    f"({'agrees' if r['ongoing_matches'] else 'does not agree'}).")
    for row in s.get("printed_rows", []):
        if row["matches_funding"] is not None and not row["label_agrees"]:
            funding = "DSG" if row["matches_funding"] == "dsg" else "council"
            text.append(f"In the report the row printed **\"{inert(row['printed_label'])}\"** holds "
                        f"the **{funding}-funded** sums.")
    text.append("The posts, year by year, are in the appendix at the end of this page.")
    return "\n\n".join(text)
