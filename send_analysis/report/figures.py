"""The pack's headline figures and their words: one figure from each page, for the summary
(``index.html``), ``pack.json`` and the page that quotes it.

Each figure is a small dict of plain numbers (JSON-ready) with the page it comes from and whether
it rests on the LA's own inputs or on public data and defaults. The pages (through the domains'
``present`` layers) and :func:`send_analysis.report.headline.compute_headline` call the same
``*_figure`` functions, and one formatter, :func:`figure_text`, writes every figure in words, so the
summary and the page it links to cannot quote different numbers.

This module imports no domain module: the domains' pages import it, and
:mod:`send_analysis.report.headline` (which runs the domains) imports it, so neither imports the
other (decision 0085).

Keys (:data:`HEADLINE_KEYS`): ``plans_latest``, ``plans_forecast_5y``, ``new_plans_last_year``,
``dsg_balance_latest``, ``dsg_balance_writeoff_base`` (31 March of the write-off's base year),
``dsg_balance_override_end`` (31 March when the statutory override ends; decision 0091),
``dsg_balance_end_unmitigated``, ``dsg_balance_end_mitigated`` (absent when
no scenario applies), ``plans_per_10k_0_25``, ``claims_reproduced``, ``pct_within_20_weeks``. A
figure that cannot be computed for an LA is ``None`` with the reason in ``headline_notes``.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping
from typing import Any

from send_analysis.report import fmt_int, money_m

HEADLINE_KEYS: tuple[str, ...] = (
    "plans_latest", "plans_forecast_5y", "new_plans_last_year", "dsg_balance_latest",
    "dsg_balance_writeoff_base", "dsg_balance_override_end", "dsg_balance_end_unmitigated", "dsg_balance_end_mitigated", "plans_per_10k_0_25",
    "claims_reproduced", "pct_within_20_weeks",
)

#: The page each figure comes from (notebook stem + ".html").
PAGE_OF: dict[str, str] = {
    "plans_latest": "01_overview.html",
    "new_plans_last_year": "01_overview.html",
    "pct_within_20_weeks": "01_overview.html",
    "plans_forecast_5y": "02_demand_forecast.html",
    "dsg_balance_latest": "03_costs_and_dsg.html",
    "dsg_balance_writeoff_base": "03_costs_and_dsg.html",
    "dsg_balance_override_end": "03_costs_and_dsg.html",
    "dsg_balance_end_unmitigated": "03_costs_and_dsg.html",
    "dsg_balance_end_mitigated": "04_scenarios.html",
    "plans_per_10k_0_25": "06_benchmarking.html",
    "claims_reproduced": "07_claims_check.html",
}

#: Simulated placement paths of the finance pages (their ``n_draws`` parameter) and years ahead
#: of the demand page (its ``horizon`` parameter); the summary recomputes with the same values.
FINANCE_DRAWS = 500
DEMAND_HORIZON = 5

PUBLIC = "public data"


def _num(value: Any) -> float | None:
    """A JSON-safe float (None for missing or NaN)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


# ---- one function per figure, from the objects the pages compute ---------------------------


def overview_figures(h) -> dict[str, dict]:
    """``plans_latest``, ``new_plans_last_year`` and ``pct_within_20_weeks`` from an
    :class:`send_analysis.overview.Headline`."""
    return {
        "plans_latest": {"value": int(h.latest_plans), "year": int(h.latest_year),
                         "growth_last_year_pct": _num(h.growth_last_year),
                         "england_growth_last_year_pct": _num(h.england_growth_last_year),
                         "source": PUBLIC},
        "new_plans_last_year": {"value": _num(h.new_plans_latest), "year": int(h.new_plans_latest_year),
                                "source": PUBLIC},
        "pct_within_20_weeks": timeliness_figure(h.timeliness) if h.timeliness else
        {"value": _num(h.timeliness_latest), "year": int(h.timeliness_latest_year),
         "england": _num(h.england_timeliness_latest), "source": PUBLIC},
    }


