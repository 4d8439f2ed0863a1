"""Monte Carlo precision: the error of a simulated figure, and a stopping rule in batches
(decision 0101).

A simulated figure is a set of draws (one value per simulation). The pack reports its mean and
the edges of a band (quantiles of the draws). The rule (:class:`Precision`, issue 21):

- the Monte Carlo standard error (MCSE) of the mean is below ``mean_tol`` (1%) of the width of
  the figure's 80% band (its 90th less its 10th percentile);
- the MCSE of every reported band edge is below ``edge_tol`` (2%) of that width.

Errors, for independent draws:

- :func:`mcse_mean`: the standard deviation over the square root of the draws;
- :func:`mcse_ratio`: for a figure scaled to a control whose mean is known exactly (the cohort
  page scales each simulation to a demand-forecast path whose mean is the forecast's point, so
  the figure's mean is ``point x sum(y) / sum(d)``): the ratio estimator's delta-method error;
- :func:`mcse_quantile`: distribution-free, from order statistics: the number of draws below
  the true p-quantile is binomial(n, p), so the draws at ranks ``n p -/+ z sqrt(n p (1 - p))``
  bracket it with probability about 95%; half that bracket over ``z`` is the quantile's error.

:func:`until_precise` runs a simulator in batches (batch ``i``'s draws depend only on the seed
and ``i``, so the same seed gives the same draws and the same stopping point) until every figure
meets the rule or the cap is reached, and returns a :class:`Run` with the assessment (one row
per figure, :func:`assess`) that the pages state (:func:`error_text`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np
import pandas as pd

#: Normal quantile of the order-statistic bracket of a quantile (a 95% bracket).
Z = 1.959963984540054


@dataclass(frozen=True)
class Precision:
    """The stopping rule: tolerances as shares of the width of each figure's 80% band."""

    mean_tol: float = 0.01
    edge_tol: float = 0.02
    band: tuple[float, float] = (0.1, 0.9)

    def __post_init__(self) -> None:
        if not (self.mean_tol > 0 and self.edge_tol > 0):
            raise ValueError("precision tolerances must be positive")
        lo, hi = self.band
        if not 0 < lo < hi < 1:
            raise ValueError(f"band {self.band}: expected 0 < low < high < 1")


#: The pack's rule (issue 21).
DEFAULT = Precision()


def mcse_mean(x: np.ndarray) -> float:
    """MCSE of the mean of independent draws ``x``: sd / sqrt(n) (0 for a single draw)."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    return float(np.std(x, ddof=1) / np.sqrt(n)) if n > 1 else 0.0


def mcse_ratio(y: np.ndarray, d: np.ndarray) -> float:
    """MCSE of ``mean(y)`` when each draw ``y_i = d_i a_i`` is scaled to a control ``d_i`` whose
    mean is fixed (known exactly, so the figure's mean is the ratio estimator ``mean(d) x sum(y)
    / sum(d)``): ``sd(y - R d) / sqrt(n)`` with ``R = sum(y) / sum(d)`` (delta method). Zero when
    ``y`` is proportional to ``d``."""
    y, d = np.asarray(y, dtype=float), np.asarray(d, dtype=float)
    n = len(y)
    if n < 2 or d.sum() == 0:
        return mcse_mean(y)
    r = y.sum() / d.sum()
    return float(np.std(y - r * d, ddof=1) / np.sqrt(n))


def quantile_bracket(n: int, p: float, z: float = Z) -> tuple[int, int]:
    """0-based ranks of the order statistics that bracket the p-quantile of ``n`` draws with
    probability about that of ``z`` (binomial count below the quantile, normal approximation),
    clipped to the draws."""
    centre, half = n * p, z * np.sqrt(n * p * (1 - p))
    return int(max(np.floor(centre - half), 0)), int(min(np.ceil(centre + half), n - 1))


def mcse_quantile(x: np.ndarray, p: float, z: float = Z) -> float:
    """MCSE of the p-quantile of independent draws ``x``, from the order statistics that
    bracket it (:func:`quantile_bracket`): half the bracket's width over ``z``."""
    s = np.sort(np.asarray(x, dtype=float))
    j, k = quantile_bracket(len(s), p, z)
    return float((s[k] - s[j]) / (2 * z))


@dataclass(frozen=True)
class Figure:
    """One simulated figure: its draws, the band edges the page reports (probabilities) and,
    when its mean is pinned by a control (:func:`mcse_ratio`), the control's draws."""

    name: str
    draws: np.ndarray
    edges: tuple[float, ...] = (0.1, 0.9)
    control: np.ndarray | None = None


def band_width(x: np.ndarray, edges: Sequence[float] = (), precision: Precision = DEFAULT
               ) -> float:
    """The scale of the rule: the width of the draws' 80% band; when most draws are equal so
    that it has none (e.g. a scenario that changes few simulations), the width of the widest
    band the page reports, else that of a normal 80% band with the draws' sd
    (``2 x 1.2816 sd``), so that a mean with an error never counts as exact."""
    lo, hi = np.quantile(x, precision.band)
    width = float(hi - lo)
    if width <= 0 and len(edges) >= 2:
        q = np.quantile(x, [min(edges), max(edges)])
        width = float(q[1] - q[0])
    if width <= 0 and len(x) > 1:
        from scipy.stats import norm

        width = float(np.std(x, ddof=1) * (norm.ppf(precision.band[1])
                                           - norm.ppf(precision.band[0])))
    return width


