"""Sensitivity of the cumulative DSG balance at the horizon to the main assumptions.

- :func:`tornado`: one assumption at a time set to its low and its high value, the others as
  given; the result is the mean cumulative balance at the end of the last year;
- :func:`monte_carlo`: every assumption drawn at random for each placement draw (one joint
  draw per demand path), so that the spread adds assumption uncertainty to demand uncertainty.

Ranges (:class:`Ranges`, decision record ``docs/decisions/0049-sensitivity-and-export.md``) are
parameters; the defaults are the ones the decision record argues for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from send_analysis.finance.model import Assumptions, DSGProjection, project_dsg
from send_analysis.finance.scenarios import Scenario, evaluate

ASSUMPTION_LABELS: dict[str, str] = {
    "demand_growth": "Demand growth (x forecast growth)",
    "inflation": "Unit-cost inflation (a year)",
    "income_growth": "HNB income growth (a year)",
    "delivery": "Mitigation delivery (share)",
}


@dataclass(frozen=True)
class Ranges:
    """Low and high values for the tornado; spreads for the Monte Carlo.

    Rates are *offsets* from the inputs' own rate (``inflation_pp=0.01`` means +/- 1 point).
    """

    demand_growth: tuple[float, float] = (0.8, 1.2)
    inflation_pp: float = 0.01
    income_growth_pp: float = 0.01
    delivery: tuple[float, float] = (0.5, 1.0)
    # Monte Carlo: normal spreads (sd) and a uniform range for delivery
    demand_growth_sd: float = 0.1
    inflation_sd: float = 0.005
    income_growth_sd: float = 0.005


#: The ranges the decision record argues for.
DEFAULT_RANGES = Ranges()


def _horizon_mean(inputs: Mapping, paths: pd.DataFrame, scenarios: Sequence[Scenario],
                  assumptions: Assumptions, last_fy: str | None) -> float:
    return float(_projection(inputs, paths, scenarios, assumptions, last_fy).horizon_cumulative().mean())


def _projection(inputs: Mapping, paths: pd.DataFrame, scenarios: Sequence[Scenario],
                assumptions: Assumptions, last_fy: str | None) -> DSGProjection:
    if scenarios:
        return evaluate(inputs, paths, scenarios, assumptions, last_fy=last_fy).mitigated
    return project_dsg(inputs, paths, assumptions, last_fy)


def tornado(
    inputs: Mapping, paths: pd.DataFrame, scenarios: Sequence[Scenario] = (),
    ranges: Ranges = DEFAULT_RANGES, last_fy: str | None = None,
) -> pd.DataFrame:
    """Mean cumulative balance at the horizon with each assumption at its low and high value.

    With no scenarios the unmitigated balance is used and mitigation delivery is left out.
    Rows are sorted by swing (largest first): ``assumption``, ``label``, ``low``, ``high``
    (the assumption's values), ``balance_low``, ``balance_high``, ``base``, ``swing``.
    """
    infl = float(inputs["unit_costs"]["inflation"])
    growth = float(inputs["income"]["growth_rate"])
    cases: dict[str, tuple[float, float, str]] = {
        "demand_growth": (*ranges.demand_growth, "demand_growth"),
        "inflation": (infl - ranges.inflation_pp, infl + ranges.inflation_pp, "inflation"),
        "income_growth": (growth - ranges.income_growth_pp, growth + ranges.income_growth_pp,
                          "income_growth"),
    }
    if scenarios:
        cases["delivery"] = (*ranges.delivery, "delivery")
    base = _horizon_mean(inputs, paths, scenarios, Assumptions(), last_fy)
    rows = []
    for name, (lo, hi, field_name) in cases.items():
        b_lo = _horizon_mean(inputs, paths, scenarios, Assumptions(**{field_name: lo}), last_fy)
        b_hi = _horizon_mean(inputs, paths, scenarios, Assumptions(**{field_name: hi}), last_fy)
        rows.append({"assumption": name, "label": ASSUMPTION_LABELS[name], "low": lo, "high": hi,
                     "balance_low": b_lo, "balance_high": b_hi, "base": base,
                     "swing": abs(b_hi - b_lo)})
    return pd.DataFrame(rows).sort_values("swing", ascending=False).reset_index(drop=True)


def sample_assumptions(inputs: Mapping, n_draws: int, ranges: Ranges = DEFAULT_RANGES, seed: int = 0,
                       with_delivery: bool = True) -> Assumptions:
    """One joint draw of the assumptions per placement draw (demand growth kept at 0 or more)."""
    rng = np.random.default_rng(seed)
    return Assumptions(
        demand_growth=np.clip(rng.normal(1.0, ranges.demand_growth_sd, n_draws), 0.0, None),
        inflation=rng.normal(float(inputs["unit_costs"]["inflation"]), ranges.inflation_sd, n_draws),
        income_growth=rng.normal(float(inputs["income"]["growth_rate"]), ranges.income_growth_sd,
                                 n_draws),
        delivery=rng.uniform(*ranges.delivery, n_draws) if with_delivery else 1.0,
    )


def monte_carlo(
    inputs: Mapping, paths: pd.DataFrame, scenarios: Sequence[Scenario] = (),
    ranges: Ranges = DEFAULT_RANGES, seed: int = 0, last_fy: str | None = None,
) -> tuple[DSGProjection, DSGProjection]:
    """The projection with demand uncertainty only, and with every assumption drawn as well.

    Returns ``(demand_only, all_assumptions)``; compare their ``summary_frame()`` percentiles.
    """
    demand_only = _projection(inputs, paths, scenarios, Assumptions(), last_fy)
    n = len(demand_only.draws)
    sampled = sample_assumptions(inputs, n, ranges, seed, with_delivery=bool(scenarios))
    return demand_only, _projection(inputs, paths, scenarios, sampled, last_fy)