def timeliness_figure(t: Mapping) -> dict:
    """``pct_within_20_weeks`` from :func:`send_analysis.overview.published_timeliness`: the DfE's
    published share within 20 weeks leaving out exceptions (``value``, of ``issued`` plans; England
    ``england``) and of every plan issued (``all_value``, of ``all_issued``; England
    ``england_all``), the same year."""
    return {"value": _num(t["pct_excl"]), "year": int(t["year"]), "issued": _num(t["issued_excl"]),
            "england": _num(t["england_excl"]), "all_value": _num(t["pct_incl"]),
            "all_issued": _num(t["issued_incl"]), "england_all": _num(t["england_incl"]),
            "source": PUBLIC}


def forecast_figure(res) -> dict:
    """``plans_forecast_5y`` from a demand :class:`ForecastResult`: the last forecast January,
    its mean and 80% band."""
    end = res.summary_frame().iloc[-1]
    return {"value": _num(end["mean"]), "year": int(end["year"]), "lower80": _num(end["lower80"]),
            "upper80": _num(end["upper80"]), "origin": int(res.origin),
            "origin_plans": _num(res.history.iloc[-1]), "source": PUBLIC}


def dsg_source(inputs_source: str) -> str:
    """'the LA's own inputs' or 'public defaults' from the finance inputs' source line."""
    return "public defaults" if inputs_source.startswith("public defaults") else "the LA's own inputs"


def dsg_figures(inputs: Mapping, inputs_source: str, projection, scenario=None) -> dict[str, dict]:
    """The DSG figures from the finance API: the balance at the latest known 31 March (the
    inputs' opening balance), and the cumulative balance at the end of the projection's last
    financial year, unmitigated and (given a :class:`ScenarioResult`, the pack's last: all
    scenarios combined) mitigated,
    each with its 80% band of simulated paths. The years come from the inputs and the projection."""
    from send_analysis.finance.inputs import own_keys, whose
    from send_analysis.finance.years import fy_start

    # whose each figure is, by the inputs' own labels: an inputs file that repeats the public
    # defaults leaves them public defaults
    own = own_keys(inputs)
    if dsg_source(inputs_source) == "public defaults":
        source = latest_source = "public defaults"
    elif not inputs.get("sources"):  # a complete file of the LA's, no public default under it
        source = latest_source = "the LA's own inputs"
    else:
        source = "the LA's own inputs" if own else "public defaults"
        latest_source = ("the LA's own inputs" if whose("opening_balance.cumulative", inputs)
                         == "LA's own" else "public defaults")
    ob = inputs["opening_balance"]
    latest = {"value": _num(ob["cumulative"]), "financial_year": str(ob["financial_year"]),
              "date": f"31 March {fy_start(str(ob['financial_year'])) + 1}",
              "source": latest_source}
    if "p10" in ob and "p90" in ob:  # an estimated opening balance with its 80% band
        latest["lower80"], latest["upper80"] = _num(ob["p10"]), _num(ob["p90"])
    sources = inputs.get("sources") or {}
    note = str(sources.get("opening_balance.cumulative", ""))
    if note.startswith("ESTIMATE"):
        latest["estimate"] = True
    # where the pack starts (issue 18): the outturn year and the balance, and whose each is
    latest["outturn_year"] = str((inputs.get("unit_costs") or {}).get("price_year", ""))
    latest["outturn_whose"] = ("the LA's own" if _own(sources, "outturn", "unit_costs.price_year")
                               else "published S251, DfE")
    published = re.search(r"published balance at (31 March \d{4})", note)
    if published:
        latest["published_from"] = published.group(1)
    latest["balance_whose"] = (
        "the LA's own" if _own(sources, "opening_balance.cumulative") or not note
        else (f"an estimate from the published balance at {published.group(1)}" if published
              else "an estimate from published data") if note.startswith("ESTIMATE")
        else "published S251, DfE")
    if ob.get("in_year") is not None:
        latest["in_year"] = _num(ob["in_year"])

    def end_of(proj) -> dict:
        s = proj.summary_frame()
        last = s.index[-1]
        return {"value": _num(s.loc[last, "cumulative_mean"]), "financial_year": str(last),
                "date": f"31 March {fy_start(str(last)) + 1}",
                "lower80": _num(s.loc[last, "cumulative_p10"]),
                "upper80": _num(s.loc[last, "cumulative_p90"]), "source": source}

    out = {"dsg_balance_latest": latest, "dsg_balance_end_unmitigated": end_of(projection)}
    if own:
        out["dsg_balance_end_unmitigated"]["own_keys"] = own
    out["dsg_balance_end_unmitigated"]["biggest_cost_growth"] = biggest_cost_growth(projection)
    out["dsg_balance_end_unmitigated"]["high_needs_in_year"] = high_needs_in_year(projection)
    cum = projection.summary_frame()["cumulative_mean"]
    if latest["value"] is not None and latest["value"] >= 0 and (cum < 0).any():
        out["dsg_balance_end_unmitigated"]["first_deficit"] = str(cum[cum < 0].index[0])
    if scenario is not None:
        out["dsg_balance_end_mitigated"] = {**end_of(scenario.mitigated), "scenario": scenario.name,
                                            **scenario_kinds(inputs, scenario)}
    return out


