"""Finance commands: ``dsg-plan``, ``scenario`` and ``invest-to-save``.

- ``send-analysis dsg-plan --la 334 --inputs examples/solihull_2021.yaml
  [--scenario scenarios/x.yaml ...] --xlsx out.xlsx`` writes the DSG management plan workbook
  (unmitigated, and mitigated by all scenarios combined) and prints the end-of-year positions;
- ``send-analysis scenario --la 334 [--inputs F] --scenario S.yaml [--scenario ...] --json``
  prints each scenario's trajectory, savings, payback and NPV, and their combination;
- ``send-analysis invest-to-save --inputs examples/solihull_2021.yaml --json`` prints the
  resource proposal's totals, the reserve check and the break-even placement count.

Without ``--inputs`` the public defaults for ``--la`` are used; with it, the file is merged over
them. Every input and scenario is validated before anything is computed or written.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

import pandas as pd

from send_analysis.errors import ConfigError
from send_analysis.finance.run import positions as _positions
from send_analysis.finance.run import run as _run
from send_analysis.report import finite_json
from send_analysis.report.figures import FINANCE_DRAWS


def _common(p: argparse.ArgumentParser, la_required: bool = True) -> None:
    p.add_argument("--la", required=la_required, help="3-digit DfE LA code, e.g. 334")
    p.add_argument("--inputs", default=None, help="LA finance inputs YAML (docs/finance_inputs.md)")


def _projection_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--horizon", type=int, default=None,
                   help="financial years to project from the first forecast year (default: at least 5, "
                        "and 3 census years beyond the last known one)")
    p.add_argument("--draws", type=int, default=FINANCE_DRAWS,
                   help=f"simulated placement paths (default {FINANCE_DRAWS}, as the evidence pack's "
                        "pages, so the workbook and the pack give the same band)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--as-of", type=int, default=None,
                   help="latest January census year to use (default: all; the forecast starts from the latest "
                        "year up to it with placements split by setting)")
    p.add_argument("--discount-rate", type=float, default=None,
                   help="for NPVs (default: the scenario's, else 3.5%%)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the finance commands to the ``send-analysis`` parser."""
    p = subparsers.add_parser("dsg-plan", help="DSG management plan workbook (unmitigated and mitigated)")
    _common(p)
    p.add_argument("--scenario", action="append", default=[], help="scenario YAML (repeatable)")
    p.add_argument("--xlsx", default=None, help="workbook to write")
    p.add_argument("--json", action="store_true",
                   help="print the projection as JSON per financial year (no workbook needed); "
                        "with --la all, one record per LA")
    _projection_args(p)
    p.set_defaults(func=cmd_dsg_plan)

    p = subparsers.add_parser("finance-backtest",
                              help="the DSG projection scored against outturn at past origins")
    p.add_argument("--json", action="store_true", help="print JSON (default: tables)")
    p.set_defaults(func=cmd_finance_backtest)

    p = subparsers.add_parser("finance-inputs",
                              help="the LA's full public-default inputs as a commented YAML to edit")
    p.add_argument("--la", required=True, help="3-digit DfE LA code, e.g. 334")
    p.set_defaults(func=cmd_finance_inputs)

    p = subparsers.add_parser("scenario", help="mitigation scenarios: trajectories, savings, payback, NPV")
    _common(p)
    p.add_argument("--scenario", action="append", required=True, help="scenario YAML (repeatable)")
    p.add_argument("--json", action="store_true", help="print JSON (default: a table)")
    _projection_args(p)
    _grid_args(p)
    p.set_defaults(func=cmd_scenario)

    p = subparsers.add_parser("invest-to-save", help="invest-to-save posts: totals and break-even")
    _common(p, la_required=False)
    p.add_argument("--json", action="store_true", help="print JSON (default: text)")
    p.set_defaults(func=cmd_invest_to_save)


def projection_record(p, inputs: dict, where: str) -> dict:
    """A projection as data: per financial year income, expenditure, in-year and cumulative
    balance (mean, p10, p50, p90), and the opening balance it started from."""
    from send_analysis.finance.inputs import own_keys

    years = p.to_dict()["years"]
    ob = inputs["opening_balance"]
    sources = inputs.get("sources") or {}
    monitoring = inputs.get("monitoring") or {}
    for year in years:  # the current year from the LA's budget monitoring, shown as such
        if year["financial_year"] in monitoring:
            year["basis"] = ("the LA's own budget monitoring (spend"
                             + (" and income" if "income" in monitoring[year["financial_year"]]
                                else "") + "; no band)")
    return {"la_code": str(inputs["la_code"]), "la_name": inputs.get("la_name"), "inputs": where,
            "la_own_inputs": own_keys(inputs),
            "first_forecast_year": inputs["first_forecast_year"],
            "opening_balance": {"at_31_march_of": ob["financial_year"],
                                "cumulative": round(float(ob["cumulative"])),
                                "p10": None if ob.get("p10") is None else round(float(ob["p10"])),
                                "p90": None if ob.get("p90") is None else round(float(ob["p90"])),
                                "source": sources.get("opening_balance.cumulative", where)},
            "years": years}


