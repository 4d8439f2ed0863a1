"""The Monte Carlo error of the finance pages' simulated figures (decision 0101).

The DSG projection's paths are not run in batches: their income and opening-balance draws are
spread evenly over however many paths there are (``income_lines``, ``opening_draws``), so the
first part of a run is not a smaller run, and at the pages' 500 paths the rule is not met
anyway (the cap binds; decision 0101's table). What the pages do is state, for the paths they
use, the error of each headline figure under :mod:`send_analysis.montecarlo`'s rule: the
cumulative balance at each 31 March (mean and its 80% band) and each scenario's savings by
year. The errors are those of independent draws: for the evenly spread parts they overstate
the error a little, never understate it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from send_analysis.finance.model import DSGProjection
from send_analysis.finance.scenarios.evaluation import ScenarioResult
from send_analysis.finance.years import fy_start
from send_analysis.montecarlo import DEFAULT, Figure, Precision, assess, error_text

#: The band edges the finance pages report (the 80% band).
EDGES = (0.1, 0.9)


def balance_figures(projection: DSGProjection) -> list[Figure]:
    """The cumulative balance at 31 March of each projected year, with its 80% band."""
    cum = projection.cumulative
    return [Figure(f"balance 31 March {fy_start(fy) + 1}", cum[:, j], EDGES)
            for j, fy in enumerate(projection.fys)]


def scenario_figures(result: ScenarioResult) -> list[Figure]:
    """A scenario's savings in each year (their means are reported) and the mitigated balance
    at the horizon with its 80% band."""
    sav = result.savings()
    out = [Figure(f"{result.name}: savings {fy}", sav[:, j], ()) for j, fy in enumerate(result.fys)]
    out.append(Figure(f"{result.name}: mitigated balance 31 March {fy_start(result.fys[-1]) + 1}",
                      result.mitigated.cumulative[:, -1], EDGES))
    return out


def assessment(projection: DSGProjection, results: Sequence[ScenarioResult] = (),
               precision: Precision = DEFAULT) -> pd.DataFrame:
    """The rule for the balance figures and every scenario's (one row per figure)."""
    figures = balance_figures(projection)
    for r in results:
        figures += scenario_figures(r)
    return assess(figures, precision)


def precision_text(projection: DSGProjection, results: Sequence[ScenarioResult] = ()) -> str:
    """One paragraph for a finance page's appendix: paths used and the largest errors."""
    a = assessment(projection, results)
    what = ("The DSG projection (balance at each 31 March" + (
        " and the scenarios' savings)" if len(results) else ")"))
    n = len(projection.draws)
    text = error_text(a, what, n, _money)
    return text.replace(f"{n:,} simulations (at most {n:,})",
                        f"{n:,} simulated paths (a fixed number: not run in batches, decision 0101)")


def _money(v: float) -> str:
    """£m to two places, or whole pounds below £5,000."""
    return f"£{v / 1e6:,.2f}m" if abs(v) >= 5e3 else f"£{v:,.0f}"


__all__ = ["EDGES", "assessment", "balance_figures", "precision_text", "scenario_figures"]
