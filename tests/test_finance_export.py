"""The DSG management plan workbook (layout, sources, atomic write) and the finance commands."""

from __future__ import annotations

import json

import openpyxl
import pytest
import yaml
from test_finance_model import hand_inputs, hand_paths
from test_invest_to_save import APPENDIX_1

from send_analysis.cli import main
from send_analysis.finance import export, model
from send_analysis.finance import scenarios as sc

POSTS = {"type": "invest_to_save", "name": "posts", "avoided_placements": {"2022-23": 2, "2023-24": 4},
         "costs": {"2021-22": 100_000, "2022-23": 50_000}, "funding": "dsg"}


def _rows(ws) -> dict[str, list]:
    return {r[0]: list(r[1:]) for r in ws.iter_rows(values_only=True) if r and isinstance(r[0], str)}


def _result():
    s = sc.validate_scenario({"name": "Posts", "levers": [POSTS]}, source="posts.yaml", first_fy="2021-22")
    return sc.evaluate(hand_inputs(), hand_paths(), [s])


def test_workbook_layout_and_figures(tmp_path):
    inputs = hand_inputs()
    r = _result()
    path = export.write_dsg_plan(tmp_path / "plan.xlsx", inputs, r.unmitigated, [r], inputs_file="la.yaml")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary", "Financial plan", "Mitigations", "Placements", "Assumptions"]
    summary = list(wb["Summary"].iter_rows(values_only=True))
    header = next(row for row in summary if row[1] == "2020-21")
    assert list(header[1:5]) == ["2020-21", "2021-22", "2022-23", "2023-24"]
    cum = [row for row in summary if row[0] == "Cumulative balance"]
    assert list(cum[0][1:5]) == [-1_000_000, -1_690_000, -2_773_000, -5_430_700]  # unmitigated
    assert list(cum[1][1:5]) == [-1_000_000, -1_790_000, -2_857_000, -5_369_500]  # mitigated
    in_year = [row for row in summary if row[0] == "In-year balance"]
    assert in_year[0][1] == -400_000  # the actual year from the inputs
    plan = _rows(wb["Financial plan"])
    assert plan["High Needs Block allocation"][:3] == [7_000_000, 7_700_000, 8_470_000]
    assert "Test DSG allocations" in plan["High Needs Block allocation"][3]
    assert plan["Mitigation cost (DSG): posts"][:3] == [100_000, 50_000, 0]
    assert "Test report para 1" in plan["Cumulative balance at 31 March"][3]
    mit = _rows(wb["Mitigations"])
    assert mit["Net benefit"][:3] == [-100_000, 16_000, 145_200]
    assumptions = _rows(wb["Assumptions"])
    assert assumptions["unit_costs.by_setting_group.special_indep_nm"][0] == 50_000
    assert assumptions["opening_balance.cumulative"][1] == "Test report para 1"
    assert assumptions["scenario[Posts].levers[0].avoided_placements.2023-24"][0] == 4


def test_failed_write_keeps_the_good_file(tmp_path, monkeypatch):
    target = tmp_path / "plan.xlsx"
    p = model.project_dsg(hand_inputs(), hand_paths())
    export.write_dsg_plan(target, hand_inputs(), p)
    good = target.read_bytes()

    def broken_save(self, filename):
        with open(filename, "wb") as fh:
            fh.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        export.write_dsg_plan(target, hand_inputs(), p)
    assert target.read_bytes() == good
    assert [f.name for f in tmp_path.iterdir()] == ["plan.xlsx"]


# ------------------------------------------------------------------------------------ CLI


@pytest.fixture
def la_files(tmp_path, monkeypatch):
    """An LA inputs file and a scenario file; placement paths from the hand-computed case."""
    inputs = hand_inputs(invest_to_save=APPENDIX_1)
    f = tmp_path / "la.yaml"
    f.write_text(yaml.safe_dump(inputs, sort_keys=False))
    s = tmp_path / "posts.yaml"
    s.write_text(yaml.safe_dump({"name": "Posts", "levers": [POSTS]}))
    monkeypatch.setattr(model, "placement_paths", lambda inputs, **kw: hand_paths())
    import send_analysis.finance.inputs as inputs_mod

    monkeypatch.setattr(inputs_mod, "resolve_inputs",
                        lambda la, path: (inputs_mod.load_inputs(path), str(path)))
    return f, s


def test_scenario_command_json(la_files, capsys):
    f, s = la_files
    assert main(["scenario", "--la", "999", "--inputs", str(f), "--scenario", str(s), "--horizon", "3", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["unmitigated"][-1]["cumulative"] == -5_430_700
    (res,) = doc["scenarios"]
    assert res["payback_year"] == "2023-24"
    assert res["npv"] == 51_005
    assert [y["net_benefit"] for y in res["by_year"]] == [-100_000, 16_000, 145_200]


def test_dsg_plan_command_writes_the_workbook(la_files, tmp_path, capsys):
    f, s = la_files
    out = tmp_path / "out" / "plan.xlsx"
    assert main(["dsg-plan", "--la", "999", "--inputs", str(f), "--scenario", str(s), "--horizon", "3",
                 "--xlsx", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert openpyxl.load_workbook(out).sheetnames[0] == "Summary"


def test_invalid_inputs_write_nothing(tmp_path, capsys):
    bad = hand_inputs()
    bad["unit_costs"]["by_setting_group"]["special_indep_nm"] = -1
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(bad))
    out = tmp_path / "plan.xlsx"
    assert main(["dsg-plan", "--la", "999", "--inputs", str(f), "--xlsx", str(out)]) == 2
    err = capsys.readouterr().err
    assert "unit_costs.by_setting_group.special_indep_nm" in err and str(f) in err
    assert not out.exists()


def test_invalid_scenario_writes_nothing(la_files, tmp_path, capsys):
    f, _ = la_files
    s = tmp_path / "early.yaml"
    s.write_text(yaml.safe_dump({"name": "x", "levers": [{**POSTS, "avoided_placements": {"2019-20": 1}}]}))
    out = tmp_path / "plan.xlsx"
    assert main(["dsg-plan", "--la", "999", "--inputs", str(f), "--scenario", str(s), "--xlsx", str(out)]) == 2
    assert "levers[0].avoided_placements.2019-20" in capsys.readouterr().err
    assert not out.exists()


def test_invest_to_save_command(la_files, capsys):
    f, _ = la_files
    assert main(["invest-to-save", "--inputs", str(f), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["totals"]["dsg"] == {"2021-22": 67_000, "2022-23": 100_000, "2023-24": 100_000, "2024-25": 100_000}
    assert doc["totals"]["council"] == {"2021-22": 219_000, "2022-23": 398_000, "2023-24": 559_000,
                                        "2024-25": 528_000}
    assert doc["reserve"]["reserve_computed"] == 1_176_000
    # 100k / (55k x 1.1 - 22k) = 100k / 33k at 2022-23 prices (10% inflation in hand_inputs)
    assert doc["break_even"]["2022-23"]["break_even_net"] == pytest.approx(3.03, abs=0.005)
    assert doc["break_even"]["2022-23"]["break_even_net_whole"] == 4
    assert "printed_rows" not in doc  # LA 999 has no printed appendix
