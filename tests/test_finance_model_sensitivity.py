"""Tornado and Monte Carlo of the cumulative balance, checked against a hand formula."""

from __future__ import annotations

import numpy as np
import pytest
from test_finance_model import hand_inputs, hand_paths

from send_analysis.finance import scenarios as sc
from send_analysis.finance import sensitivity as sens

#: Financial-year placements of the hand case (5/12 + 7/12 of the January counts).
STATE, INDEP, MAIN = [107, 119, 131], [67, 79, 91], [240, 240, 240]


def hand_horizon_balance(inflation=0.10, income_growth=0.10, demand=1.0) -> float:
    """Cumulative balance at 31 March 2024 of the hand case, from first principles."""
    income = [7_000_000, 7_000_000 * (1 + income_growth) + 500_000, 7_000_000 * (1 + income_growth) ** 2]
    total = -1_000_000.0
    for t in range(3):
        state = STATE[0] + demand * (STATE[t] - STATE[0])
        indep = INDEP[0] + demand * (INDEP[t] - INDEP[0])
        spend = (state * 20_000 + indep * 50_000 + 240 * 5_000) * (1 + inflation) ** t + 1_000_000
        total += income[t] - spend
    return total


def test_hand_formula_matches_the_model_base():
    assert hand_horizon_balance() == pytest.approx(-5_430_700)


def test_tornado_values_by_hand():
    t = sens.tornado(hand_inputs(), hand_paths()).set_index("assumption")
    assert set(t.index) == {"demand_growth", "inflation", "income_growth"}  # no delivery without scenarios
    assert t.loc["inflation", ["low", "high"]].tolist() == pytest.approx([0.09, 0.11])
    assert t.loc["inflation", "balance_low"] == pytest.approx(hand_horizon_balance(inflation=0.09))
    assert t.loc["inflation", "balance_high"] == pytest.approx(hand_horizon_balance(inflation=0.11))
    assert t.loc["income_growth", "balance_high"] == pytest.approx(hand_horizon_balance(income_growth=0.11))
    assert t.loc["demand_growth", "balance_low"] == pytest.approx(hand_horizon_balance(demand=0.8))
    assert t.loc["demand_growth", "balance_high"] == pytest.approx(hand_horizon_balance(demand=1.2))
    assert t["base"].tolist() == pytest.approx([-5_430_700] * 3)
    swings = sens.tornado(hand_inputs(), hand_paths())["swing"].tolist()
    assert swings == sorted(swings, reverse=True)


def test_tornado_with_scenarios_includes_delivery():
    s = sc.validate_scenario({"name": "posts", "levers": [
        {"type": "invest_to_save", "avoided_placements": {"2022-23": 2, "2023-24": 4}}]})
    t = sens.tornado(hand_inputs(), hand_paths(), [s]).set_index("assumption")
    # delivery 50% halves the £211,200 saving of the posts (66,000 + 145,200)
    assert t.loc["delivery", "base"] == pytest.approx(-5_430_700 + 211_200)
    assert t.loc["delivery", "balance_low"] == pytest.approx(-5_430_700 + 105_600)
    assert t.loc["delivery", "balance_high"] == pytest.approx(-5_430_700 + 211_200)


def test_monte_carlo_widens_the_spread_and_is_reproducible():
    paths = hand_paths(n_draws=400)
    demand_only, everything = sens.monte_carlo(hand_inputs(), paths, seed=1)
    assert np.ptp(demand_only.horizon_cumulative()) == pytest.approx(0)  # identical draws
    spread = np.quantile(everything.horizon_cumulative(), [0.1, 0.9])
    assert spread[1] - spread[0] > 100_000
    assert everything.horizon_cumulative().mean() == pytest.approx(-5_430_700, rel=0.05)
    again = sens.monte_carlo(hand_inputs(), paths, seed=1)[1]
    assert np.array_equal(again.horizon_cumulative(), everything.horizon_cumulative())
    flat = sens.Ranges(demand_growth_sd=0.0, inflation_sd=0.0, income_growth_sd=0.0)
    assert sens.monte_carlo(hand_inputs(), paths, ranges=flat)[1].horizon_cumulative() == pytest.approx(
        demand_only.horizon_cumulative())
