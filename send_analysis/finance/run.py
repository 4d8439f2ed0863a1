"""One LA's projection and scenarios from command-line options: what ``send-analysis scenario``
and ``dsg-plan`` run for an LA, and what a scenario grid's worker runs for each LA
(:mod:`send_analysis.report.grid`). It sits below both so that neither imports the other.
"""

from __future__ import annotations

import argparse

from send_analysis.errors import ConfigError


def load(args: argparse.Namespace):
    """The LA's inputs (public defaults, or ``--inputs`` merged over them), where they came from,
    and the scenario files (the inputs' ``mitigations`` then ``--scenario``), validated."""
    from send_analysis.data.geography import la_record
    from send_analysis.finance.resolve import resolve_inputs
    from send_analysis.finance.scenarios import load_scenario
    from send_analysis.finance.scenarios.loading import check_unique

    code = la_record(args.la).la_code  # with or without an inputs file
    inputs, where = resolve_inputs(code, args.inputs)
    mitigations = list(inputs.get("mitigations") or [])
    given = list(getattr(args, "scenario", []) or [])
    files = mitigations + given
    origins = ["the inputs' mitigations"] * len(mitigations) + ["--scenario"] * len(given)
    check_unique(files, origins=origins)
    scenarios = [load_scenario(f, first_fy=inputs["first_forecast_year"]) for f in files]
    for f, s in zip(files, scenarios, strict=True):
        if s.la_code is not None and s.la_code != str(inputs.get("la_code")):
            raise ConfigError(f"file {f}: la_code {s.la_code}: written for LA {s.la_code}, not "
                              f"{inputs.get('la_code')} (leave it out for LA {inputs.get('la_code')})")
    check_unique(files, scenarios, origins)
    return inputs, where, scenarios


def check_as_of(as_of: int | None, inputs: dict) -> None:
    """``--as-of`` before the first forecast year would be raised to it silently: refuse it.

    The projection holds actual placements up to January of the first forecast year, so an
    earlier cut-off cannot re-create an earlier forecast (see ``model.placement_paths``).
    """
    from send_analysis.finance.years import fy_start

    first = fy_start(inputs["first_forecast_year"])
    if as_of is not None and as_of < first:
        raise ConfigError(f"--as-of {as_of}: before January {first}, the census of the first "
                          f"forecast year {inputs['first_forecast_year']} in {inputs.get('la_code')}'s "
                          f"inputs (expected {first} or later)")


def run(args: argparse.Namespace):
    """``(inputs, where, unmitigated, results)``: the LA's DSG projection and each scenario's
    result (and, with several, their combination) for the options in ``args``."""
    from send_analysis.finance.model import (
        first_mitigation_year,
        horizon_for,
        placement_paths,
        project_dsg,
        usable_split_years,
    )
    from send_analysis.finance.scenarios import bind, evaluate

    inputs, where, scenarios = load(args)
    check_as_of(args.as_of, inputs)
    horizon = args.horizon
    if horizon is None:
        known = usable_split_years(str(inputs["la_code"]))
        known = [y for y in known if args.as_of is None or y <= args.as_of] or known
        horizon = horizon_for(inputs, max(known))
    if horizon < 1 or args.draws < 1:
        raise ConfigError("--horizon and --draws must be at least 1")
    paths = placement_paths(inputs, horizon=horizon, n_draws=args.draws, seed=args.seed,
                            as_of=args.as_of)
    first = first_mitigation_year(inputs, paths)
    scenarios = [bind(s, first) for s in scenarios]  # no lever may act on actual placements
    unmitigated = project_dsg(inputs, paths)
    results = []
    if scenarios:
        if len(scenarios) > 1:
            results += [evaluate(inputs, paths, [s], discount_rate=args.discount_rate) for s in scenarios]
        results.append(evaluate(inputs, paths, scenarios, discount_rate=args.discount_rate,
                                name="All scenarios combined" if len(scenarios) > 1 else None))
    return inputs, where, unmitigated, results


def positions(p) -> list[dict]:
    """A projection's end-of-year positions per financial year, rounded to the pound."""
    s = p.summary_frame()
    return [{"financial_year": fy, "income": round(s.loc[fy, "income_total"]),
             "expenditure": round(s.loc[fy, "expenditure_total"]),
             "in_year": round(s.loc[fy, "in_year_mean"]), "cumulative": round(s.loc[fy, "cumulative_mean"]),
             "cumulative_p10": round(s.loc[fy, "cumulative_p10"]),
             "cumulative_p90": round(s.loc[fy, "cumulative_p90"])} for fy in s.index]
