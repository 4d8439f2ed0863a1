"""Issue 19 items 5 and 6: the balance is named for what it is (the whole DSG), a surplus is
explained, the high-needs part is given where the data allow; example scenarios are called
examples, Solihull's own scenario files run for any first forecast year (and for Solihull
only), and the workbook gives the pack's band in the pack's words."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from send_analysis.finance import scenarios as sc
from send_analysis.report import figures, summary

REPO = Path(__file__).resolve().parents[1]
ASC = REPO / "scenarios" / "solihull_asc_school.yaml"
POSTS = REPO / "scenarios" / "solihull_invest_to_save.yaml"


def _surplus_headline(latest: float, first_deficit: str | None = "2027-28") -> dict:
    un = {"value": -5e6, "financial_year": "2029-30", "date": "31 March 2030",
          "high_needs_in_year": {"financial_year": "2025-26", "value": -12e6,
                                 "other_blocks": 4e6, "in_year": -8e6}}
    if first_deficit:
        un["first_deficit"] = first_deficit
    return {"dsg_balance_latest": {"value": latest, "financial_year": "2024-25",
                                   "date": "31 March 2025", "estimate": True, "in_year": 22.3e6},
            "dsg_balance_end_unmitigated": un}


def test_the_balance_is_called_the_dsg_balance_not_the_high_needs_balance():
    labels = " ".join(t for _, t in summary.ROWS)
    assert "High Needs balance" not in labels and "DSG balance (all blocks) at {date}" in labels
    h = _surplus_headline(68.8e6)
    text = " ".join(summary.sentences("Birmingham", {**h, "plans_latest": None}))
    assert "The DSG balance (all blocks) stood at" in text and "High Needs balance" not in text
    assert "the whole DSG, not the High Needs Block alone" in summary.context(
        "dsg_balance_latest", h["dsg_balance_latest"])


def test_a_surplus_is_said_and_explained_and_the_high_needs_part_given():
    note = summary.dsg_note("Birmingham", _surplus_headline(68.8e6))
    assert "Birmingham is in surplus: its DSG balance was an estimated £68.8m in credit at " \
           "31 March 2025, after an in-year balance of £22.3m in 2024-25." in note
    assert "The surplus is on the other blocks: in 2025-26 the High Needs Block alone is " \
           "forecast at −£12.0m in the year and place funding and the other blocks at £4.0m" in note
    assert "turns to a deficit in 2027-28" in note
    assert "no balance of the High Needs Block alone is published for each LA" in note
    h = _surplus_headline(68.8e6, None)
    h["dsg_balance_end_unmitigated"]["high_needs_in_year"].update(value=69.7e6, other_blocks=-43.6e6)
    own = summary.dsg_note("Birmingham", h)
    assert "Its high-needs income still exceeds its high-needs spend: in 2025-26 the High Needs " \
           "Block alone is forecast at £69.7m in the year (place funding and the other blocks " \
           "−£43.6m)." in own and "turns to a deficit" not in own
    deficit = summary.dsg_note("Solihull", _surplus_headline(-30.4e6, None))
    assert "surplus" not in deficit and "In 2025-26 the High Needs Block alone is forecast at " \
           "−£12.0m in the year" in deficit
    page = summary.index_html("330", "Birmingham", _surplus_headline(68.8e6), "", "", "", "", None, {})
    assert 'class="sa-dsg-note">Birmingham is in surplus' in page


def test_high_needs_in_year_leaves_out_place_funding_and_the_other_blocks():
    proj = SimpleNamespace(
        fys=["2025-26", "2026-27"], in_year=np.array([[-8e6, -9e6], [-8e6, -9e6]]),
        expenditure={figures.OTHER_DSG_EXPENDITURE: np.array([[3e6, 3e6], [5e6, 5e6]])})
    hn = figures.high_needs_in_year(proj)
    assert hn == {"financial_year": "2025-26", "value": -4e6, "other_blocks": -4e6, "in_year": -8e6}


def test_the_workbook_names_the_dsg_balance_and_describes_the_band_as_the_pack_does():
    from test_finance_model import hand_inputs, hand_paths

    from send_analysis.finance import export, model

    proj = model.project_dsg(hand_inputs(), hand_paths())
    text = export.financial_narrative(proj, None)
    s = proj.summary_frame().iloc[-1]
    assert text.startswith("The DSG cumulative balance (all blocks) was")
    assert f"80% band {export._money(s['cumulative_p10'])} to {export._money(s['cumulative_p90'])}: " \
           "the band holds 80% of simulated paths" in text
    assert "from demand uncertainty" not in text


def _inputs(first_fy: str, la_code: str = "334", its: bool = False) -> dict:
    d = {"la_code": la_code, "first_forecast_year": first_fy}
    if its:
        d["invest_to_save"] = {"posts": []}
    return d


def test_solihulls_scenario_files_run_for_any_first_forecast_year():
    ok, skipped = sc.load_applicable([ASC], _inputs("2025-26"))
    assert not skipped and ok[0].levers[0]["opens"] == 2027 and ok[0].la_code == "334"
    ok, _ = sc.load_applicable([ASC], _inputs("2021-22"))
    assert ok[0].levers[0]["opens"] == 2023  # the report's own year when 2021-22 is the first year
    ok, skipped = sc.load_applicable([POSTS], _inputs("2021-22", its=True))
    assert not skipped
    assert list(ok[0].levers[0]["avoided_placements"]) == ["2021-22", "2022-23", "2023-24", "2024-25"]


def test_an_las_own_scenario_file_applies_to_that_la_only():
    from send_analysis.errors import ConfigError

    ok, skipped = sc.load_applicable([ASC], _inputs("2025-26", la_code="330"))
    assert not ok and "written for LA 334" in skipped[0][1]
    with pytest.raises(ConfigError, match="la_code"):
        sc.validate_scenario({"name": "x", "la_code": 334, "levers": [
            {"type": "isp_step_down", "share": 0.5, "start": "+1", "ramp_years": 1}]})


def test_example_scenarios_are_called_examples_with_their_investment():
    ex = SimpleNamespace(name="Early help", la_code=None, file=str(REPO / "scenarios/early_help.yaml"))
    own = SimpleNamespace(name="100-place ASC special school", la_code="334", file=str(ASC))
    res = lambda *s: SimpleNamespace(scenarios=s, investment=lambda: np.zeros((3, 2)))  # noqa: E731
    only_ex = figures.scenario_kinds({}, res(ex))
    assert only_ex["with"] == "the example scenarios" and only_ex["examples"] == ["Early help"]
    both = figures.scenario_kinds({}, res(ex, own))
    assert both["with"] == "the example scenarios and the LA's" and both["own"] == [own.name]
    listed = SimpleNamespace(name="Ours", la_code=None, file="mine.yaml")
    assert figures.scenario_kinds({"mitigations": ["mine.yaml"]}, res(listed))["with"] == \
        "the LA's scenarios"
    fig = {"value": -1e8, "date": "31 March 2030", **only_ex}
    assert summary._fill(dict(summary.ROWS)["dsg_balance_end_mitigated"], fig) == \
        "DSG balance (all blocks) at 31 March 2030, with the example scenarios"
    assert summary.context("dsg_balance_end_mitigated", fig) == \
        "1 example scenario of the toolkit, not the LA's plan (Early help); no investment costed " \
        "(the running costs of new places are in spend)"


def test_the_workbook_command_draws_as_many_paths_as_the_pack():
    import argparse

    from send_analysis.finance import cli

    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["dsg-plan", "--la", "334", "--json"])
    assert args.draws == figures.FINANCE_DRAWS


@pytest.mark.realdata
def test_workbook_and_pack_give_the_same_band_for_the_same_figure(capsys):
    """One computation: the dsg-plan command's defaults and the pack's page parameters give
    the same paths, so the same balance and band at the horizon."""
    import json

    from send_analysis.cli import main
    from send_analysis.finance import model
    from send_analysis.finance.resolve import resolve_inputs

    assert main(["dsg-plan", "--la", "334", "--json"]) == 0
    last = json.loads(capsys.readouterr().out)["years"][-1]
    inputs, _ = resolve_inputs("334", None)
    paths = model.placement_paths(inputs, horizon=model.horizon_for(inputs, 2025),
                                  n_draws=figures.FINANCE_DRAWS, as_of=2025)
    s = model.project_dsg(inputs, paths).summary_frame().iloc[-1]
    for k in ("mean", "p10", "p90"):
        assert last["cumulative"][k] == pytest.approx(s[f"cumulative_{k}"], abs=1), k
