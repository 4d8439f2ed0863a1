"""The finance pages' statement of their Monte Carlo error (decision 0101)."""

from __future__ import annotations

from test_finance_model import hand_inputs, hand_paths
from test_finance_scenarios import scenario

from send_analysis.finance import model, precision
from send_analysis.finance import scenarios as sc


def test_balance_and_savings_figures_and_the_page_text():
    inputs, paths = hand_inputs(), hand_paths()
    proj = model.project_dsg(inputs, paths)
    s = scenario({"type": "early_help", "reduction": 0.1, "start": "2022-23",
                  "new_plans_share": 0.2, "exit_rate": 0.5, "mix": {"mainstream": 1.0}})
    results = [sc.evaluate(inputs, paths, [s])]
    a = precision.assessment(proj, results)
    assert list(a["figure"][: len(proj.fys)]) == [
        f"balance 31 March {int(fy[:4]) + 1}" for fy in proj.fys]
    assert (a["draws"] == len(proj.draws)).all()
    # hand paths are one draw: no spread, so no Monte Carlo error and every figure meets it
    assert a["met"].all()
    text = precision.precision_text(proj, results)
    assert f"{len(proj.draws):,} simulated paths (a fixed number" in text
    assert "every figure meets the rule" in text


def test_money_in_the_text():
    assert precision._money(2_500_000) == "£2.50m" and precision._money(1_234) == "£1,234"

