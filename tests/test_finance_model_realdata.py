"""End to end on Solihull's real data: known census years, the example inputs, the commands."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from send_analysis.cli import main
from send_analysis.finance import model
from send_analysis.finance.inputs import load_inputs

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "solihull_2021.yaml"

pytestmark = pytest.mark.realdata


def test_known_census_years_are_actual_counts_in_every_draw():
    """January 2021 (1,743 plans) and January 2022 (2,023) are both known with as_of=2022, so FY
    2021-22 holds 5/12 x 1,743 + 7/12 x 2,023 = 1,906.3 placements in every draw."""
    inputs = load_inputs(EXAMPLE, partial=True)
    paths = model.placement_paths(inputs, horizon=2, n_draws=20, as_of=2022)
    assert paths.attrs["as_of"] == 2022
    totals = paths.groupby(["year", "draw"])["plans"].sum().unstack()
    assert totals.loc[2021].tolist() == pytest.approx([1_743] * 20)
    assert totals.loc[2022].tolist() == pytest.approx([2_023] * 20)
    assert totals.loc[2023].std() > 0  # forecast year: draws differ
    proj = model.project_dsg(load_inputs(EXAMPLE), paths)
    first = sum(v[:, 0] for v in proj.placements.values())
    assert first == pytest.approx([5 / 12 * 1_743 + 7 / 12 * 2_023] * 20)
    assert model.first_mitigation_year(load_inputs(EXAMPLE), paths) == "2022-23"


def test_commands_on_the_example(tmp_path, capsys):
    out = tmp_path / "solihull.xlsx"
    code = main(["dsg-plan", "--la", "334", "--inputs", str(EXAMPLE), "--as-of", "2021", "--draws", "50",
                 "--scenario", str(REPO / "scenarios" / "solihull_asc_school.yaml"), "--xlsx", str(out)])
    assert code == 0
    wb = openpyxl.load_workbook(out)
    summary = list(wb["Financial summary"].iter_rows(values_only=True))
    cum = [r for r in summary if r[0] == "Cumulative balance brought forward"]
    assert cum[0][2] == -9_600_000 and cum[1][2] == -9_600_000  # opening, report para 6.4
    capsys.readouterr()
    assert main(["invest-to-save", "--inputs", str(EXAMPLE), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["totals"]["council"]["2023-24"] == 559_000
    assert [r["matches_funding"] for r in doc["printed_rows"]] == ["dsg", "council", None]
