"""EHC plan demand forecasts for every LA, with calibrated intervals and rolling-origin backtests.

- :func:`forecast` -> :class:`ForecastResult`: one LA's total, setting groups and age bands
  (components sum to the total), 80% and 95% intervals calibrated on past errors;
- :func:`simulate_paths`: predictive draws by setting group (input to the finance model);
- :func:`run_backtest` -> :class:`BacktestResult`: every model, every LA, origins 2016-2024;
- :mod:`send_analysis.demand.models`: the candidate models (naive baselines, ETS, ARIMA,
  pooled shrinkage, pooled regression, prevalence), each a ``PanelModel``;
- :mod:`send_analysis.demand.series`: the single-series kernels, chosen by kind from a dict;
- :mod:`send_analysis.demand.features`: England's and each LA's growth and the per-LA predictors
  the pooled models learn from (with their cache);
- :mod:`send_analysis.demand.charts`: the demand page's charts (``report`` has its tables and
  sentences);
- :mod:`send_analysis.demand.headroom`: bounds on how far any LA-level model could beat
  England's growth rule at one origin (decision 0038).
"""

from send_analysis.demand.backtest import BacktestResult, run_backtest
from send_analysis.demand.forecast import (
    DEFAULT_MODEL,
    ForecastResult,
    age_profile,
    forecast,
    growth_drivers,
    simulate_paths,
)
from send_analysis.demand.panel import Panel, build_panel, check_series, default_panel

__all__ = [
    "DEFAULT_MODEL",
    "BacktestResult",
    "ForecastResult",
    "Panel",
    "age_profile",
    "build_panel",
    "check_series",
    "default_panel",
    "forecast",
    "growth_drivers",
    "run_backtest",
    "simulate_paths",
]