def assess_figure(fig: Figure, precision: Precision = DEFAULT) -> dict:
    """The rule for one figure: mean, MCSE, width (:func:`band_width`), each edge's MCSE (as
    shares of the width) and whether it is met. A figure whose draws are all the same has no
    Monte Carlo error and meets the rule."""
    x = np.asarray(fig.draws, dtype=float)
    width = band_width(x, fig.edges, precision)
    se = mcse_ratio(x, fig.control) if fig.control is not None else mcse_mean(x)
    edge_se = {p: mcse_quantile(x, p) for p in fig.edges}
    if width > 0:
        mean_share = se / width
        edge_share = max((v / width for v in edge_se.values()), default=0.0)
    else:
        mean_share = 0.0 if se == 0 else np.inf
        edge_share = 0.0 if all(v == 0 for v in edge_se.values()) else np.inf
    return {"figure": fig.name, "draws": len(x), "mean": float(x.mean()), "mcse": se,
            "width80": width, "mcse_share": float(mean_share), "edge_share": float(edge_share),
            "met": bool(mean_share < precision.mean_tol and edge_share < precision.edge_tol)}


ASSESSMENT_COLUMNS = ["figure", "draws", "mean", "mcse", "width80", "mcse_share", "edge_share",
                      "met"]


def assess(figures: Sequence[Figure], precision: Precision = DEFAULT) -> pd.DataFrame:
    """:func:`assess_figure` for each figure, one row each (columns
    :data:`ASSESSMENT_COLUMNS`)."""
    return pd.DataFrame([assess_figure(f, precision) for f in figures],
                        columns=ASSESSMENT_COLUMNS)


T = TypeVar("T")


@dataclass
class Run(Generic[T]):
    """What :func:`until_precise` returns: the combined result, the draws used, the cap, and
    the last assessment (one row per figure)."""

    result: T
    draws: int
    cap: int
    assessment: pd.DataFrame = field(repr=False)

    @property
    def met(self) -> bool:
        """Every figure meets the rule."""
        return bool(self.assessment["met"].all())


def batch_sizes(cap: int, batch: int) -> list[int]:
    """Draws after each batch: ``batch, 2 batch, ...`` up to ``cap`` (the last may be short)."""
    if cap < 1 or batch < 1:
        raise ValueError("cap and batch must be at least 1")
    return [min(b, cap) for b in range(batch, cap + batch, batch)][: -(-cap // batch)]


def until_precise(run: Callable[[int, int], T], combine: Callable[[list[T]], T],
                  figures: Callable[[T], Sequence[Figure]], *, cap: int, batch: int,
                  precision: Precision = DEFAULT) -> Run[T]:
    """Run a simulator in batches until every figure meets ``precision`` or ``cap`` draws.

    ``run(start, stop)`` simulates draws ``start`` to ``stop - 1`` (their values must depend
    only on the seed and those numbers, so the result after ``n`` draws is the same whether
    it was reached in one call or several); ``combine`` joins the batches in order;
    ``figures`` gives a result's figures. Returns the combined result and its assessment.
    """
    parts: list[T] = []
    done = 0
    for n in batch_sizes(cap, batch):
        parts.append(run(done, n))
        done = n
        result = parts[0] if len(parts) == 1 else combine(parts)
        table = assess(figures(result), precision)
        if table["met"].all():
            break
    return Run(result, done, cap, table)


def error_text(assessment: pd.DataFrame, what: str, cap: int,
               unit: Callable[[float], str] = lambda v: f"{v:,.0f}",
               precision: Precision = DEFAULT) -> str:
    """One sentence for a page's appendix: the draws used (of the cap), the largest Monte Carlo
    error of a mean and of a band edge (as shares of the 80% band's width), and whether every
    figure meets the rule."""
    a = assessment
    draws = int(a["draws"].max())
    i_mean, i_edge = a["mcse_share"].idxmax(), a["edge_share"].idxmax()
    rule = (f"MCSE of each mean under {precision.mean_tol:.0%} and of each band edge under "
            f"{precision.edge_tol:.0%} of the width of its 80% band")
    met = (f"every figure meets the rule ({rule})" if a["met"].all() else
           f"the rule ({rule}) is not met at the cap for {int((~a['met']).sum())} of {len(a)} "
           "figures: read their last digits within these errors")
    return (f"{what}: {draws:,} simulations (at most {cap:,}); the largest Monte Carlo error of "
            f"a mean is {a.loc[i_mean, 'mcse_share']:.1%} of its 80% band's width "
            f"({a.loc[i_mean, 'figure']}: ±{unit(a.loc[i_mean, 'mcse'])}), of a band edge "
            f"{a.loc[i_edge, 'edge_share']:.1%} ({a.loc[i_edge, 'figure']}); {met}.")


__all__ = ["ASSESSMENT_COLUMNS", "DEFAULT", "Figure", "Precision", "Run", "assess",
           "assess_figure", "band_width", "batch_sizes", "error_text", "mcse_mean", "mcse_quantile",
           "mcse_ratio", "quantile_bracket", "until_precise"]
