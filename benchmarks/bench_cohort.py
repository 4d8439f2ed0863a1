"""Time the counts-based cohort simulation against a simple per-child loop on the same inputs.

Inputs: examples/cohort (synthetic casework like LA 334, about 2,500 plans at the start), scaled
up to about 3,000 plans by adding a fifth of the caseload again. Prints the time for 1,000
simulations x 10 years and the speed ratio; the per-child loop is timed on fewer simulations and
scaled (it is linear in the number of simulations).

    .venv/bin/python benchmarks/bench_cohort.py
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from send_analysis.cohort.io import read_costs, read_population, read_transitions, read_valid_states
from send_analysis.cohort.model import CohortModel, fit

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "cohort"
SIMS, YEARS, LOOP_SIMS = 1000, 10, 50


def per_child_loop(model: CohortModel, years: int, simulations: int, seed: int) -> np.ndarray:
    """The same model, one child at a time: parameters per simulation, then each child's step."""
    rng = np.random.default_rng(seed)
    totals = np.zeros((simulations, years + 1))
    pop = model.population.set_index(["calendar-year", "academic-year"])["population"]
    ays = model.valid.academic_years
    for s in range(simulations):
        pl = rng.beta(np.maximum(model.leave_a, 1e-12), np.maximum(model.leave_b, 1e-12))
        pm = rng.beta(np.maximum(model.move_a, 1e-12), np.maximum(model.move_b, 1e-12))
        children = list(np.repeat(np.arange(model.n_states), model.initial))
        totals[s, 0] = len(children)
        for t in range(years):
            nxt = []
            for v in children:
                if rng.random() < pl[v]:
                    continue
                if rng.random() < pm[v]:
                    alpha = model.dest_alpha[v]
                    k = rng.choice(len(alpha), p=alpha / alpha.sum())
                    nxt.append(model.move_next[v, k])
                elif model.stay_next[v] >= 0:
                    nxt.append(model.stay_next[v])
            year = model.start_year + t + 1
            for i, a in enumerate(ays):
                rate = model.joiner_a[i] / (model.joiner_a[i] + model.joiner_b[i])
                for _ in range(rng.binomial(int(pop.loc[(year, a)]), rate)):
                    mix = model.joiner_alpha[i]
                    nxt.append(model.joiner_index[i, rng.choice(len(mix), p=mix / mix.sum())])
            children = nxt
            totals[s, t + 1] = len(children)
    return totals


def main() -> None:
    valid = read_valid_states(EXAMPLES / "valid_states.csv")
    model = fit(read_transitions(EXAMPLES / "transitions.csv", valid),
                read_population(EXAMPLES / "population.csv"), valid,
                read_costs(EXAMPLES / "costs.csv", valid))
    model.initial = model.initial + np.round(model.initial * 0.2).astype(np.int64)
    print(f"starting plans: {model.initial.sum():,}; states: {model.n_states:,}")
    model.simulate(YEARS, 50, seed=1)                     # warm-up
    t0 = time.perf_counter()
    res = model.simulate(YEARS, SIMS, seed=50)
    vec = time.perf_counter() - t0
    print(f"counts-based: {SIMS:,} simulations x {YEARS} years in {vec:.2f} s "
          f"(mean plans in year {YEARS}: {res.count[:, -1].mean():,.0f})")
    t0 = time.perf_counter()
    loop_tot = per_child_loop(model, YEARS, LOOP_SIMS, seed=50)
    loop = (time.perf_counter() - t0) * SIMS / LOOP_SIMS
    print(f"per-child loop: {LOOP_SIMS} simulations in {loop * LOOP_SIMS / SIMS:.2f} s, "
          f"scaled to {SIMS:,}: {loop:.1f} s (mean plans in year {YEARS}: "
          f"{loop_tot[:, -1].mean():,.0f})")
    print(f"speed-up: {loop / vec:.0f}x")


if __name__ == "__main__":
    main()
