"""Cohort simulation speed-ups that must never change a draw (issue 13): the guided
categorical draw and the backtest reusing a fitted model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from send_analysis.cohort.model import _categorical, _guide, _laid_end_to_end


class FixedUniforms:
    """Stands in for a Generator: ``random(n)`` gives the next ``n`` of some chosen uniforms."""

    def __init__(self, u: np.ndarray) -> None:
        self.u, self.at = np.asarray(u, dtype=float), 0

    def random(self, n: int) -> np.ndarray:
        out = self.u[self.at:self.at + n]
        self.at += n
        return out


def cumulative_rows(rng: np.random.Generator, rows: int, k: int) -> np.ndarray:
    """Rows of cumulative probabilities as the simulation builds them: many impossible
    categories (repeated values), some rows with no mass at all (all zeros)."""
    p = rng.random((rows, k)) * (rng.random((rows, k)) < 0.3)
    p[rng.random(rows) < 0.1] = 0.0
    total = p.sum(axis=1, keepdims=True)
    p = np.divide(p, total, out=np.zeros_like(p), where=total > 0)
    cum = np.cumsum(p, axis=1)
    cum[:, -1] = np.where(cum[:, -1] > 0, 1.0, 0.0)
    return cum


@pytest.mark.parametrize("k", [1, 3, 14, 168])
def test_guided_categorical_draws_exactly_what_the_binary_search_draws(k):
    rng = np.random.default_rng(k)
    cum = cumulative_rows(rng, 400, k)
    flat = _laid_end_to_end(cum)
    guide = _guide(flat, k)
    assert guide is not None
    row = np.sort(rng.integers(0, 400, size=50_000))
    # uniforms that sit exactly on the rows' edges, at 0 and just below 1, and at random
    edges = cum[row[:10_000], rng.integers(0, k, size=10_000)]
    u = np.concatenate([edges, np.zeros(100), np.full(100, 1 - 2**-53),
                        np.nextafter(edges[:1000], 0), rng.random(50_000 - 11_200)])
    plain = _categorical(FixedUniforms(u), flat, k, row)
    guided = _categorical(FixedUniforms(u), flat, k, row, guide)
    assert np.array_equal(plain, guided)
    assert plain.min() >= 0 and plain.max() <= k - 1


def test_guide_declines_an_unsorted_array():
    assert _guide(np.array([0.5, 1.0, 1.2, 1.1]), 2) is None


def test_backtest_with_the_fitted_model_is_the_backtest():
    from send_analysis.cohort.io import (
        read_costs,
        read_population,
        read_transitions,
        read_valid_states,
    )
    from send_analysis.cohort.model import fit
    from send_analysis.cohort.validation import backtest
    from tests.test_cohort_model import COSTS, TEN, VALID, population  # the module's hand-made LA

    valid = read_valid_states(VALID)
    rows = pd.concat([TEN, TEN.assign(**{"calendar-year": "2024"}).assign(
        **{"academic-year-1": lambda d: (d["academic-year-1"].astype(int) + 1).astype(str),
           "academic-year-2": lambda d: (d["academic-year-2"].astype(int) + 1).astype(str)})])
    t = read_transitions(rows, valid)
    pop, costs = read_population(population(range(2023, 2035))), read_costs(COSTS, valid)
    model = fit(t[t["calendar-year"] <= 2023], pop, valid, costs)
    alone = backtest(t, pop, valid, costs, origin=2024, simulations=200, seed=3)
    reused = backtest(t, pop, valid, costs, origin=2024, simulations=200, seed=3, model=model)
    pd.testing.assert_frame_equal(alone, reused)


def test_the_joiners_guide_never_changes_a_simulation(monkeypatch):
    """A large LA's joiners are drawn through a guide table to their chunk's mixes; with the
    guide switched off (always a binary search) every count, cost and flow is the same."""
    from send_analysis.cohort import model as cm
    from send_analysis.cohort.io import (
        read_costs,
        read_population,
        read_transitions,
        read_valid_states,
    )
    from tests.test_cohort_model import COSTS, TEN, VALID, population

    valid = read_valid_states(VALID)
    t = read_transitions(TEN, valid)
    big = pd.concat([population(range(2023, 2025)),  # fitted on 100 a year of age, then
                     population(range(2025, 2035), value=20_000)])  # many joiners: a guide
    m = cm.fit(t, read_population(big), valid, read_costs(COSTS, valid))
    built = []
    real = cm._guide
    monkeypatch.setattr(cm, "_guide", lambda flat, k: built.append(k) or real(flat, k))
    guided = m.simulate(4, 300, seed=5)
    assert m.joiner_alpha.shape[1] in built
    monkeypatch.setattr(cm, "_guide", lambda flat, k: None)
    plain = m.simulate(4, 300, seed=5)
    np.testing.assert_array_equal(guided.count, plain.count)
    np.testing.assert_array_equal(guided.flows, plain.flows)
    for dim in guided.groups:
        np.testing.assert_array_equal(guided.groups[dim][1], plain.groups[dim][1])


def test_a_scenario_after_its_baseline_reuses_the_parameter_draws_and_equals_it_run_alone(monkeypatch):
    """The baseline and a scenario share their parameter draws (the same posteriors, seed and
    chunks): the second run draws none and gives exactly what it gives in a fresh process."""
    from send_analysis.cohort import model as cm
    from send_analysis.cohort.io import (
        read_costs,
        read_population,
        read_transitions,
        read_valid_states,
    )
    from send_analysis.cohort.scenarios import Scale, Scenario
    from tests.test_cohort_model import COSTS, TEN, VALID, population

    valid = read_valid_states(VALID)
    m = cm.fit(read_transitions(TEN, valid), read_population(population(range(2023, 2035))),
               valid, read_costs(COSTS, valid))
    scenario = Scenario("more IS", scales=(Scale("movers", 5.0, 2025, setting_to="IS"),))
    monkeypatch.setattr(cm, "_PARAMETERS", {})
    alone = m.simulate(4, 600, seed=9, scenario=scenario)
    monkeypatch.setattr(cm, "_PARAMETERS", {})
    m.simulate(4, 600, seed=9)
    betas = []
    real = cm._beta
    monkeypatch.setattr(cm, "_beta", lambda *a: betas.append(1) or real(*a))
    after = m.simulate(4, 600, seed=9, scenario=scenario)
    assert betas == []  # every chunk's parameters reused
    np.testing.assert_array_equal(alone.count, after.count)
    np.testing.assert_array_equal(alone.flows, after.flows)
    np.testing.assert_array_equal(alone.cost, after.cost)
    unseeded = m.simulate(2, 10)  # never reused
    assert betas and unseeded.count.shape == (10, 3)
