"""The LA's own latest year (issue 18): the inputs keys plans, outturn, a later opening balance
and monitoring; the first forecast year that follows from them; whose each figure is; bad input."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
import yaml
from test_finance_inputs import fake_defaults  # noqa: F401  (fixture)
from test_finance_model import hand_inputs

from send_analysis.data.own_plans import own_totals, with_own_plans
from send_analysis.data.tables import Tables
from send_analysis.errors import ConfigError
from send_analysis.finance.inputs import own_keys, own_part, validate_inputs
from send_analysis.finance.own_year import apply_own_year, base_year, current_fy
from send_analysis.finance.resolve import resolve_inputs

GROUPS = {"mainstream": 1000, "resourced_unit": 100, "special_state": 900,
          "special_indep_nm": 150, "ap_pru": 30, "post16": 400, "other": 226}  # 2,806


def _error(d: dict, today_year: int = 2026) -> str:
    with pytest.raises(ConfigError) as err:
        validate_inputs(d, source="la.yaml", partial=True, today_year=today_year)
    return str(err.value)


# ------------------------------------------------------------------------- validation


@pytest.mark.parametrize(("d", "key", "words"), [
    ({"plans": {2027: 2900}}, "plans.2027", "in the future"),
    ({"plans": {2009: 900}}, "plans.2009", "before 2010"),
    ({"plans": {2026: -5}}, "plans.2026", "0 or more"),
    ({"plans": {"Jan 2026": 5}}, "plans.Jan 2026", "census year"),
    ({"plans_by_age_band": {2026: {"under_5": -1, "5_10": 1, "11_15": 1, "16_19": 1,
                                   "20_25": 1}}}, "plans_by_age_band.2026.under_5", "0 or more"),
    ({"plans_by_setting_group": {2026: {"mainstream": 5}}}, "plans_by_setting_group.2026",
     "missing resourced_unit"),
    ({"plans": {2026: 2807}, "plans_by_setting_group": {2026: GROUPS}},
     "plans_by_setting_group.2026", "add up to 2,806 but plans.2026 is 2,807"),
    ({"outturn": {"2025-26": {"spend": 1}}}, "outturn.2025-26.spend", "unknown key"),
    ({"outturn": {"2025-26": {"high_needs_spend": -1}}}, "outturn.2025-26.high_needs_spend",
     "0 or more"),
    ({"monitoring": {"2026-27": {"spend": 1}, "2025-26": {"spend": 1}}}, "monitoring",
     "one financial year"),
    ({"monitoring": {"2026-27": {"income": 1}}}, "monitoring.2026-27.spend", "missing"),
])
def test_bad_own_year_keys_name_the_file_and_key(d, key, words):
    message = _error(d)
    assert message.startswith("file la.yaml: ") and f"key {key!r}: " in message and words in message


def test_own_year_keys_that_agree_are_accepted():
    d = validate_inputs({"plans": {2026: 2806}, "plans_by_setting_group": {2026: GROUPS},
                         "outturn": {"2025-26": {"high_needs_spend": 45e6}},
                         "monitoring": {"2026-27": {"spend": 50e6}}}, partial=True, today_year=2026)
    assert own_totals(d) == {2026: 2806.0}
    assert own_totals({"plans_by_setting_group": {2026: GROUPS}}) == {2026: 2806.0}


def test_the_estimate_band_is_checked_on_the_merged_inputs_only():
    """The edited finance-inputs file keeps the public band lines; only the merge can tell
    whether they still apply."""
    edited = {"opening_balance": {"cumulative": -50e6, "p10": -35e6, "p90": -23e6}}
    validate_inputs(edited, partial=True)
    complete = hand_inputs()
    complete["opening_balance"].update(edited["opening_balance"])
    with pytest.raises(ConfigError, match="p10 <= cumulative <= p90"):
        validate_inputs(complete)


# ------------------------------------------------------------------------- provenance


def test_own_part_keeps_only_what_differs_from_the_public_default():
    default = hand_inputs()
    default["opening_balance"].update({"p10": -1.5e6, "p90": -0.5e6})
    same = json.loads(json.dumps(default))  # the unedited file, read back
    assert own_part(same, default) == {"la_code": "999", "sources": default["sources"]}
    edited = json.loads(json.dumps(default))
    edited["opening_balance"]["cumulative"] = -2e6
    edited.pop("sources")
    assert own_part(edited, default) == {"la_code": "999",
                                         "opening_balance": {"cumulative": -2e6}}
    marked = {**json.loads(json.dumps(default)),
              "sources": {"income.growth_rate": "council budget report"}}
    assert own_part(marked, default)["income"] == {"growth_rate": 0.1}


def test_the_unedited_defaults_file_labels_nothing_the_las_own(tmp_path, monkeypatch):
    default = hand_inputs(la_code="999")
    default["opening_balance"].update({"p10": -1.5e6, "p90": -0.5e6})
    default["sources"] = {"opening_balance.cumulative": "ESTIMATE public",
                          "income.hnb_allocation": "public allocations"}
    body = json.loads(json.dumps({k: v for k, v in default.items() if k != "sources"}))
    f = tmp_path / "la.yaml"
    f.write_text(yaml.safe_dump(body))
    import send_analysis.finance.resolve as resolve

    monkeypatch.setattr(resolve, "default_inputs",
                        lambda la, tables=None: json.loads(json.dumps(default)))
    inputs, _ = resolve_inputs("999", f)
    assert own_keys(inputs) == []
    assert inputs["opening_balance"]["p10"] == -1.5e6  # the estimate keeps its band
    body["opening_balance"]["cumulative"] = -3e6  # the LA's own balance, band lines left in
    f.write_text(yaml.safe_dump(body))
    inputs, _ = resolve_inputs("999", f)
    assert own_keys(inputs) == ["opening_balance"]
    assert "p10" not in inputs["opening_balance"] and "p90" not in inputs["opening_balance"]


def test_a_partial_file_without_la_code_is_for_the_la_asked(tmp_path, fake_defaults):  # noqa: F811
    f = tmp_path / "la.yaml"
    f.write_text("income: {growth_rate: 0.02}\n")
    inputs, _ = resolve_inputs("999", f)
    assert inputs["la_code"] == "999" and own_keys(inputs) == ["income.growth_rate"]


def test_the_summary_names_the_keys_that_rest_on_the_las_own_inputs():
    from send_analysis.report.summary import sentences

    h = {"dsg_balance_latest": {"value": -38e6, "date": "31 March 2026", "source": "x"},
         "dsg_balance_end_unmitigated": {"value": -150e6, "date": "31 March 2031",
                                         "own_keys": ["opening_balance", "outturn", "plans"]}}
    text = " ".join(sentences("Solihull", h))
    assert "rest on the LA's own inputs for opening_balance, outturn, plans" in text
    h["dsg_balance_end_unmitigated"].pop("own_keys")
    assert "rest on public defaults" in " ".join(sentences("Solihull", h))


# ------------------------------------------------------------------------- the first year


def test_first_forecast_year_follows_the_opening_balance_and_is_refused_when_it_contradicts():
    default = hand_inputs()
    user = {"opening_balance": {"financial_year": "2021-22", "cumulative": -2e6}}
    merged = json.loads(json.dumps(default))
    merged["opening_balance"] = {"financial_year": "2021-22", "cumulative": -2e6}
    out = apply_own_year(merged, user, default, "la.yaml")
    assert out["first_forecast_year"] == "2022-23"
    assert "in_year" not in out["opening_balance"]  # the estimate's step was for another year
    with pytest.raises(ConfigError, match=r"key 'first_forecast_year': 2021-22 contradicts"):
        apply_own_year(merged, {**user, "first_forecast_year": "2021-22"}, default, "la.yaml")


def test_a_later_balance_needs_the_las_own_figure():
    default = hand_inputs()
    user = {"opening_balance": {"financial_year": "2021-22"}}
    with pytest.raises(ConfigError, match=r"key 'opening_balance.cumulative': missing: give the "
                                          r"LA's own balance at 31 March 2022"):
        apply_own_year(json.loads(json.dumps(default)), user, default, "la.yaml")


@pytest.mark.parametrize(("outturn", "key", "words"), [
    ({"2019-20": {"high_needs_spend": 1e6, "replace": True}}, "outturn.2019-20", "before the last"),
    ({"2021-22": {"high_needs_spend": 1e6}}, "outturn.2021-22", "replace: true"),
    ({"2023-24": {"high_needs_spend": 1e6}}, "outturn", "missing 2022-23"),
])
def test_outturn_years_against_the_published_ones(outturn, key, words):
    with pytest.raises(ConfigError) as err:
        base_year({"outturn": outturn}, "2021-22", "la.yaml")
    assert f"key {key!r}" in str(err.value) and words in str(err.value)
    assert base_year({"outturn": {"2022-23": {"high_needs_spend": 1}}}, "2021-22", "f") == "2022-23"


def test_a_balance_year_that_does_not_meet_the_outturn_year_is_refused():
    default = hand_inputs()
    default["unit_costs"]["price_year"] = "2020-21"
    user = {"outturn": {"2021-22": {"high_needs_spend": 9e6}}}
    with pytest.raises(ConfigError, match=r"key 'opening_balance.financial_year': the balance at "
                                          r"31 March 2021 does not meet the outturn year 2021-22"):
        apply_own_year(json.loads(json.dumps(default)), user, default, "la.yaml")


def test_monitoring_is_for_the_current_year_only():
    default = hand_inputs()  # first forecast year 2021-22
    merged = json.loads(json.dumps(default))
    ok = {"monitoring": {"2021-22": {"spend": 8e6}}}
    apply_own_year(merged, ok, default, "la.yaml", today=dt.date(2021, 12, 5))
    with pytest.raises(ConfigError, match=r"key 'monitoring.2021-22'.*current year is 2026-27"):
        apply_own_year(merged, ok, default, "la.yaml", today=dt.date(2026, 12, 5))
    with pytest.raises(ConfigError, match=r"key 'monitoring.2022-23'.*give the 2021-22 outturn"):
        apply_own_year(merged, {"monitoring": {"2022-23": {"spend": 8e6}}}, default, "la.yaml",
                       today=dt.date(2022, 5, 1))
    assert current_fy(dt.date(2027, 3, 31)) == "2026-27" and current_fy(dt.date(2027, 4, 1)) == "2027-28"


def test_monitoring_replaces_the_current_years_spend_in_every_draw():
    from test_finance_model import hand_paths

    from send_analysis.finance import model

    inputs = hand_inputs()
    paths = hand_paths()
    plain = model.project_dsg(inputs, paths)
    inputs["monitoring"] = {"2021-22": {"spend": 9_000_000, "income": 7_100_000}}
    mon = model.project_dsg(inputs, paths)
    spend = sum(v[:, 0] for v in mon.expenditure.values())
    assert spend == pytest.approx(np.full(len(spend), 9_000_000))
    assert mon.income["hnb_allocation"][:, 0] == pytest.approx(7_100_000)
    later = [k for k in plain.expenditure]
    assert all(np.allclose(plain.expenditure[k][:, 1:], mon.expenditure[k][:, 1:]) for k in later)


# ------------------------------------------------------------------------- the census overlay


def _census_tables() -> Tables:
    rows = []
    for year, total in ((2023, 100), (2024, 110), (2025, 120)):
        for setting, v in (("total", total), ("mainstream", total // 2),
                           ("special_la_maintained", total - total // 2)):
            rows.append({"level": "la", "area_code": "999", "la_code": "999", "new_la_code": "E1",
                         "area_name": "Testshire", "region_code": "R", "region_name": "Reg",
                         "year": year, "setting": setting, "value": float(v), "flag": None,
                         "release": "2025"})
    return Tables({"plans_by_setting": pd.DataFrame(rows)})


def test_the_las_own_january_is_laid_over_the_published_tables():
    from send_analysis.finance.model import actual_groups, usable_split_years

    t = _census_tables()
    own = with_own_plans(t, {"la_code": "999", "plans": {2026: 140}})
    table = own.get("plans_by_setting")
    assert table[(table["year"] == 2026)]["flag"].tolist() == ["own"]
    assert own.stands_alone and own.find("plans_by_age") is None
    assert 2026 not in usable_split_years("999", own)  # total only: no split of its own
    g = actual_groups("999", 2026, own).set_index("setting_group")["plans"]
    assert g.sum() == pytest.approx(140) and g["mainstream"] == pytest.approx(70)
    split = with_own_plans(t, {"la_code": "999", "plans_by_setting_group": {2025: {
        **dict.fromkeys(GROUPS, 0), "mainstream": 50, "special_state": 75}}})
    g = actual_groups("999", 2025, split).set_index("setting_group")["plans"]
    assert g["mainstream"] == 50 and g["special_state"] == 75  # replaces the published year
    assert with_own_plans(t, {"la_code": "999"}) is t


# ------------------------------------------------------------------------- end to end


EXAMPLE = "examples/solihull_2026.yaml"


@pytest.mark.realdata
def test_the_example_forecast_starts_from_the_las_january_2026(capsys):
    from send_analysis.cli import main
    from send_analysis.demand.forecast import forecast

    assert main(["forecast", "--la", "334", "--inputs", EXAMPLE, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["as_of"] == 2026 and doc["history"]["2026"] == 2806
    assert doc["forecast"][0]["year"] == 2027 and doc["la_own_januarys"] == [2026]
    published = forecast("334", horizon=6)  # from January 2025: its growth from 2026 is used
    growth = published.mean.loc[2027] / published.mean.loc[2026]
    assert doc["forecast"][0]["mean"] == pytest.approx(2806 * growth, abs=0.5)


@pytest.mark.realdata
def test_the_example_dsg_plan_starts_in_2026_27_from_the_las_balance(capsys):
    from send_analysis.cli import main

    assert main(["dsg-plan", "--la", "334", "--inputs", EXAMPLE, "--json", "--draws", "100"]) == 0
    doc = json.loads(capsys.readouterr().out)
    ob = doc["opening_balance"]
    assert ob["at_31_march_of"] == "2025-26" and ob["cumulative"] == -38_000_000
    assert ob["p10"] is None and ob["p90"] is None and "LA's own" in ob["source"]
    assert doc["years"][0]["financial_year"] == "2026-27"


@pytest.mark.realdata
def test_the_base_year_is_the_las_own_outturn():
    inputs, _ = resolve_inputs("334", EXAMPLE)
    assert inputs["unit_costs"]["price_year"] == "2025-26"
    assert inputs["first_forecast_year"] == "2026-27"
    assert own_keys(inputs) == ["opening_balance", "outturn", "plans"]
    assert "2025-26" in inputs["income"]["hnb_allocation"]  # grown to the year before 2026-27


@pytest.mark.realdata
@pytest.mark.parametrize(("body", "key"), [
    ({"plans": {2099: 3000}}, "plans.2099"),
    ({"plans": {2026: -1}}, "plans.2026"),
    ({"outturn": {"2023-24": {"high_needs_spend": 4e7}}}, "outturn.2023-24"),
    ({"outturn": {"2025-26": {"high_needs_spend": 4.5e7}}}, "opening_balance.financial_year"),
    ({"monitoring": {"2030-31": {"spend": 5e7}}}, "monitoring.2030-31"),
    ({"first_forecast_year": "2027-28"}, "first_forecast_year"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, body, key):
    from send_analysis.cli import main

    f = tmp_path / "la.yaml"
    f.write_text(yaml.safe_dump(body))
    out = tmp_path / "plan.xlsx"
    assert main(["dsg-plan", "--la", "334", "--inputs", str(f), "--xlsx", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(f) in err and repr(key) in err
    assert not out.exists()


def test_dsg_figures_are_public_defaults_when_the_file_only_repeats_them():
    from types import SimpleNamespace

    from send_analysis.report.figures import dsg_figures

    class Proj:
        fys = ["2025-26"]
        expenditure = {"x": np.ones((2, 1))}
        in_year = np.full((2, 1), -1.0)

        def summary_frame(self):
            return pd.DataFrame({"cumulative_mean": [-5.0], "cumulative_p10": [-6.0],
                                 "cumulative_p90": [-4.0]}, index=["2025-26"])

        def label_of(self, k):
            return k

    inputs = {"opening_balance": {"financial_year": "2024-25", "cumulative": -1.0},
              "sources": {"opening_balance.cumulative": "ESTIMATE public"}}
    figs = dsg_figures(inputs, "f.yaml merged over public defaults for LA 334", Proj())
    assert figs["dsg_balance_latest"]["source"] == "public defaults"
    assert figs["dsg_balance_end_unmitigated"]["source"] == "public defaults"
    inputs["sources"]["opening_balance.cumulative"] = "LA's own figure (f.yaml)"
    figs = dsg_figures(inputs, "f.yaml merged over public defaults for LA 334", Proj(),
                       SimpleNamespace(name="s", mitigated=Proj(), scenarios=[],
                                       investment=lambda: np.zeros((2, 1))))
    assert figs["dsg_balance_latest"]["source"] == "the LA's own inputs"
    assert figs["dsg_balance_end_unmitigated"]["own_keys"] == ["opening_balance"]


@pytest.mark.realdata
def test_la_goes_through_la_record_with_an_inputs_file(tmp_path, capsys):
    from send_analysis.cli import main

    f = tmp_path / "la.yaml"
    f.write_text("income: {growth_rate: 0.02}\n")
    assert main(["dsg-plan", "--la", "abc", "--inputs", str(f), "--json"]) == 2
    assert "unknown LA code 'abc'" in capsys.readouterr().err


@pytest.mark.realdata
def test_monitoring_is_shown_as_the_las_own_with_no_band(tmp_path, capsys, monkeypatch):
    import send_analysis.finance.own_year as own_year
    from send_analysis.cli import main

    monkeypatch.setattr(own_year, "current_fy", lambda today=None: "2026-27")
    f = tmp_path / "la.yaml"
    body = yaml.safe_load(open(EXAMPLE))
    body["monitoring"] = {"2026-27": {"spend": 52_000_000}}
    f.write_text(yaml.safe_dump(body))
    assert main(["dsg-plan", "--la", "334", "--inputs", str(f), "--json", "--draws", "50"]) == 0
    doc = json.loads(capsys.readouterr().out)
    first = doc["years"][0]
    assert first["financial_year"] == "2026-27" and "budget monitoring" in first["basis"]
    assert "monitoring" in doc["la_own_inputs"] and doc["first_forecast_year"] == "2026-27"


@pytest.mark.realdata
def test_the_generated_file_takes_the_las_own_balance_as_edited(tmp_path):
    """`finance-inputs --la 334` written, `cumulative` edited, fed back: no band error, the
    balance is the LA's own without a band, and nothing else is labelled the LA's; the commented
    examples of the own-year keys load once uncommented."""
    from send_analysis.finance.defaults import default_inputs
    from send_analysis.finance.inputs_yaml import commented_yaml

    text = commented_yaml(default_inputs("334"))
    f = tmp_path / "la.yaml"
    f.write_text(text)
    inputs, _ = resolve_inputs("334", f)
    assert own_keys(inputs) == [] and "p10" in inputs["opening_balance"]
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  cumulative:"))
    lines[at] = "  cumulative: -50000000"
    f.write_text("\n".join(lines) + "\n")
    inputs, _ = resolve_inputs("334", f)
    assert own_keys(inputs) == ["opening_balance"]
    assert inputs["opening_balance"]["cumulative"] == -50_000_000
    assert "p10" not in inputs["opening_balance"] and "p90" not in inputs["opening_balance"]
    plans = next(i for i, line in enumerate(lines) if line.startswith("# plans:"))
    lines[plans:plans + 2] = [lines[plans][2:], lines[plans + 1][2:].replace(": 0 ", ": 2806 ")]
    f.write_text("\n".join(lines) + "\n")
    inputs, _ = resolve_inputs("334", f)
    assert inputs["plans"] == {2026: 2806}


@pytest.mark.realdata
def test_the_reconciliation_is_against_the_las_own_outturn_in_its_base_year():
    from send_analysis.finance.inputs import whose
    from send_analysis.finance.present import reconciliation

    inputs, _ = resolve_inputs("334", EXAMPLE)
    table, text = reconciliation(inputs)
    assert "LA's own outturn (£m)" in table.columns
    assert table.loc["Model total (S251 lines 1.2.x scope)", "LA's own outturn (£m)"] == 45.5
    assert "2025-26, the base year" in text and "within 1%" in text
    assert whose("first_forecast_year", inputs) == "LA's own"
    public, _ = resolve_inputs("334")
    assert whose("first_forecast_year", public) == "public default"


@pytest.mark.realdata
def test_invest_to_save_takes_a_partial_file_for_the_la_asked(tmp_path, capsys):
    from send_analysis.cli import main

    f = tmp_path / "posts.yaml"
    f.write_text("invest_to_save:\n  posts:\n    - {name: Caseworker, funding: dsg, "
                 "costs: {2026-27: 40000}}\n")
    assert main(["invest-to-save", "--la", "334", "--inputs", str(f), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["la_code"] == "334" and doc["totals"]["dsg"] == {"2026-27": 40000}


@pytest.mark.realdata
@pytest.mark.parametrize("argv", [
    ["evidence", "--la", "334,abc"],
    ["scenario", "--la", "334,abc", "--scenario", "scenarios/isp_step_down.yaml"],
    ["dsg-plan", "--la", "334,abc", "--json"],
    ["benchmark", "--la", "334", "--year", "2025", "--neighbours", "330,abc"],
    ["benchmark", "--la", "334", "--year", "2025", "--group", "f=330,abc"],
])
def test_a_list_of_las_with_an_unknown_code_exits_2_naming_it(argv, capsys, tmp_path):
    from send_analysis.cli import main

    if argv[0] == "evidence":
        argv = [*argv, "--out", str(tmp_path / "reports")]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "'abc'" in captured.err and len(captured.err.strip().splitlines()) == 1
    assert captured.out == "" and not (tmp_path / "reports").exists()


@pytest.mark.realdata
def test_casework_dates_day_first_are_read_with_dayfirst(tmp_path, capsys):
    """evidence --dayfirst reaches the casework pages (a page parameter, only when set); an
    extract with DD/MM/YYYY dates is read with it and refused without it."""
    import re

    from send_analysis.casework.io import write_casework
    from send_analysis.casework.pipeline import casework_for_la
    from send_analysis.casework.synth import CalibrationTargets, synth
    from send_analysis.cli import main
    from send_analysis.errors import DataError
    from send_analysis.report.pack import page_params

    shares = {"mainstream": 0.4, "special_la_maintained": 0.4, "special_independent": 0.2}
    targets = CalibrationTargets(
        la_code="998", la_name="Smallshire", total_plans={2023: 60, 2024: 66},
        setting_shares={y: shares for y in (2023, 2024)}, new_plans={2023: 14, 2024: 12},
        pct_20wk={2023: 60.0, 2024: 70.0})
    folder = tmp_path / "extract"
    write_casework(synth(targets, seed=5), folder)
    for f in folder.glob("*.csv"):  # ISO dates -> DD/MM/YYYY
        f.write_text(re.sub(r"\b(\d{4})-(\d{2})-(\d{2})\b", r"\3/\2/\1", f.read_text()))
    with pytest.raises(DataError, match="--dayfirst"):
        casework_for_la("334", 2025, folder, dayfirst=False)
    la = casework_for_la("334", 2025, folder, dayfirst=True)
    assert len(la.casework.requests) > 0
    assert "casework_dayfirst" not in page_params("334", 2025, None, None, str(folder))
    assert page_params("334", 2025, None, None, str(folder), True)["casework_dayfirst"] is True
    assert main(["evidence", "--la", "334", "--dayfirst", "--out", str(tmp_path / "r")]) == 2
    assert "--dayfirst" in capsys.readouterr().err and not (tmp_path / "r").exists()


@pytest.mark.realdata
def test_the_workbooks_cyp_tables_start_from_the_las_own_january():
    from send_analysis.finance import model
    from send_analysis.finance.export import placement_tables_for

    inputs, _ = resolve_inputs("334", EXAMPLE)
    proj = model.project_dsg(inputs, model.placement_paths(inputs, horizon=5, n_draws=20))
    t = placement_tables_for(inputs, proj)
    assert t.history_years[-1] == 2026 and t.projected_years[0] == 2027
    assert t.totals[2026].sum() == 2806
    assert any("January 2026: a total without a split" in n for n in t.notes)


def test_a_replaced_published_january_is_named():
    from types import SimpleNamespace

    from send_analysis.data.own_plans import replaced_published
    from send_analysis.demand.report import own_januarys_sentence

    t = _census_tables()
    inputs = {"la_code": "999", "plans": {2025: 125, 2026: 140}}
    assert replaced_published(t, inputs) == {2025: 120.0}
    res = SimpleNamespace(history=pd.Series({2024: 110.0, 2025: 125.0, 2026: 140.0}))
    text = own_januarys_sentence([2025, 2026], res, {2025: 120.0})
    assert "January 2025 (125, in place of the published 120)" in text
    assert "January 2026 (140, not yet published)" in text


@pytest.mark.realdata
def test_a_later_balance_without_the_las_january_forecasts_that_january(tmp_path, capsys):
    """The balance at 31 March 2026 alone: 2026-27 is the first projected year and January 2026
    (not published, not given) is forecast, not read as an actual count."""
    from send_analysis.cli import main

    f = tmp_path / "la.yaml"
    f.write_text("opening_balance: {financial_year: 2025-26, cumulative: -38000000}\n")
    assert main(["dsg-plan", "--la", "334", "--inputs", str(f), "--json", "--draws", "50"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["years"][0]["financial_year"] == "2026-27"
    assert doc["years"][0]["expenditure"]["p10"] < doc["years"][0]["expenditure"]["p90"]


@pytest.mark.realdata
@pytest.mark.parametrize("command", [["forecast", "--json"], ["evidence"], ["scenario", "--scenario",
                                     "scenarios/isp_step_down.yaml"], ["invest-to-save"]])
def test_every_command_refuses_a_bad_inputs_file_with_one_line(command, tmp_path, capsys):
    from send_analysis.cli import main

    f = tmp_path / "la.yaml"
    f.write_text("plans: {2099: 3000}\n")
    argv = [command[0], "--la", "334", "--inputs", str(f), *command[1:]]
    if command[0] == "evidence":
        argv += ["--out", str(tmp_path / "reports")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "key 'plans.2099'" in err and str(f) in err
    assert not (tmp_path / "reports").exists()


@pytest.mark.realdata
def test_as_of_may_reach_the_las_own_latest_january(capsys):
    from send_analysis.cli import main

    assert main(["forecast", "--la", "334", "--inputs", EXAMPLE, "--as-of", "2026", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["as_of"] == 2026
    assert main(["forecast", "--la", "334", "--as-of", "2026", "--json"]) == 2
    assert "from 2010 to 2025" in capsys.readouterr().err


def test_the_workbook_says_whose_each_input_is_and_marks_the_monitoring_year(tmp_path):
    import openpyxl
    from test_finance_export import hand_tables
    from test_finance_model import hand_paths

    from send_analysis.finance import export, model

    inputs = hand_inputs()
    inputs["monitoring"] = {"2021-22": {"spend": 9_000_000}}
    inputs["sources"]["monitoring"] = "LA's own figure (la.yaml)"
    p = model.project_dsg(inputs, hand_paths())
    path = export.write_dsg_plan(tmp_path / "plan.xlsx", inputs, p, tables=hand_tables())
    wb = openpyxl.load_workbook(path)
    rows = {r[0]: r for r in wb["Assumptions"].iter_rows(values_only=True) if r[0]}
    assert rows["Key"][3] == "Whose"
    assert rows["monitoring.2021-22.spend"][3] == "LA's own"
    text = [c for r in wb[export.tm.TAB_FINANCIAL].iter_rows(values_only=True) for c in r if c]
    assert any(isinstance(t, str) and t.startswith("2021-22: the LA's own budget monitoring")
               for t in text)


# ------------------------------------------------------------------------- outturn by line

LINES = {"mainstream": 1_200_000, "resourced_unit": 0, "special_state": 3_000_000,
         "special_indep_nm": 2_500_000, "ap_pru": 0, "post16": 0, "other": 0,
         "sen_support_services": 800_000}  # 7,500,000


@pytest.mark.parametrize(("lines", "key", "words"), [
    ({**LINES, "mainstream": 1_200_000.01}, "outturn.2025-26.lines",
     "add up to £7,500,000.01, not high_needs_spend £7,500,000.00: they must sum to it exactly"),
    ({**LINES, "place_funding_and_other_dsg": 0}, "outturn.2025-26.lines.place_funding_and_other_dsg",
     "outside S251 lines 1.2.x"),
    ({**LINES, "mainstream": -1}, "outturn.2025-26.lines.mainstream", "0 or more"),
    ([1, 2], "outturn.2025-26.lines", "expected a mapping of reconciliation line"),
])
def test_outturn_lines_must_add_up_to_the_years_spend(lines, key, words):
    message = _error({"outturn": {"2025-26": {"high_needs_spend": 7_500_000, "lines": lines}}})
    assert f"key {key!r}: " in message and words in message


def _by_line_case(monkeypatch, lines: dict, **user_extra):
    from send_analysis.finance import own_year

    placements = {g: 0.0 for g in GROUPS} | {"mainstream": 240.0, "special_state": 100.0,
                                               "special_indep_nm": 50.0}
    monkeypatch.setattr(own_year.current, "fy_groups", lambda la, fy, tables=None: placements)
    default = hand_inputs()
    default["unit_costs"]["price_year"] = "2020-21"
    user = {"outturn": {"2021-22": {"high_needs_spend": float(sum(lines.values())),
                                    "lines": lines}},
            "opening_balance": {"financial_year": "2021-22", "cumulative": -2e6}, **user_extra}
    merged = json.loads(json.dumps(default))
    merged["opening_balance"] = dict(user["opening_balance"])
    return apply_own_year(merged, user, default, "la.yaml", tables=Tables({}))


def test_the_base_years_lines_are_the_las_own_not_one_factor(monkeypatch):
    from send_analysis.finance.inputs import whose

    out = _by_line_case(monkeypatch, LINES)
    uc = out["unit_costs"]["by_setting_group"]
    assert out["unit_costs"]["price_year"] == "2021-22"
    assert uc["mainstream"] == 5_000 and uc["special_state"] == 30_000 and uc["special_indep_nm"] == 50_000
    assert uc["post16"] == 0  # no placements, nothing spent: the public figure (0 here) kept
    assert out["other_expenditure"]["sen_support_services"]["amount"] == 800_000
    # one factor would have scaled every line alike: mainstream / special_state differ here
    assert uc["special_state"] / uc["mainstream"] != 20_000 / 5_000
    assert whose("unit_costs.by_setting_group.special_state", out) == "LA's own"
    assert whose("other_expenditure.sen_support_services.amount", out) == "LA's own"
    assert "decision 0105" in out["sources"]["unit_costs.price_year"]


@pytest.mark.parametrize(("change", "extra", "key", "words"), [
    ({"therapies": 0}, {}, "outturn.2021-22.lines.therapies", "not a line of the reconciliation"),
    ({"sen_support_services": None}, {}, "outturn.2021-22.lines", "missing sen_support_services"),
    ({"ap_pru": 10, "mainstream": 1_199_990}, {}, "outturn.2021-22.lines.ap_pru",
     "no ap_pru placements"),
    ({}, {"unit_costs": {"inflation": 0.02}}, "outturn.2021-22.lines", "not both"),
])
def test_outturn_lines_that_do_not_fit_the_model_are_refused(monkeypatch, change, extra, key, words):
    lines = {k: v for k, v in {**LINES, **change}.items() if v is not None}
    with pytest.raises(ConfigError) as err:
        _by_line_case(monkeypatch, lines, **extra)
    assert f"key {key!r}: " in str(err.value) and words in str(err.value)


@pytest.mark.realdata
def test_the_reconciliation_shows_the_las_own_lines(tmp_path):
    from send_analysis.finance.present import reconciliation

    public, _ = resolve_inputs("334", EXAMPLE)
    names = [*public["unit_costs"]["by_setting_group"],
             *(n for n in public["other_expenditure"] if n != "place_funding_and_other_dsg")]
    lines = {n: 1_000_000 for n in names}
    lines[names[0]] = 45_500_000 - 1_000_000 * (len(names) - 1)
    body = yaml.safe_load(open(EXAMPLE))
    body["outturn"]["2025-26"]["lines"] = lines
    f = tmp_path / "la.yaml"
    f.write_text(yaml.safe_dump(body))
    inputs, _ = resolve_inputs("334", f)
    table, text = reconciliation(inputs)
    own = table["LA's own outturn (£m)"]
    assert own.loc["Model total (S251 lines 1.2.x scope)"] == 45.5
    per_line = table.drop(index=[i for i in table.index if not own.notna()[i]
                                 or i.startswith(("Model total", "Difference"))])
    assert len(per_line) == len(names)
    assert (per_line["Model (£m)"] - per_line["LA's own outturn (£m)"]).abs().max() <= 0.01
    assert "line by line" in text
