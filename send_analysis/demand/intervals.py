"""Prediction intervals calibrated on past forecast errors, and the metrics that check them.

A forecast made at origin T for horizon h gets the interval ``forecast * exp(low, high)`` from
the same model's past log errors ``log(actual / forecast)`` at horizon h, over every LA and the
``window`` most recent origins whose outcome was known at T (origins t <= T - h); nothing from
after T is used. The errors are split into a national part (each origin's median error: the
whole country's growth was missed) and an idiosyncratic part (each LA's error relative to that),
combined in quadrature (:class:`Calibration`), because national misses are shared by every LA
and a few origins cannot show their spread by pooling LAs.
``docs/decisions/0032-calibrated-intervals.md`` records why (nominal statsmodels intervals cover
far less than they claim on these series).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

LEVELS: tuple[float, ...] = (0.8, 0.95)


GRID = np.arange(1, 200) / 200  # probabilities of the stored idiosyncratic quantiles


@dataclass(frozen=True)
class Calibration:
    """The error distribution for one origin and horizon, in log space.

    ``idio``: quantiles (at :data:`GRID`) of LA errors relative to their origin's median error,
    i.e. how far one LA strays from the common miss; ``sd_national``: root mean square of the
    origins' median errors, i.e. how far the common (national) growth forecast missed;
    ``scale``: horizon / horizon of the errors used (1 unless a shorter horizon stood in).
    A forecast's log error is modelled as idiosyncratic + national, independent.
    """

    idio: np.ndarray
    sd_national: float
    scale: float
    n: int

    def bounds(self, level: float) -> tuple[float, float]:
        """(low, high) log-error bounds of the central ``level`` interval.

        Each side combines the idiosyncratic quantile with the national normal quantile in
        quadrature: ``-sqrt(q_lo^2 + (z sd)^2)``, ``+sqrt(q_hi^2 + (z sd)^2)``.
        """
        z = float(norm.ppf((1 + level) / 2))
        q_lo, q_hi = np.interp([(1 - level) / 2, (1 + level) / 2], GRID, self.idio)
        nat = (z * self.sd_national) ** 2
        return (-float(np.sqrt(min(q_lo, 0.0) ** 2 + nat)) * self.scale,
                float(np.sqrt(max(q_hi, 0.0) ** 2 + nat)) * self.scale)

    def draw(self, u: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Log errors for uniforms ``u`` (idiosyncratic) and standard normals ``z`` (national)."""
        return (np.interp(u, GRID, self.idio) + z * self.sd_national) * self.scale


def calibrate(errors: pd.DataFrame, origin: int, horizon: int, window: int = 5,
              min_n: int = 100) -> Calibration | None:
    """The :class:`Calibration` usable for a forecast made at ``origin`` for ``horizon``.

    ``errors`` has columns ``origin``, ``h``, ``log_error`` (one model, all LAs). Uses origins in
    ``[origin - horizon - window + 1, origin - horizon]`` (outcomes known at ``origin``). With fewer
    than ``min_n`` errors, the largest shorter horizon h' with enough stands in, scaled by
    ``horizon / h'`` (errors of a growth forecast grow about linearly with the horizon). ``None``
    when no horizon has enough errors.
    """
    for h_src in range(horizon, 0, -1):
        hi_origin = origin - h_src
        sel = errors[(errors["h"] == h_src) & (errors["origin"] <= hi_origin)
                     & (errors["origin"] > hi_origin - window)].dropna(subset=["log_error"])
        if len(sel) >= min_n:
            med = sel.groupby("origin")["log_error"].median()
            idio = sel["log_error"] - sel["origin"].map(med)
            return Calibration(idio=np.quantile(idio.to_numpy(), GRID),
                               sd_national=float(np.sqrt(np.mean(med.to_numpy() ** 2))),
                               scale=horizon / h_src, n=len(sel))
    return None


def error_quantiles(errors: pd.DataFrame, origin: int, horizon: int, levels: Sequence[float]
                    = LEVELS, window: int = 5, min_n: int = 100) -> dict[float, tuple[float, float]]:
    """Log-error bounds ``{level: (low, high)}`` for a forecast made at ``origin`` for
    ``horizon`` (:func:`calibrate`, :meth:`Calibration.bounds`); NaNs when nothing is usable."""
    cal = calibrate(errors, origin, horizon, window=window, min_n=min_n)
    if cal is None:
        return {lv: (np.nan, np.nan) for lv in levels}
    return {lv: cal.bounds(lv) for lv in levels}


def coverage(actual: Sequence[float], lower: Sequence[float], upper: Sequence[float]) -> float:
    """Share (0-100) of outcomes inside [lower, upper]; rows with a missing bound are ignored.

    >>> coverage([1, 2, 3, 4], [0, 0, 0, 5], [2, 2, 2, 6])
    50.0
    """
    a, lo, hi = (np.asarray(v, dtype=float) for v in (actual, lower, upper))
    ok = np.isfinite(a) & np.isfinite(lo) & np.isfinite(hi)
    if not ok.any():
        return float("nan")
    return float(np.mean((a[ok] >= lo[ok]) & (a[ok] <= hi[ok])) * 100)


def ape(forecast: Sequence[float], actual: Sequence[float]) -> np.ndarray:
    """Absolute percentage errors, 100 * |forecast - actual| / actual."""
    f, a = np.asarray(forecast, dtype=float), np.asarray(actual, dtype=float)
    return np.abs(f - a) / a * 100


def mase_scale(history: pd.Series) -> float:
    """MASE denominator: the mean absolute one-year change of the history (in-sample naive)."""
    d = np.abs(np.diff(np.asarray(history.dropna(), dtype=float)))
    return float(d.mean()) if len(d) and d.mean() > 0 else float("nan")
