"""``send-analysis forecast`` and ``send-analysis backtest``."""

from __future__ import annotations

import argparse
import json

import numpy as np


def _round(v: float, nd: int = 1) -> float | None:
    return None if v is None or not np.isfinite(v) else round(float(v), nd)


def cmd_forecast(args: argparse.Namespace) -> int:
    """Print an LA's forecast (table or JSON)."""
    from send_analysis.data.geography import la_record
    from send_analysis.demand.forecast import forecast
    from send_analysis.finance.inputs import own_census_tables

    code = la_record(args.la).la_code
    tables, own = own_census_tables(code, args.inputs)
    res = forecast(code, args.horizon, as_of=args.as_of, model=args.model, tables=tables)
    frame = res.summary_frame()
    if args.json:
        out = res.to_dict()
        if own:
            out["la_own_januarys"] = own
        print(json.dumps(out, indent=2))
        return 0
    print(f"{res.la_name} ({res.la_code}): EHC plans forecast from January {res.origin}, "
          f"model {res.model}")
    print(frame.drop(columns="component").round(0).to_string(index=False))
    for note in res.notes:
        print(f"note: {note}")
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    """Run the rolling-origin backtest and print its table (or JSON for one origin/horizon)."""
    from send_analysis.demand.backtest import BacktestResult, run_backtest
    from send_analysis.demand.forecast import DEFAULT_MODEL
    from send_analysis.demand.panel import default_panel
    from send_analysis.errors import ConfigError

    panel = default_panel()
    if args.origin is not None:
        origins = [args.origin]
        if args.horizon is not None and args.origin + args.horizon > panel.last_year:
            raise ConfigError(
                f"--horizon {args.horizon}: a forecast made in January {args.origin} can be "
                f"scored up to January {panel.last_year}, the latest census in the data "
                f"(--horizon {panel.last_year - args.origin} at most)")
        horizon = args.horizon or min(5, panel.last_year - args.origin)
    else:
        origins = list(range(2016, panel.last_year))
        horizon = args.horizon or 5
        if origins[0] + horizon > panel.last_year:
            raise ConfigError(f"--horizon {horizon}: the first origin, January {origins[0]}, can "
                              f"be scored up to January {panel.last_year} (--horizon "
                              f"{panel.last_year - origins[0]} at most)")
    models = None
    if args.fast:
        from send_analysis.demand.report import fast_models

        models = fast_models(panel.population is not None)
    res = run_backtest(panel, models=models, origins=origins, horizons=horizon)
    las = sorted(panel.continuous) if args.continuous else None
    if las is not None:
        res = BacktestResult(res.forecasts[res.forecasts["la_code"].isin(las)], res.origins,
                             res.horizons)
    if args.origin is not None:
        table = res.at(args.origin, horizon)
        default = DEFAULT_MODEL if DEFAULT_MODEL in table.index else res.default_model()
    else:
        table = res.summary_frame()
        default = res.default_model()
    if args.json:
        n_las = int(res.evaluated[res.evaluated["model"] == default]["la_code"].nunique())
        print(json.dumps({
            "origin": args.origin if args.origin is not None else origins,
            "horizon": horizon,
            "n_las": n_las,
            "models": {m: {k: _round(table.at[m, k], 2)
                           for k in ("mape", "median_ape", "coverage80", "bias")}
                       for m in table.index},
            "default_model": default,
        }, indent=2))
        return 0
    print(table.round(2).to_string())
    print(f"default model: {default}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``forecast`` and ``backtest`` commands."""
    f = subparsers.add_parser("forecast", help="forecast an LA's EHC plans with intervals")
    f.add_argument("--la", required=True, help="3-digit DfE LA code, e.g. 334")
    f.add_argument("--horizon", type=int, default=5, help="years ahead (default 5)")
    f.add_argument("--as-of", type=int, default=None, dest="as_of",
                   help="use data up to this January census year only")
    f.add_argument("--model", default=None, help="model name (default: the backtest's choice)")
    f.add_argument("--inputs", default=None,
                   help="LA inputs YAML: its plans (the LA's own January census) start the "
                        "forecast (docs/finance_inputs.md)")
    f.add_argument("--json", action="store_true", help="print JSON")
    f.set_defaults(func=cmd_forecast)

    b = subparsers.add_parser("backtest", help="rolling-origin backtest over every LA")
    b.add_argument("--origin", type=int, default=None, help="one origin (January year)")
    b.add_argument("--horizon", type=int, default=None, help="years ahead (default 5)")
    b.add_argument("--continuous", action="store_true",
                   help="score only LAs whose published series needed no boundary apportioning")
    b.add_argument("--fast", action="store_true",
                   help="skip the per-LA statsmodels models (ETS, ARIMA), which take most of the time")
    b.add_argument("--json", action="store_true", help="print JSON")
    b.set_defaults(func=cmd_backtest)
