"""Check of decision 0101: every headline figure at the precision rule against the figure from
a fixed 1,000 simulations, in units of its Monte Carlo standard error.

For each LA (default: the twelve of issue 21):

- the cohort page's projection and its new-school scenario (``consistent_projection`` with the
  rule, at most 1,000 simulations, against ``precision=None`` with exactly 1,000): total plans and
  cost in each projected year (mean and 95% band edges) and the scenario's saving by year;
- the finance pages' DSG paths (the pages' 500 paths, assessed by the rule, against 1,000 paths):
  the cumulative balance at each 31 March (mean and 80% band edges) and every scenario's savings
  by year.

It prints, per LA and simulator, the draws the rule used, the figures meeting the rule, the
largest error of a mean and of a band edge (shares of the 80% band's width), the draws the rule
would need at that error (``n x (share / tolerance)^2``, the larger of mean and edge), and the
largest distance between the two runs' figures in their own standard errors (``|z|``, the
difference over the rule run's MCSE; a figure with no error must be equal), with the number of
figures beyond 3. A summary line gives the totals.

Run: ``.venv/bin/python benchmarks/bench_precision.py [--las 334,886] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import pandas as pd

LAS = "334,886,330,316,201,420,940,942,873,919,335,866"


def _distance(new: pd.DataFrame, ref: dict[str, tuple[float, dict[float, float]]],
              new_edges: dict[str, dict[float, tuple[float, float]]]) -> list[float]:
    """|new - ref| / MCSE for every mean and band edge (inf when a figure with no error moved)."""
    out = []
    for row in new.itertuples():
        ref_mean, ref_edges = ref[row.figure]
        out.append(_z(row.mean - ref_mean, row.mcse))
        for p, (value, se) in new_edges[row.figure].items():
            out.append(_z(value - ref_edges[p], se))
    return out


def _z(diff: float, se: float) -> float:
    scale = max(abs(diff), 1.0) * 1e-9
    if abs(diff) <= scale:
        return 0.0
    return abs(diff) / se if se > 0 else float("inf")


def _figures_table(figures) -> tuple[dict, dict]:
    """Means and edges of figures (for the reference run), and edges with their MCSE."""
    from send_analysis.montecarlo import mcse_quantile

    means = {f.name: (float(np.mean(f.draws)),
                      {p: float(np.quantile(f.draws, p)) for p in f.edges}) for f in figures}
    edges = {f.name: {p: (float(np.quantile(f.draws, p)), mcse_quantile(f.draws, p))
                      for p in f.edges} for f in figures}
    return means, edges


def _summary(sim: str, la: str, a: pd.DataFrame, cap: int, z: list[float], seconds: float) -> dict:
    from send_analysis.montecarlo import DEFAULT

    n = int(a["draws"].max())
    need = n * max(float((a["mcse_share"] / DEFAULT.mean_tol).max() ** 2),
                   float((a["edge_share"] / DEFAULT.edge_tol).max() ** 2))
    finite = [v for v in z if np.isfinite(v)]
    return {"la": la, "simulator": sim, "draws": n, "cap": cap, "figures": len(a),
            "met": int(a["met"].sum()), "mean_share_max": float(a["mcse_share"].max()),
            "edge_share_max": float(a["edge_share"].max()), "draws_needed": int(np.ceil(need)),
            "compared": len(z), "z_max": max(finite, default=0.0),
            "beyond_3": int(sum(v > 3 for v in z)), "cpu_s": seconds}


def cohort(la: str, tables) -> dict:
    from send_analysis.cohort import calibrate as cb
    from send_analysis.cohort import pipeline
    from send_analysis.cohort.scenarios import cohort_scenario_file, load_scenario

    inputs = pipeline.inputs_for_la(la, 2025, None, tables, horizon=pipeline.PAGE_HORIZON)
    args = (la, inputs.transitions, inputs.population, inputs.valid, inputs.costs,
            pipeline.PAGE_HORIZON, pipeline.PAGE_SIMULATIONS, pipeline.PAGE_SEED)
    ns = load_scenario(cohort_scenario_file("new_special_school"))

    def school(base):
        return ns.scenario(base.years[0], ns.base_places(base))

    c0 = time.process_time()
    new = cb.consistent_projection(*args, scenario=school)
    alt = new.scenario_results
    seconds = time.process_time() - c0
    ref = cb.consistent_projection(*args, precision=None, scenario=school)
    ref_alt = ref.scenario_results
    a = new.assessment
    figs_new = (cb.projection_figures(new.results, new.draws)
                + cb.saving_figures(new.results, alt, new.draws))
    figs_ref = (cb.projection_figures(ref.results, ref.draws)
                + cb.saving_figures(ref.results, ref_alt, ref.draws))
    ref_means, _ = _figures_table(figs_ref)
    _, new_edges = _figures_table(figs_new)
    return _summary("cohort", la, a, new.cap, _distance(a, ref_means, new_edges), seconds)


def finance(la: str, tables) -> dict:
    from send_analysis.finance import model, precision
    from send_analysis.finance import scenarios as sc
    from send_analysis.finance.resolve import resolve_inputs
    from send_analysis.report.figures import FINANCE_DRAWS

    inputs, _ = resolve_inputs(la, None, tables)

    def run(n: int):
        paths = model.placement_paths(inputs, horizon=model.horizon_for(inputs, 2025), n_draws=n,
                                      as_of=2025, tables=tables)
        proj = model.project_dsg(inputs, paths)
        files = [*sc.default_scenario_files(), *(inputs.get("mitigations") or [])]
        scenarios, _ = sc.load_applicable(files, inputs, paths)
        results = sc.compare(inputs, paths, scenarios)
        figs = precision.balance_figures(proj)
        for r in results:
            figs += precision.scenario_figures(r)
        return precision.assessment(proj, results), figs

    c0 = time.process_time()
    a, figs_new = run(FINANCE_DRAWS)
    seconds = time.process_time() - c0
    _, figs_ref = run(1000)
    ref_means, _ = _figures_table(figs_ref)
    _, new_edges = _figures_table(figs_new)
    return _summary("finance", la, a, FINANCE_DRAWS, _distance(a, ref_means, new_edges), seconds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--las", default=LAS, help="LA codes, comma-separated")
    ap.add_argument("--json", default=None, help="write the rows here too")
    args = ap.parse_args()

    from send_analysis.errors import SendAnalysisError
    from send_analysis.report import notebook_setup

    tables = notebook_setup(None)
    one, five, _ = os.getloadavg()
    print(f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores")
    rows = []
    cols = ["la", "simulator", "draws", "cap", "figures", "met", "mean_share_max",
            "edge_share_max", "draws_needed", "compared", "z_max", "beyond_3", "cpu_s"]
    print("| " + " | ".join(cols) + " |")
    print("|" + " --- |" * len(cols))
    for la in [c for c in args.las.split(",") if c]:
        for fn in (cohort, finance):
            try:
                r = fn(la, tables)
            except SendAnalysisError as exc:  # e.g. no public finance inputs (City of London)
                print(f"| {la} | {fn.__name__} | not available: {exc} |", flush=True)
                continue
            rows.append(r)
            print("| " + " | ".join(
                f"{r[c]:.1%}" if c.endswith("share_max") else f"{r[c]:.2f}"
                if isinstance(r[c], float) else str(r[c]) for c in cols) + " |", flush=True)
    df = pd.DataFrame(rows)
    for sim, g in df.groupby("simulator"):
        print(f"{sim}: {len(g)} LAs, draws {g['draws'].min()}-{g['draws'].max()} (cap "
              f"{g['cap'].max()}), figures meeting the rule {g['met'].sum()} of {g['figures'].sum()}, "
              f"draws the rule would need: median {int(g['draws_needed'].median()):,}, max "
              f"{int(g['draws_needed'].max()):,}; figures compared {g['compared'].sum()}, beyond 3 "
              f"MCSE {g['beyond_3'].sum()} (largest |z| {g['z_max'].max():.2f})")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
