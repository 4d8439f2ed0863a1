"""Single-series forecast kernels: one LA's EHC plan counts in, point forecasts out.

``y`` is a pandas Series of counts indexed by January census year; every kernel returns the
forecasts for years ``last+1 .. last+horizon``. The families are the naive ones (:func:`last_value`,
:func:`linear_drift`, :func:`compound_growth`) and the statsmodels ones on log counts
(:func:`ets_log`, damped or not, and :func:`arima_log`). :data:`SERIES_KERNELS` maps a kind name
to its kernel with one signature, so :class:`~send_analysis.demand.models.SeriesModel` chooses from
a dict rather than an if-chain; :data:`PANEL_KERNELS` holds the naive families written for every LA
at once (the backtest calls them at every origin).

Nothing here knows about panels or LAs; :mod:`send_analysis.demand.models` applies these kernels
to every LA of a :class:`~send_analysis.demand.panel.Panel`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from send_analysis.demand.panel import check_series


@contextmanager
def quiet() -> Iterator[None]:
    """Silence statsmodels' convergence and frequency warnings inside the ``with`` block, on
    purpose: with 6-16 annual points the optimiser often stops at a boundary (phi at its bound),
    which is a legitimate answer here; the backtest, not the warning, judges the fit."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def last_value(y: pd.Series, horizon: int) -> np.ndarray:
    """Naive: the last count, held flat."""
    y = check_series(y, "last_value input", min_years=1)
    return np.full(horizon, float(y.iloc[-1]))


def linear_drift(y: pd.Series, horizon: int, k: int = 5) -> np.ndarray:
    """The average yearly change in counts over the last ``k`` years, continued.

    With fewer than ``k + 1`` years, uses all the years there are (at least two).
    """
    y = check_series(y, "linear_drift input", min_years=2)
    k = min(k, len(y) - 1)
    step = (y.iloc[-1] - y.iloc[-1 - k]) / k
    return np.maximum(y.iloc[-1] + step * np.arange(1, horizon + 1), 0.0)


def compound_growth(y: pd.Series, horizon: int, k: int = 5) -> np.ndarray:
    """The compound yearly growth rate over the last ``k`` years, continued.

    ``y[-1] * ((y[-1] / y[-1-k]) ** (1/k)) ** h``; with fewer than ``k + 1`` years uses them all.
    """
    y = check_series(y, "compound_growth input", min_years=2)
    k = min(k, len(y) - 1)
    rate = (y.iloc[-1] / y.iloc[-1 - k]) ** (1.0 / k)
    return y.iloc[-1] * rate ** np.arange(1, horizon + 1)


#: Fewest years for which the statsmodels models are fitted; shorter series fall back to
#: :func:`compound_growth` (documented in ``docs/assumptions/demand.md``).
MIN_YEARS_STATSMODELS = 6


