"""The DSG management plan workbook (layout, sources, atomic write) and the finance commands."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from test_finance_model import hand_inputs, hand_paths
from test_invest_to_save import APPENDIX_1

from send_analysis.cli import main
from send_analysis.data.taxonomy import AGE_BANDS, SETTING_GROUPS
from send_analysis.demand.crosstab import NEEDS
from send_analysis.demand.placement_tables import PlacementTables
from send_analysis.finance import export, model
from send_analysis.finance import scenarios as sc
from send_analysis.finance import template_map as tm

POSTS = {"type": "invest_to_save", "name": "posts", "avoided_placements": {"2022-23": 2, "2023-24": 4},
         "costs": {"2021-22": 100_000, "2022-23": 50_000}, "funding": "dsg"}


def _rows(ws) -> dict[str, list]:
    return {r[0]: list(r[1:]) for r in ws.iter_rows(values_only=True) if r and isinstance(r[0], str)}


def _result():
    s = sc.validate_scenario({"name": "Posts", "levers": [POSTS]}, source="posts.yaml", first_fy="2021-22")
    return sc.evaluate(hand_inputs(), hand_paths(), [s])


def hand_tables() -> PlacementTables:
    """Whole-number CYP tables: 2024 totals only, 2025 published parts, 2026 projected; 3 plans
    aged 11-15 in post-16 (moved to Other in the workbook)."""
    years = [2024, 2025, 2026]
    groups, bands, needs = list(SETTING_GROUPS), list(AGE_BANDS), list(NEEDS)
    totals = pd.DataFrame(10.0, index=groups, columns=years)
    by_age = {g: pd.DataFrame(2.0, index=bands, columns=years) for g in groups}
    by_need = {g: pd.DataFrame(0.0, index=needs, columns=years) for g in groups}
    for g in groups:
        by_age[g][2024] = np.nan
        by_need[g][2024] = np.nan
        by_need[g].loc["ASD"] = [np.nan, 6.0, 6.0]
        by_need[g].loc["SEMH"] = [np.nan, 4.0, 4.0]
    by_age["post16"].loc[:, 2025] = [0, 0, 3, 5, 2]
    by_age["post16"].loc[:, 2026] = [0, 0, 0, 8, 2]
    return PlacementTables(la_code="999", la_name="Testshire", history_years=[2024, 2025],
                           projected_years=[2026], totals=totals, by_age=by_age, by_need=by_need,
                           notes=["hand-made"])


def _cyp_read_back(ws) -> dict[str, dict[str, dict[str, list]]]:
    """{section heading: {"age"/"need": {row label: [values by year]}}} read from the sheet."""
    rows = list(ws.iter_rows(values_only=True))
    out: dict = {}
    section = table = None
    for r in rows:
        label = r[0]
        if label == tm.CYP_SECTIONS[1]:  # "Graphs": the data tables end here
            break
        if label in tm.PLACEMENT_SECTIONS.values() and all(v is None for v in r[1:]):
            section = out.setdefault(label, {})
            table = None
        elif section is not None and label == tm.AGE_TABLE_TITLE:
            table = section.setdefault("age", {})
        elif section is not None and label == tm.NEED_TABLE_TITLE:
            table = section.setdefault("need", {})
        elif table is not None and isinstance(label, str) and label:
            table[label] = list(r[1:])
    return out


def check_cyp_sheet(ws, n_years: int) -> dict:
    """The checks of issue 12 item 6 on a written CYP sheet; returns the read-back tables."""
    cyp = _cyp_read_back(ws)
    assert list(cyp) == list(tm.PLACEMENT_SECTIONS.values())
    for group, heading in tm.PLACEMENT_SECTIONS.items():
        age, need = cyp[heading]["age"], cyp[heading]["need"]
        bands = tm.SECTION_AGE_BANDS.get(group, list(tm.AGE_ROWS))
        assert list(age) == [tm.AGE_ROWS[b] for b in bands] + [tm.AGE_TOTAL_LABEL]
        assert list(need) == list(tm.NEED_ROWS.values()) + [tm.NEED_TOTAL_LABEL]
        for table, total_label in ((age, tm.AGE_TOTAL_LABEL), (need, tm.NEED_TOTAL_LABEL)):
            for values in table.values():
                assert all(v is None or (isinstance(v, int) and v >= 0) for v in values[:n_years])
            for j in range(n_years):
                parts = [v[j] for k, v in table.items() if k != total_label]
                if all(p is not None for p in parts):
                    assert sum(parts) == table[total_label][j], (heading, total_label, j)
        # age total = need total in every section and year
        assert age[tm.AGE_TOTAL_LABEL][:n_years] == need[tm.NEED_TOTAL_LABEL][:n_years]
        assert all(v is not None for v in age[tm.AGE_TOTAL_LABEL][:n_years])
    return cyp


def test_workbook_tabs_and_financial_summary(tmp_path):
    inputs = hand_inputs()
    r = _result()
    path = export.write_dsg_plan(tmp_path / "plan.xlsx", inputs, r.unmitigated, [r],
                                 inputs_file="la.yaml", tables=hand_tables())
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == tm.TEMPLATE_TABS + export.SUPPORTING_TABS
    assert all(len(n) <= 31 for n in wb.sheetnames)
    for tab, heading in tm.TAB_HEADINGS.items():
        assert wb[tab]["A1"].value.startswith(heading)
    fin = list(wb[tm.TAB_FINANCIAL].iter_rows(values_only=True))
    labels = [row[0] for row in fin]
    for section in tm.FINANCIAL_SECTIONS:
        assert section in labels
    # unmitigated and mitigated plans, each with income, movements, expenditure and balances
    assert labels.count(tm.ROW_CARRIED_FORWARD) == 2 and labels.count(tm.ROW_MOVEMENTS_TOTAL) == 2
    p = r.unmitigated
    n = len(p.fys)
    for k, start in enumerate(i for i, lab in enumerate(labels) if lab == tm.ROW_IN_YEAR):
        proj = (p, r.mitigated)[k]
        in_year = fin[start][2:2 + n]
        bf = fin[start + 1][2:2 + n]
        cf = fin[start + 2][2:2 + n]
        for j in range(n):  # carried forward = brought forward + in-year (whole pounds)
            assert abs(cf[j] - (bf[j] + in_year[j])) <= 1
        assert abs(cf[-1] - proj.cumulative.mean(axis=0)[-1]) <= 1
    # every income and expenditure line the projection holds is shown, block movements apart
    for name in [*p.income, *p.expenditure]:
        assert p.label_of(name) in labels
    moves = labels.index(p.label_of("block_transfers"))
    assert labels.index(tm.ROW_INCOME_TOTAL) < moves < labels.index(tm.ROW_MOVEMENTS_TOTAL)
    row = fin[labels.index(p.label_of("other.sen_support_services"))]
    assert row[1] == "1.2.5"
    # workstream log from the scenario file
    gov = list(wb[tm.TAB_GOVERNANCE].iter_rows(values_only=True))
    header = next(row for row in gov if row[0] == tm.WORKSTREAM_COLUMNS[0])
    ws1 = next(row for row in gov if row[0] == "WS1")
    assert ws1[1] == "Posts" and ws1[header.index("Source")] == "posts.yaml"
    narrative = [row[0] for row in wb[tm.TAB_NARRATIVE].iter_rows(values_only=True)]
    assert all(s in narrative for s in tm.NARRATIVE_SECTIONS)
    assert any(isinstance(t, str) and "Posts" in t for t in narrative)
    assumptions = _rows(wb["Assumptions"])
    assert assumptions["opening_balance.cumulative"][1] == "Test report para 1"


def test_cyp_tables_labels_totals_and_whole_numbers(tmp_path):
    inputs = hand_inputs()
    p = model.project_dsg(inputs, hand_paths())
    path = export.write_dsg_plan(tmp_path / "plan.xlsx", inputs, p, tables=hand_tables())
    cyp = check_cyp_sheet(openpyxl.load_workbook(path)[tm.TAB_CYP], n_years=3)
    post16 = cyp[tm.PLACEMENT_SECTIONS["post16"]]
    other = cyp[tm.PLACEMENT_SECTIONS["other"]]
    # the 3 post-16 plans aged 11-15 in 2025 are counted under Other placements
    assert post16["age"][tm.AGE_TOTAL_LABEL][:3] == [10, 7, 10]
    assert other["age"]["Age 11 to 15"][:3] == [None, 5, 2]
    assert other["need"][tm.NEED_TOTAL_LABEL][:3] == [10, 13, 10]
    # 2024: totals only (parts not published)
    assert post16["need"]["Autistic Spectrum Disorder"][0] is None


def test_failed_write_keeps_the_good_file(tmp_path, monkeypatch):
    target = tmp_path / "plan.xlsx"
    p = model.project_dsg(hand_inputs(), hand_paths())
    export.write_dsg_plan(target, hand_inputs(), p, tables=hand_tables())
    good = target.read_bytes()

    def broken_save(self, filename):
        with open(filename, "wb") as fh:
            fh.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        export.write_dsg_plan(target, hand_inputs(), p, tables=hand_tables())
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
    import send_analysis.finance.resolve as resolve_mod

    monkeypatch.setattr(export, "placement_tables_for", lambda inputs, p, **kw: hand_tables())
    import send_analysis.data.geography as geography

    monkeypatch.setattr(resolve_mod, "resolve_inputs",
                        lambda la, path: (inputs_mod.load_inputs(path), str(path)))
    # --la goes through la_record with or without --inputs: the hand-made LA 999 is let through
    monkeypatch.setattr(geography, "la_record", lambda la, *a, **k: SimpleNamespace(la_code=str(la)))
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
    assert openpyxl.load_workbook(out).sheetnames[0] == tm.TAB_COVER


def test_invalid_inputs_write_nothing(tmp_path, capsys):
    bad = hand_inputs()
    bad["unit_costs"]["by_setting_group"]["special_indep_nm"] = -1
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(bad))
    out = tmp_path / "plan.xlsx"
    assert main(["dsg-plan", "--la", "334", "--inputs", str(f), "--xlsx", str(out)]) == 2
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


def test_cyp_years_run_from_the_base_year_and_follow_as_of(monkeypatch):
    """Issue 18 item 4: the template's history is the Januaries paired with the three outturn
    years ending with the base year; the tables stop at the --as-of January."""
    import send_analysis.demand.placement_tables as pt
    from send_analysis.finance import template_map as tm

    assert tm.HISTORY_YEARS == 3
    assert export.first_history_census("2024-25") == 2023
    assert export.first_history_census("2025-26") == 2024
    seen = {}

    def fake(la, projected, first_history, as_of=None, panel=None):
        seen.update(la=la, projected=list(projected), first=first_history, as_of=as_of)
        return "tables"

    monkeypatch.setattr(pt, "placement_tables", fake)
    p = SimpleNamespace(la_code="334", fys=["2026-27", "2027-28"], opening_fy="2025-26")
    assert export.placement_tables_for({"la_code": "334"}, p, as_of=2026) == "tables"
    assert seen == {"la": "334", "projected": [2027, 2028], "first": 2024, "as_of": 2026}


@pytest.mark.realdata
def test_solihull_workbook_cyp_years_start_with_the_base_years_window(tmp_path):
    """Public defaults: base year 2024-25, so the CYP history is January 2023 to 2025."""
    path = tmp_path / "plan.xlsx"
    assert main(["dsg-plan", "--la", "334", "--xlsx", str(path), "--draws", "50"]) == 0
    cover = {r[0]: r[1] for r in openpyxl.load_workbook(path)["Cover"].iter_rows(values_only=True)
             if r[0]}
    assert cover["Financial years"] == "2024-25 (last actual) to 2029-30"
    assert cover["Census years (children and young people)"] == "January 2023 to January 2030"