def rule_figures(inputs_source: str, unmitigated: Mapping, mitigated: Mapping | None = None,
                 scenario: str | None = None) -> dict[str, dict]:
    """``dsg_balance_writeoff_base`` and ``dsg_balance_override_end`` from
    :func:`send_analysis.finance.rules.rule_balances` of the unmitigated projection (and of the
    mitigated one, under ``mitigated``, with the scenario's name): the same shape as the other
    balance keys (value, 80% band, financial year, date, source), plus the write-off's grant, the
    balance with it and the deficit accrued since the base. A key whose year the projection
    does not reach is left out."""
    source = dsg_source(inputs_source)
    out: dict[str, dict] = {}
    for key, name in (("dsg_balance_writeoff_base", "writeoff_base"),
                      ("dsg_balance_override_end", "override_end")):
        fig = unmitigated.get(name)
        if fig is None:
            continue
        out[key] = {**fig, "source": source}
        if mitigated is not None and mitigated.get(name) is not None:
            out[key]["mitigated"] = {**mitigated[name], "scenario": scenario}
    return out


def _own(sources: Mapping, *keys: str) -> bool:
    """Whether any of ``keys`` (or a key under one) is labelled the LA's own figure."""
    return any(str(v).startswith("LA's own") for k, v in sources.items()
               if any(k == key or k.startswith(key + ".") for key in keys))


#: The finance model's line of place funding and the other DSG blocks (``other.`` + the inputs'
#: ``other_expenditure`` key): what separates the DSG balance from the High Needs Block's part.
OTHER_DSG_EXPENDITURE = "other.place_funding_and_other_dsg"


def high_needs_in_year(projection) -> dict:
    """The high-needs part of the first forecast year's in-year balance (mean of paths): HNB
    income and the other income lines less every spending line except place funding and the
    other DSG blocks, which are given apart (``other_blocks``, as a balance: negative = they
    cost the DSG). The cumulative high-needs part cannot be given: no balance of the High Needs
    Block alone is published for each LA."""
    other = projection.expenditure.get(OTHER_DSG_EXPENDITURE)
    other_mean = float(other.mean(axis=0)[0]) if other is not None else 0.0
    total = float(projection.in_year.mean(axis=0)[0])
    return {"financial_year": str(projection.fys[0]), "value": total + other_mean,
            "other_blocks": -other_mean, "in_year": total}


def scenario_kinds(inputs: Mapping, scenario) -> dict:
    """Which of a result's scenarios are the LA's (a file listed in the inputs' ``mitigations``
    or written for the LA: its ``la_code``) and which are the toolkit's examples, by name, with
    the investment they cost over the projection (mean of paths, £) and the words the summary
    uses for them (``with``)."""
    listed = {str(m) for m in (inputs.get("mitigations") or [])}
    own = [s.name for s in scenario.scenarios
           if getattr(s, "la_code", None) is not None or str(s.file) in listed]
    examples = [s.name for s in scenario.scenarios if s.name not in own]
    words = ("the example scenarios and the LA's" if own and examples else
             "the LA's scenarios" if own else "the example scenarios")
    return {"own": own, "examples": examples, "with": words,
            "investment": _num(scenario.investment().mean(axis=0).sum())}