def _dsg_plan_all(args: argparse.Namespace) -> int:
    """``dsg-plan --la all|A,B --json``: one projection record per LA (an LA whose model cannot
    run, e.g. one without public finance figures, is an error record)."""
    from send_analysis.errors import SendAnalysisError
    from send_analysis.report.grid import la_codes

    if args.xlsx or args.inputs:
        raise ConfigError("--la all (or a list of LAs) prints JSON only: drop --xlsx and --inputs")
    for code in la_codes(str(args.la).strip()):
        one = argparse.Namespace(**{**vars(args), "la": code, "scenario": []})
        try:
            inputs, where, unmitigated, _ = _run(one)
            rec = projection_record(unmitigated, inputs, where)
        except SendAnalysisError as exc:
            rec = {"la_code": code, "error": str(exc)}
        print(json.dumps(rec), flush=True)
    return 0


def cmd_dsg_plan(args: argparse.Namespace) -> int:
    from send_analysis.finance.export import write_dsg_plan
    from send_analysis.report.grid import is_grid

    if is_grid(str(args.la).strip()):
        if not args.json:
            raise ConfigError("--la all (or a list of LAs) needs --json (one record per LA)")
        return _dsg_plan_all(args)
    if not args.xlsx and not args.json:
        raise ConfigError("give --xlsx FILE (the workbook) or --json (the projection as data)")
    inputs, where, unmitigated, results = _run(args)
    if args.json:
        from send_analysis.finance.rules import writeoff_record

        doc = projection_record(unmitigated, inputs, where)
        if results:
            doc["mitigated"] = projection_record(results[-1].mitigated, inputs, where)["years"]
        # the rules as they stand: the write-off's base, the override's end (decision 0091)
        doc["rules"] = writeoff_record(unmitigated, inputs)
        if args.xlsx:
            doc["workbook"] = str(write_dsg_plan(args.xlsx, inputs, unmitigated, results,
                                                 inputs_file=where, as_of=args.as_of))
        print(json.dumps(doc, indent=2))
        return 0
    path = write_dsg_plan(args.xlsx, inputs, unmitigated, results, inputs_file=where,
                          as_of=args.as_of)
    frame = pd.DataFrame(_positions(unmitigated)).set_index("financial_year")
    print(f"DSG balance (all blocks), LA {inputs['la_code']} ({where}); £, negative = deficit")
    print("Unmitigated:")
    print(frame.to_string())
    if results:
        print(f"Mitigated ({results[-1].name}):")
        print(pd.DataFrame(_positions(results[-1].mitigated)).set_index("financial_year").to_string())
    print(f"wrote {path}")
    return 0


def cmd_finance_backtest(args: argparse.Namespace) -> int:
    from send_analysis.finance.backtest import run_finance_backtest
    from send_analysis.finance.defaults import england_unit_costs

    result = run_finance_backtest(mix_weights=england_unit_costs())
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
        return 0
    print("Spend: projected high-needs spend against S251 outturn, % error by years ahead")
    print(result.spend_metrics().round(2).to_string())
    print("\nBalances: cumulative DSG balance at 31 March, £m")
    print(result.balance_metrics().round(2).to_string())
    print("\nIncome: HNB allocation beyond the years announced, % error")
    print(result.income_metrics().round(2).to_string())
    if result.shares is not None:
        from send_analysis.finance.mix import share_metrics

        print("\nSetting groups: placements by group (the actual total split by each share "
              "rule), % error; chosen: " + ", ".join(f"{g} {r}" for g, r in
                                                       (result.share_rules or {}).items()))
        print(share_metrics(result.shares).round(2).unstack("h").to_string())
    return 0


def cmd_finance_inputs(args: argparse.Namespace) -> int:
    from send_analysis.finance.defaults import default_inputs
    from send_analysis.finance.inputs_yaml import commented_yaml

    sys.stdout.write(commented_yaml(default_inputs(str(args.la).strip())))
    return 0


