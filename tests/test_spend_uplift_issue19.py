"""Issue 19 item 7: a finance line is reproducible from what the page states. Where the finance
backtest's spend factor raises projected spend, the line's source (workbook) and the costs page
say so, and by how much in each year."""

from __future__ import annotations

import numpy as np
import pytest
from test_finance_model import hand_inputs, hand_paths

from send_analysis.finance import export, model, present

SPREAD = {1: {"p10": -0.1, "p50": 0.02, "p90": 0.15}, 2: {"p10": -0.2, "p50": 0.05, "p90": 0.3}}


def _pair():
    base = model.project_dsg(hand_inputs(), hand_paths(400))
    p = model.project_dsg(hand_inputs(uncertainty={"spend_log_error": SPREAD}), hand_paths(400))
    return base, p


def test_the_stated_uplift_reproduces_each_scaled_line_from_the_unscaled_one():
    base, p = _pair()
    assert base.spend_uplift == {}
    assert p.spend_uplift[p.fys[0]] == 0.0 and p.spend_uplift[p.fys[1]] > 0.01
    for j, fy in enumerate(p.fys):
        scaled = sum(v[:, j].sum() for k, v in p.expenditure.items() if model.uplifted_line(k))
        plain = sum(v[:, j].sum() for k, v in base.expenditure.items() if model.uplifted_line(k))
        assert scaled == pytest.approx(plain * (1 + p.spend_uplift[fy]), rel=1e-9), fy
    assert not model.uplifted_line("other.place_funding_and_other_dsg")
    assert not model.uplifted_line("placements.provision.asc_school")


def test_the_workbook_line_source_says_the_factor_and_by_how_much():
    _, p = _pair()
    inputs = hand_inputs(uncertainty={"spend_log_error": SPREAD})
    src = export.line_source("placements.special_indep_nm", inputs, "inputs.yaml", p.spend_uplift)
    fy = p.fys[1]
    assert "x the finance backtest's spend factor: projected spend raised by " in src
    assert f"{100 * p.spend_uplift[fy]:+.1f}% in {fy}" in src and "decision 0067" in src
    assert "spend factor" not in export.line_source("hnb_allocation", inputs, "inputs.yaml",
                                                    p.spend_uplift)


def test_the_costs_page_states_the_factor_and_the_lines_without_it():
    base, p = _pair()
    text = present.uplift_text(p)
    fy = p.fys[-1]
    assert "x the finance backtest's spend factor" in text and f"% in {fy}" in text
    without = sum(v.mean(axis=0)[-1] for k, v in base.expenditure.items() if model.uplifted_line(k))
    assert model.money_m(without) in text
    assert present.uplift_text(base) == ""


def test_the_workbook_plan_rows_carry_the_factor(tmp_path):
    from openpyxl import load_workbook

    _, p = _pair()
    inputs = hand_inputs(uncertainty={"spend_log_error": SPREAD})
    wb = load_workbook(export.write_dsg_plan(tmp_path / "w.xlsx", inputs, p))
    cells = [str(c) for row in wb["Financial summary"].iter_rows(values_only=True) for c in row if c]
    assert any("spend factor: projected spend raised by" in c for c in cells)
    assert np.isfinite(list(p.spend_uplift.values())).all()