def biggest_cost_growth(projection) -> dict:
    """The spending line that grows most from the first to the last financial year (mean of
    paths): the biggest cost driver, with its increase in pounds."""
    growth = {k: float(v.mean(axis=0)[-1] - v.mean(axis=0)[0]) for k, v in projection.expenditure.items()}
    line = max(growth, key=growth.get)
    return {"line": projection.label_of(line), "increase": growth[line],
            "from_year": str(projection.fys[0]), "to_year": str(projection.fys[-1])}


def benchmark_figure(bench, neighbours_source: str, year: int | None = None) -> dict:
    """``plans_per_10k_0_25`` from a :func:`send_analysis.benchmark.compare.benchmark` frame of
    benchmark year ``year`` (a January census)."""
    r = bench.set_index("metric").loc["plans_per_10k"]
    return {"value": _num(r["la"]), "year": year, "england": _num(r["england"]),
            "neighbours": _num(r["neighbours"]),
            "rank": int(r["rank"]) if not math.isnan(float(r["rank"])) else None,
            "of": int(r["n"]), "neighbours_source": neighbours_source, "source": PUBLIC}


def claims_figure(counts: Mapping[str, int], report: str) -> dict:
    """``claims_reproduced`` from :func:`send_analysis.benchmark.narrative.verdict_counts`."""
    return {"value": int(counts["reproduced"]), "checked": int(sum(counts.values())),
            "not_reproduced": int(counts["not reproduced"]),
            "not_checkable": int(counts["not checkable"]), "report": report, "source": PUBLIC}


# ---- words ----------------------------------------------------------------------------------


def _band(fig: Mapping, fmt) -> str:
    if fig.get("lower80") is None or fig.get("upper80") is None:
        return ""
    return f" (80% band {fmt(fig['lower80'])} to {fmt(fig['upper80'])})"


def figure_text(key: str, fig: Mapping | None) -> str:
    """One figure in words, the same on the summary and on its page.

    >>> figure_text("plans_forecast_5y", {"value": 4122.4, "lower80": 3105, "upper80": 5559.2})
    '4,122 (80% band 3,105 to 5,559)'
    >>> figure_text("dsg_balance_latest", {"value": -12_340_000})
    '−£12.3m'
    >>> figure_text("claims_reproduced", {"value": 5, "checked": 9})
    '5 of 9'
    >>> figure_text("pct_within_20_weeks", {"value": 80.4, "issued": 143, "all_value": 53.1,
    ...                                     "all_issued": 258})
    '80.4% of 143 plans (exceptions left out); 53.1% of all 258 plans'
    """
    if fig is None or fig.get("value") is None:
        return "not available"
    v = fig["value"]
    if key in ("plans_latest", "new_plans_last_year"):
        return fmt_int(v)
    if key == "plans_forecast_5y":
        return fmt_int(v) + _band(fig, fmt_int)
    if key.startswith("dsg_balance"):
        return money_m(v) + _band(fig, money_m)
    if key == "plans_per_10k_0_25":
        return f"{v:,.1f} per 10,000"
    if key == "claims_reproduced":
        return f"{v} of {fig['checked']}"
    if key == "pct_within_20_weeks":
        if fig.get("issued") is None:
            return f"{v:.1f}%"
        text = f"{v:.1f}% of {fmt_int(fig['issued'])} plans (exceptions left out)"
        if fig.get("all_value") is not None and fig.get("all_issued") is not None:
            text += f"; {fig['all_value']:.1f}% of all {fmt_int(fig['all_issued'])} plans"
        return text
    raise KeyError(f"unknown headline key {key!r}; known: {', '.join(HEADLINE_KEYS)}")


def mark(key: str, fig: Mapping | None) -> str:
    """The figure in words inside ``<b data-headline="key">``: how a page marks the figure the
    summary quotes (the browser test compares the two)."""
    return f'<b data-headline="{key}">{html.escape(figure_text(key, fig))}</b>'
