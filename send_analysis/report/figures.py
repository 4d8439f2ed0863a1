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
``dsg_balance_latest``, ``dsg_balance_end_unmitigated``, ``dsg_balance_end_mitigated`` (absent when
no scenario applies), ``plans_per_10k_0_25``, ``claims_reproduced``, ``pct_within_20_weeks``. A
figure that cannot be computed for an LA is ``None`` with the reason in ``headline_notes``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

from send_analysis.report import fmt_int, money_m

HEADLINE_KEYS: tuple[str, ...] = (
    "plans_latest", "plans_forecast_5y", "new_plans_last_year", "dsg_balance_latest",
    "dsg_balance_end_unmitigated", "dsg_balance_end_mitigated", "plans_per_10k_0_25",
    "claims_reproduced", "pct_within_20_weeks",
)

#: The page each figure comes from (notebook stem + ".html").
PAGE_OF: dict[str, str] = {
    "plans_latest": "01_overview.html",
    "new_plans_last_year": "01_overview.html",
    "pct_within_20_weeks": "01_overview.html",
    "plans_forecast_5y": "02_demand_forecast.html",
    "dsg_balance_latest": "03_costs_and_dsg.html",
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
        "pct_within_20_weeks": {"value": _num(h.timeliness_latest), "year": int(h.timeliness_latest_year),
                                "england": _num(h.england_timeliness_latest), "source": PUBLIC},
    }


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
    note = str((inputs.get("sources") or {}).get("opening_balance.cumulative", ""))
    if note.startswith("ESTIMATE"):
        latest["estimate"] = True

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
    if scenario is not None:
        out["dsg_balance_end_mitigated"] = {**end_of(scenario.mitigated), "scenario": scenario.name}
    return out


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
        return f"{v:.1f}%"
    raise KeyError(f"unknown headline key {key!r}; known: {', '.join(HEADLINE_KEYS)}")


def mark(key: str, fig: Mapping | None) -> str:
    """The figure in words inside ``<b data-headline="key">``: how a page marks the figure the
    summary quotes (the browser test compares the two)."""
    return f'<b data-headline="{key}">{html.escape(figure_text(key, fig))}</b>'