@dataclass
class SeriesForecast:
    """Point forecasts (counts) and, when the model gives them, nominal intervals (counts).

    ``nominal`` maps a level (0.8, 0.95) to a (lower, upper) pair of arrays.
    """

    mean: np.ndarray
    nominal: dict[float, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    fallback: str | None = None


def ets_log(y: pd.Series, horizon: int, damped: bool = False,
            levels: Sequence[float] = (0.8, 0.95)) -> SeriesForecast:
    """Exponential smoothing with additive (or damped) trend on log counts (statsmodels ETSModel).

    Nominal intervals are the model's analytic ones, transformed back to counts (none when
    ``levels`` is empty). Series shorter than :data:`MIN_YEARS_STATSMODELS` fall back to
    :func:`compound_growth` (``fallback`` says so).
    """
    y = check_series(y, "ets_log input", min_years=2)
    if len(y) < MIN_YEARS_STATSMODELS:
        return SeriesForecast(compound_growth(y, horizon), fallback="compound_growth: short series")
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # heavy; only when fitted

    ly = pd.Series(np.log(y.to_numpy(dtype=float)), index=pd.RangeIndex(len(y)))
    try:
        with quiet():
            init = "heuristic" if len(ly) >= 10 else "estimated"
            res = ETSModel(ly, error="add", trend="add", damped_trend=damped,
                           initialization_method=init).fit(disp=False, maxiter=60)
            nominal = {}
            if levels:
                pred = res.get_prediction(start=len(ly), end=len(ly) + horizon - 1)
                mean = np.exp(np.asarray(pred.predicted_mean, dtype=float))
                for lv in levels:
                    sf = pred.summary_frame(alpha=1 - lv)
                    nominal[lv] = (np.exp(sf["pi_lower"].to_numpy()),
                                   np.exp(sf["pi_upper"].to_numpy()))
            else:  # point forecasts only (the backtest): skip the interval machinery
                mean = np.exp(np.asarray(res.forecast(horizon), dtype=float))
    except (np.linalg.LinAlgError, ValueError) as exc:
        return SeriesForecast(compound_growth(y, horizon), fallback=f"compound_growth: {exc}")
    if not np.isfinite(mean).all():
        return SeriesForecast(compound_growth(y, horizon), fallback="compound_growth: non-finite")
    return SeriesForecast(mean, nominal)


def ar1_psi_variance(phi: float, sigma2: float, horizon: int) -> np.ndarray:
    """Forecast-error variance of the cumulated AR(1) on differences, steps 1..horizon.

    The h-step error of the level is ``sum_{j=1..h} c_{h-j} e_{T+j}`` with
    ``c_m = 1 + phi + ... + phi^m``, so its variance is ``sigma2 * sum_{m=0}^{h-1} c_m^2``.

    >>> ar1_psi_variance(0.0, 1.0, 3).tolist()
    [1.0, 2.0, 3.0]
    """
    c = np.cumsum(phi ** np.arange(horizon))
    return sigma2 * np.cumsum(c**2)


def arima_log(y: pd.Series, horizon: int, levels: Sequence[float] = (0.8, 0.95)
              ) -> SeriesForecast:
    """ARIMA(1,1,0) with drift on log counts: an AR(1) with mean on the yearly log growth.

    The AR(1) lets a growth spurt persist or revert toward the mean growth. Fitted by Yule-Walker
    on the demeaned differences (``statsmodels.regression.linear_model.yule_walker``; the mean
    growth is the sample mean), which is fast and stable on 6-16 points where full likelihood
    often fails to converge; nominal intervals come from :func:`ar1_psi_variance`. Short series
    fall back to :func:`compound_growth`.
    """
    y = check_series(y, "arima_log input", min_years=2)
    if len(y) < MIN_YEARS_STATSMODELS:
        return SeriesForecast(compound_growth(y, horizon), fallback="compound_growth: short series")
    from scipy.stats import norm  # heavy; only when fitted
    from statsmodels.regression.linear_model import yule_walker

    ly = np.log(y.to_numpy(dtype=float))
    d = np.diff(ly)
    try:
        with quiet():
            rho, sigma = yule_walker(d, order=1, method="mle", demean=True)
            phi = float(np.clip(np.asarray(rho)[0], -0.99, 0.99))
            sigma2 = float(sigma) ** 2
            mu = float(d.mean())
            steps = []
            last_d = d[-1]
            for _ in range(horizon):
                last_d = mu + phi * (last_d - mu)
                steps.append(last_d)
            path = ly[-1] + np.cumsum(steps)
            sd = np.sqrt(ar1_psi_variance(phi, sigma2, horizon))
    except (np.linalg.LinAlgError, ValueError, IndexError) as exc:
        return SeriesForecast(compound_growth(y, horizon), fallback=f"compound_growth: {exc}")
    if not np.isfinite(path).all() or not np.isfinite(sd).all():
        return SeriesForecast(compound_growth(y, horizon), fallback="compound_growth: non-finite")
    nominal = {lv: (np.exp(path - norm.ppf(0.5 + lv / 2) * sd),
                    np.exp(path + norm.ppf(0.5 + lv / 2) * sd)) for lv in levels}
    return SeriesForecast(np.exp(path), nominal)


# ---- the kernels by kind ---------------------------------------------------------------------

#: A series kernel: ``(y, horizon, k, levels) -> SeriesForecast``; ``k`` is the look-back of the
#: naive families, ``levels`` the nominal interval levels of the statsmodels ones.
SeriesKernel = Callable[[pd.Series, int, int, Sequence[float]], SeriesForecast]

#: Every series kernel by its kind name (the ``kind`` of a ``SeriesModel``).
SERIES_KERNELS: dict[str, SeriesKernel] = {
    "last": lambda y, horizon, k, levels: SeriesForecast(last_value(y, horizon)),
    "drift": lambda y, horizon, k, levels: SeriesForecast(linear_drift(y, horizon, k)),
    "compound": lambda y, horizon, k, levels: SeriesForecast(compound_growth(y, horizon, k)),
    "ets": lambda y, horizon, k, levels: ets_log(y, horizon, damped=False, levels=levels),
    "ets_damped": lambda y, horizon, k, levels: ets_log(y, horizon, damped=True, levels=levels),
    "arima": lambda y, horizon, k, levels: arima_log(y, horizon, levels),
}


def series_kernel(kind: str) -> SeriesKernel:
    """The kernel of ``kind``, or a ValueError naming the kinds there are."""
    try:
        return SERIES_KERNELS[kind]
    except KeyError:
        raise ValueError(f"unknown series model kind {kind!r}; "
                         f"expected one of {sorted(SERIES_KERNELS)}") from None


# ---- the naive families on every LA at once --------------------------------------------------
# Each takes the last counts ``y_t``, the counts ``k`` years earlier ``y_0`` (k = 0 where the
# LA has one year only: its last value), ``k`` and the steps ``h`` (1..horizon); LA x h out.

def _panel_last(y_t: np.ndarray, y_0: np.ndarray, k: np.ndarray, h: np.ndarray) -> np.ndarray:
    return np.repeat(y_t[:, None], len(h), axis=1)


def _panel_drift(y_t: np.ndarray, y_0: np.ndarray, k: np.ndarray, h: np.ndarray) -> np.ndarray:
    step = np.where(k > 0, (y_t - y_0) / np.maximum(k, 1), 0.0)
    return np.maximum(y_t[:, None] + step[:, None] * h[None, :], 0.0)


def _panel_compound(y_t: np.ndarray, y_0: np.ndarray, k: np.ndarray, h: np.ndarray
                    ) -> np.ndarray:
    rate = np.where(k > 0, (y_t / np.where(k > 0, y_0, y_t)) ** (1.0 / np.maximum(k, 1)), 1.0)
    return y_t[:, None] * rate[:, None] ** h[None, :]


#: The naive kinds written for every LA at once: the same numbers as :data:`SERIES_KERNELS`.
PANEL_KERNELS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = {
    "last": _panel_last,
    "drift": _panel_drift,
    "compound": _panel_compound,
}
