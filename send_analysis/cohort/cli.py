"""``send-analysis cohort``: fit the transition model to witan.send-format files and simulate."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

from send_analysis.atomic import write_text
from send_analysis.cohort.io import (
    MissingCostWarning,
    read_costs,
    read_population,
    read_transitions,
    read_valid_states,
)
from send_analysis.cohort.model import fit
from send_analysis.cohort.present import suppressed_outputs


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``cohort`` sub-command."""
    p = subparsers.add_parser(
        "cohort", help="project EHC plans with the cohort (Markov transition) model",
        description="Fit the cohort model to a transitions table and simulate futures; writes "
                    "summary.csv and by_<dimension>.csv per calendar year into --out.")
    p.add_argument("--transitions", required=True, type=Path, help="transitions CSV")
    p.add_argument("--population", required=True, type=Path, help="population CSV")
    p.add_argument("--costs", required=True, type=Path, help="costs CSV (need,setting,cost)")
    p.add_argument("--valid-states", required=True, type=Path, help="valid-states CSV")
    p.add_argument("--simulations", type=int, default=1000)
    p.add_argument("--years", type=int, default=5, help="January censuses to project")
    p.add_argument("--seed", type=int, default=50)
    p.add_argument("--prior-strength", type=float, default=5.0,
                   help="pseudo-observations pooled from the level above (docs/decisions/0060)")
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.add_argument("--json", action="store_true", help="print total count and cost summaries")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from send_analysis.userfiles import check_user_csv

    for option in ("transitions", "population", "costs", "valid_states"):
        check_user_csv(getattr(args, option), f"the {option.replace('_', '-')} CSV given as "
                                               f"--{option.replace('_', '-')}")
    valid = read_valid_states(args.valid_states)
    transitions = read_transitions(args.transitions, valid)
    population = read_population(args.population)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MissingCostWarning)
        costs = read_costs(args.costs, valid)
    for w in caught:
        print(f"send-analysis cohort: warning: {w.message}", file=sys.stderr)
    model = fit(transitions, population, valid, costs, prior_strength=args.prior_strength)
    results = model.simulate(args.years, args.simulations, seed=args.seed)
    # the starting year is the casework itself: small counts suppressed (decision 0073)
    frames = suppressed_outputs(results)
    args.out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in frames.items():
        paths.append(args.out / f"{name}.csv")
        write_text(frame.to_csv(index=False), paths[-1])
    if args.json:
        s = frames["summary"]
        doc = {"scenario": results.scenario_name, "simulations": results.simulations,
               **{m: json.loads(s[s["measure"] == m].drop(columns="measure")
                                .to_json(orient="records")) for m in ("count", "cost")}}
        print(json.dumps(doc, indent=2))
    else:
        print(f"wrote {len(paths)} files to {args.out}")
    return 0
