"""Prediction intervals calibrated on past forecast errors, and the metrics that check them.

A forecast made at origin T for horizon h gets the interval
``forecast * exp(q_low, q_high)``, where ``q`` are empirical quantiles of the same model's log
errors ``log(actual / forecast)`` at horizon h, pooled over every LA and the ``window`` most
recent origins whose outcome was known at T (origins t <= T - h). Nothing from after T is used.
``docs/decisions/0032-calibrated-intervals.md`` records why (nominal statsmodels intervals cover
far less than they claim on these series).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

LEVELS: tuple[float, ...] = (0.8, 0.95)


def error_quantiles(errors: pd.DataFrame, origin: int, horizon: int, levels: Sequence[float]
                    = LEVELS, window: int = 5, min_n: int = 100) -> dict[float, tuple[float, float]]:
    """Quantiles of log errors usable for a forecast made at ``origin`` for ``horizon``.

    ``errors`` has columns ``origin``, ``h``, ``log_error`` (one model). Uses origins in
    ``[origin - horizon - window + 1, origin - horizon]``. With fewer than ``min_n`` errors, the
    largest shorter horizon h' that has enough is used and its quantiles scaled by ``horizon/h'``
    (errors of a growth forecast grow about linearly with the horizon). Returns
    ``{level: (q_low, q_high)}``, or NaNs when no horizon has enough errors.
    """
    for h_src in range(horizon, 0, -1):
        hi_origin = origin - h_src
        sel = errors[(errors["h"] == h_src) & (errors["origin"] <= hi_origin)
                     & (errors["origin"] > hi_origin - window)]["log_error"].dropna()
        if len(sel) >= min_n:
            scale = horizon / h_src
            out = {}
            for lv in levels:
                lo, hi = np.quantile(sel.to_numpy(), [(1 - lv) / 2, (1 + lv) / 2])
                out[lv] = (float(lo * scale), float(hi * scale))
            return out
    return {lv: (np.nan, np.nan) for lv in levels}


def quantile_function(errors: pd.DataFrame, origin: int, horizon: int, window: int = 5,
                      min_n: int = 100, grid: int = 99) -> np.ndarray:
    """The log-error quantiles at probabilities 1/(grid+1) .. grid/(grid+1), same rules as
    :func:`error_quantiles`; used to draw predictive paths. NaNs when nothing is usable."""
    probs = np.arange(1, grid + 1) / (grid + 1)
    for h_src in range(horizon, 0, -1):
        hi_origin = origin - h_src
        sel = errors[(errors["h"] == h_src) & (errors["origin"] <= hi_origin)
                     & (errors["origin"] > hi_origin - window)]["log_error"].dropna()
        if len(sel) >= min_n:
            return np.quantile(sel.to_numpy(), probs) * horizon / h_src
    return np.full(grid, np.nan)


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
