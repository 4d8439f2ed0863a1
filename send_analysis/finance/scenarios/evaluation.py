"""Evaluation: a scenario's economics (:class:`ScenarioResult`: savings, investment, net benefit,
payback and NPV) and :func:`evaluate`, which projects the unmitigated and mitigated DSG balance
on the same draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from send_analysis.errors import ConfigError
from send_analysis.finance.model import (
    AS_GIVEN,
    Assumptions,
    DSGProjection,
    baseline_state,
    first_mitigation_year,
    growth_factors,
    project_from_state,
)
from send_analysis.finance.scenarios.levers import LeverEffect, apply_scenarios
from send_analysis.finance.scenarios.schema import DEFAULT_DISCOUNT_RATE, FUNDING, Scenario, bind


@dataclass
class ScenarioResult:
    """Unmitigated and mitigated projections (same draws) and the scenario's economics."""

    name: str
    unmitigated: DSGProjection
    mitigated: DSGProjection
    discount_rate: float
    effects: list[LeverEffect]
    scenarios: tuple[Scenario, ...] = ()

    @property
    def fys(self) -> list[str]:
        return self.mitigated.fys

    def _dsg_costs(self) -> np.ndarray:
        keys = [k for k in self.mitigated.expenditure if k.startswith("mitigation.")]
        return sum((self.mitigated.expenditure[k] for k in keys), np.zeros_like(self.mitigated.in_year))

    def savings(self) -> np.ndarray:
        """Reduction in placement and provision spend against unmitigated, ``(n_draws, n_fys)``."""
        return self.unmitigated.expenditure_total - (self.mitigated.expenditure_total - self._dsg_costs())

    def investment(self) -> np.ndarray:
        """Every mitigation cost, DSG-funded or not, ``(n_draws, n_fys)``."""
        outside = sum(self.mitigated.outside_dsg.values(), np.zeros_like(self.mitigated.in_year))
        return self._dsg_costs() + outside

    def net_benefit(self) -> np.ndarray:
        return self.savings() - self.investment()

    def dsg_improvement(self) -> np.ndarray:
        """Mitigated minus unmitigated in-year DSG balance (positive = better)."""
        return self.mitigated.in_year - self.unmitigated.in_year

    @property
    def has_investment(self) -> bool:
        """True when the scenario costs anything (payback is meaningless otherwise)."""
        return bool(self.investment().mean(axis=0).sum() > 0)

    def payback_year(self) -> str | None:
        """First year from which the cumulative mean net benefit stays at 0 or more (None: not
        within the horizon, or no investment to pay back: see :attr:`has_investment`)."""
        if not self.has_investment:
            return None
        return payback_year(self.fys, self.net_benefit().mean(axis=0))

    def payback_text(self) -> str:
        """The payback year, "not within the horizon" or "no investment"."""
        if not self.has_investment:
            return "no investment"
        return self.payback_year() or "not within the horizon"

    def npv(self) -> float:
        """NPV of the mean net benefit, the first year undiscounted."""
        return npv(self.net_benefit().mean(axis=0), self.discount_rate)

    def payback_probability(self) -> float:
        """Share of draws whose cumulative net benefit is 0 or more by the last year."""
        return float((self.net_benefit().sum(axis=1) >= 0).mean())

    def summary_frame(self) -> pd.DataFrame:
        """By financial year: savings, investment, net benefit, its running total and discounted
        value, the DSG improvement, and the unmitigated and mitigated balances (means)."""
        net = self.net_benefit().mean(axis=0)
        disc = discount_factors(len(self.fys), self.discount_rate)
        return pd.DataFrame({
            "savings": self.savings().mean(axis=0),
            "investment": self.investment().mean(axis=0),
            "net_benefit": net,
            "cumulative_net_benefit": np.cumsum(net),
            "discounted_net_benefit": net * disc,
            "dsg_in_year_improvement": self.dsg_improvement().mean(axis=0),
            "unmitigated_in_year": self.unmitigated.in_year.mean(axis=0),
            "mitigated_in_year": self.mitigated.in_year.mean(axis=0),
            "unmitigated_cumulative": self.unmitigated.cumulative.mean(axis=0),
            "mitigated_cumulative": self.mitigated.cumulative.mean(axis=0),
            "mitigated_cumulative_p10": np.quantile(self.mitigated.cumulative, 0.1, axis=0),
            "mitigated_cumulative_p90": np.quantile(self.mitigated.cumulative, 0.9, axis=0),
        }, index=pd.Index(self.fys, name="financial_year"))

    def by(self, dimension: str) -> pd.DataFrame:
        """The result by financial year and ``dimension``; the one dimension is ``"lever"``: the
        placements each lever moved or avoided (mean across draws) and its costs by funding
        (``cost_dsg``, ``cost_council``, ``cost_capital``; £ a year, as given)."""
        if dimension != "lever":
            raise KeyError(f"{dimension!r} is not one of ['lever']")
        frames = []
        for e in self.effects:
            moved = np.zeros(len(self.fys)) if e.moved is None else e.moved.mean(axis=0)
            frame = pd.DataFrame({"financial_year": self.fys, "lever": e.name, "placements_moved": moved})
            for funding in FUNDING:
                frame[f"cost_{funding}"] = e.costs.get(funding, np.zeros(len(self.fys)))
            frames.append(frame)
        columns = ["financial_year", "lever", "placements_moved", *(f"cost_{f}" for f in FUNDING)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

    def to_dict(self) -> dict:
        """JSON-ready summary (money in £, rounded to the pound)."""
        t = self.summary_frame()
        return {
            "name": self.name,
            "la_code": self.mitigated.la_code,
            "scenario_files": [s.file for s in self.scenarios],
            "discount_rate": self.discount_rate,
            "payback_year": self.payback_year(),
            "payback": self.payback_text(),
            "investment_total": round(float(t["investment"].sum())),
            "savings_total": round(float(t["savings"].sum())),
            "npv": round(self.npv()),
            "payback_probability": round(self.payback_probability(), 3),
            "by_year": [
                {"financial_year": fy, **{c: round(float(t.loc[fy, c])) for c in t.columns}}
                for fy in t.index
            ],
        }


def discount_factors(n_years: int, rate: float) -> np.ndarray:
    """``1 / (1 + rate) ** t`` for t = 0 .. n_years-1 (the first year undiscounted)."""
    return 1.0 / (1.0 + rate) ** np.arange(n_years)


def npv(net: Sequence[float], rate: float) -> float:
    """Net present value of a yearly net benefit series, the first year undiscounted."""
    net = np.asarray(net, dtype=float)
    return float((net * discount_factors(len(net), rate)).sum())


def payback_year(fys: Sequence[str], net: Sequence[float]) -> str | None:
    """First year in which the running total of net benefit reaches 0 (None if it never does).

    A series that never goes below zero pays back in its first year.
    """
    cum = np.cumsum(np.asarray(net, dtype=float))
    hits = np.nonzero(cum >= -1e-9)[0]
    # payback is the first year from which the running total stays non-negative
    for i in hits:
        if (cum[i:] >= -1e-9).all():
            return fys[i]
    return None


def evaluate(
    inputs: Mapping, paths: pd.DataFrame, scenarios: Sequence[Scenario],
    assumptions: Assumptions = AS_GIVEN, discount_rate: float | None = None,
    last_fy: str | None = None, name: str | None = None,
) -> ScenarioResult:
    """Unmitigated and mitigated DSG projections for one scenario or several combined."""
    if not scenarios:
        raise ConfigError("no scenario given")
    scenarios = [bind(s, first_mitigation_year(inputs, paths)) for s in scenarios]
    base = baseline_state(inputs, paths, assumptions, last_fy)
    unmitigated = project_from_state(inputs, base, "unmitigated", assumptions=assumptions)
    state, dsg, outside, labels, effects = apply_scenarios(inputs, base, scenarios, assumptions)
    label = name or " + ".join(s.name for s in scenarios)
    mitigated = project_from_state(inputs, state, label, extra_expenditure=dsg, outside_dsg=outside,
                                   extra_labels=labels, assumptions=assumptions)
    if discount_rate is None:
        rates = {s.discount_rate for s in scenarios if s.discount_rate is not None}
        discount_rate = rates.pop() if len(rates) == 1 else DEFAULT_DISCOUNT_RATE
    return ScenarioResult(label, unmitigated, mitigated, float(discount_rate), effects, tuple(scenarios))


def step_down_saving(inputs: Mapping, fys: Sequence[str]) -> np.ndarray:
    """£ saved a year by one placement moved from independent/non-maintained to state special,
    at each year's prices (unit costs inflated from the price year)."""
    uc = inputs["unit_costs"]
    diff = float(uc["by_setting_group"]["special_indep_nm"]) - float(uc["by_setting_group"]["special_state"])
    return diff * growth_factors(float(uc["inflation"]), list(fys), uc["price_year"], 1)[0]


def required_savings(projection: DSGProjection, unit_saving: float | Sequence[float] | None = None) -> pd.DataFrame:
    """What must be true for balance: the further saving each year needs for an in-year balance,
    and (with ``unit_saving``, £ saved a year per placement moved, e.g. :func:`step_down_saving`,
    one value or one per year) how many placements that is."""
    gap = np.clip(-projection.in_year, 0.0, None)
    frame = pd.DataFrame({
        "in_year_gap_mean": gap.mean(axis=0),
        "in_year_gap_p90": np.quantile(gap, 0.9, axis=0),
        "cumulative_mean": projection.cumulative.mean(axis=0),
    }, index=pd.Index(projection.fys, name="financial_year"))
    if unit_saving is not None:
        frame["placements_to_move"] = frame["in_year_gap_mean"] / np.asarray(unit_saving, dtype=float)
    return frame


def compare(inputs: Mapping, paths: pd.DataFrame, scenarios: Sequence[Scenario],
            discount_rate: float | None = None, assumptions: Assumptions = AS_GIVEN) -> list[ScenarioResult]:
    """Each scenario alone, then (with more than one) all of them combined, on the same draws."""
    results = [evaluate(inputs, paths, [s], assumptions, discount_rate) for s in scenarios]
    if len(scenarios) > 1:
        results.append(evaluate(inputs, paths, scenarios, assumptions, discount_rate,
                                name="All scenarios combined"))
    return results


def first_balanced_year(projection: DSGProjection) -> str | None:
    """First financial year from which the mean in-year balance stays at or above zero."""
    m = projection.in_year.mean(axis=0)
    for i in range(len(m)):
        if (m[i:] >= 0).all():
            return projection.fys[i]
    return None


def comparison_table(results: Sequence[ScenarioResult], scale: float = 1e6) -> pd.DataFrame:
    """One row per scenario: total savings, investment and net benefit over the horizon (£m),
    payback year, NPV (£m), cumulative balance at the horizon unmitigated and mitigated (£m),
    the first year of in-year balance, and the share of draws that pay back."""
    rows = []
    for r in results:
        t = r.summary_frame()
        rows.append({
            "Scenario": r.name,
            "Savings": t["savings"].sum() / scale,
            "Investment": t["investment"].sum() / scale,
            "Net benefit": t["net_benefit"].sum() / scale,
            "Payback year": r.payback_text(),
            "NPV": r.npv() / scale,
            "Cumulative, unmitigated": t["unmitigated_cumulative"].iloc[-1] / scale,
            "Cumulative, mitigated": t["mitigated_cumulative"].iloc[-1] / scale,
            "In-year balance from": first_balanced_year(r.mitigated) or "not in horizon",
            "Draws paying back": r.payback_probability(),
        })
    return pd.DataFrame(rows).set_index("Scenario")