def cmd_scenario(args: argparse.Namespace) -> int:
    from send_analysis.report.grid import is_grid

    if is_grid(args.la):
        return cmd_scenario_grid(args)
    inputs, where, unmitigated, results = _run(args)
    doc = {
        "la_code": str(inputs["la_code"]), "inputs": where,
        "unmitigated": _positions(unmitigated),
        "scenarios": [r.to_dict() for r in results],
    }
    if args.json:
        json.dump(doc, sys.stdout, indent=2)
        print()
        return 0
    print(f"LA {inputs['la_code']} ({where}); £, negative = deficit")
    for r in results:
        print(f"\n{r.name}: payback {r.payback_text()}, "
              f"NPV £{r.npv():,.0f} at {r.discount_rate:.1%}")
        print(r.summary_frame()[["savings", "investment", "net_benefit", "unmitigated_cumulative",
                         "mitigated_cumulative"]].round(0).to_string())
    return 0


def _grid_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=int, default=2,
                   help="with --la all or a list: Dask worker processes of a local cluster")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="with --la all or a list: an existing Dask cluster (README)")


def cmd_scenario_grid(args: argparse.Namespace) -> int:
    """``scenario --la all`` (or ``--la 334,886``): every LA x the scenario files on the public
    defaults, on Dask (:mod:`send_analysis.report.grid`); ``--json`` prints one record per LA
    per line. Exit 1 when an LA failed (its record holds the error)."""
    from send_analysis.report.grid import OPTIONS, grid_text, la_codes, run_grid

    if args.inputs is not None:
        raise ConfigError("--inputs is one LA's file: it cannot be used with several LAs (--la)")
    records = run_grid(la_codes(args.la), {k: getattr(args, k) for k in OPTIONS},
                       workers=args.workers, scheduler=args.scheduler, progress=True)
    if args.json:
        for record in records:
            print(json.dumps(record))
    else:
        print(grid_text(records))
    return 1 if any("error" in r for r in records) else 0


def cmd_invest_to_save(args: argparse.Namespace) -> int:
    from send_analysis.finance.inputs import load_inputs
    from send_analysis.finance.invest_to_save import summary

    if args.inputs is None and args.la is None:
        raise ConfigError("give --inputs FILE (with an invest_to_save block) or --la")
    if args.la is not None:  # the same inputs as every other command: the file over the defaults
        from send_analysis.data.geography import la_record
        from send_analysis.finance.resolve import resolve_inputs

        inputs, _ = resolve_inputs(la_record(args.la).la_code, args.inputs)
    else:  # a file on its own (its invest_to_save block and unit costs)
        inputs = load_inputs(args.inputs, partial=True)
    if not inputs.get("invest_to_save"):
        raise ConfigError(f"file {args.inputs or 'public defaults'}: key 'invest_to_save': missing")
    doc = finite_json(summary(inputs))
    if args.json:
        json.dump(doc, sys.stdout, indent=2)
        print()
        return 0
    print(_text(doc))
    return 0


def _text(doc: dict) -> str:
    lines = [f"Invest-to-save posts, LA {doc['la_code']} (£)"]
    for funding, by_year in doc["totals"].items():
        lines.append(f"  {funding:8s} " + "  ".join(f"{y}: {v:,.0f}" for y, v in by_year.items()))
    r = doc["reserve"]
    stated = "none" if r["reserve_stated"] is None else f"£{r['reserve_stated']:,.0f}"
    lines.append(f"  reserve request: computed £{r['reserve_computed']:,.0f} over {', '.join(r['reserve_years'])}"
                 f"; stated {stated}; matches: {r['reserve_matches']}")
    if "ongoing_year" in r:
        lines.append(f"  on-going from {r['ongoing_year']}: computed £{r['ongoing_computed']:,.0f}; "
                     f"stated £{r['ongoing_stated']:,.0f}; matches: {r['ongoing_matches']}")
    for row in doc.get("printed_rows", []):
        if row["matches_funding"] is None:
            lines.append(f"  printed row {row['printed_label']!r} holds no computed sum")
        else:
            lines.append(f"  printed row {row['printed_label']!r} holds the {row['matches_funding'].upper() if row['matches_funding'] == 'dsg' else row['matches_funding']}-funded sums"
                         f" (label agrees: {row['label_agrees']})")
    for fy, be in (doc.get("break_even") or {}).items():
        lines.append(f"  {fy}: DSG cost £{be['dsg_cost']:,.0f}; break-even {be['break_even_net']} independent "
                     f"placements stepped down to state special (→ {be['break_even_net_whole']}), "
                     f"{be['break_even_gross']} avoided outright (→ {be['break_even_gross_whole']})")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run a finance command on its own (the package CLI is ``send-analysis``)."""
    parser = argparse.ArgumentParser(prog="send-analysis-finance")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    from send_analysis.cli_checks import check_options

    check_options(args)
    return int(args.func(args) or 0)
