"""Issue 19 item 9: no raw key on a page or in the workbook, age bands in age order, minus signs
that stay with their number, A4 print pages and a line describing every page of the pack."""

from __future__ import annotations

import re
from types import SimpleNamespace

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")


@pytest.mark.parametrize("key, words", [
    ("income.support", "Income: DfE deficit support (safety valve and similar)"),
    ("income.la_contributions", "Income: LA contributions to the DSG deficit"),
    ("other_expenditure.ap_pru_places_topups.amount",
     "Other spend: AP/PRU places and top-ups (beyond plan-driven placements), amount"),
    ("mitigations", "Scenario files (mitigations)"),
])
def test_input_keys_in_words(key, words):
    from send_analysis.report.labels import input_label

    assert input_label(key) == words


def test_other_spend_lines_are_named_alike_on_pages_and_in_the_model():
    from send_analysis.finance.model import OTHER_LINE_LABELS
    from send_analysis.report.labels import input_label

    for key, label in OTHER_LINE_LABELS.items():
        assert input_label(f"other_expenditure.{key}") == f"Other spend: {label}"


def test_empty_inputs_read_none_given_not_a_python_repr():
    from send_analysis.finance.export import cell_value
    from send_analysis.finance.inputs import display_value

    assert display_value("income.support", {}) == "none given"
    assert display_value("mitigations", []) == "none given"
    assert cell_value([]) == "none given" and cell_value({}) == "none given"
    assert cell_value(["scenarios/a.yaml"]) == "scenarios/a.yaml"


def test_workbook_assumptions_have_words_and_no_repr(tmp_path):
    from openpyxl import load_workbook
    from test_finance_export import _result
    from test_finance_model import hand_inputs, hand_paths

    from send_analysis.finance import export, model

    inputs = {**hand_inputs(), "mitigations": []}
    inputs["income"] = {**inputs["income"], "support": {}}
    proj = model.project_dsg(inputs, hand_paths())
    path = export.write_dsg_plan(tmp_path / "plan.xlsx", inputs, proj, [_result()])
    ws = load_workbook(path)["Assumptions"]
    rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r and isinstance(r[0], str)}
    words = rows["Key"].index("In words")
    assert rows["mitigations"][1] == "none given" and rows["income.support"][1] == "none given"
    assert rows["income.support"][words] == "Income: DfE deficit support (safety valve and similar)"
    assert not any(str(r[1]) in ("[]", "{}") for r in rows.values())


def test_claims_units_and_ids_in_words():
    from send_analysis.benchmark import narrative

    frame = pd.DataFrame({"claim": ["growth_solihull"], "text": ["Plans grew by 53%"],
                          "area": ["334"], "unit": ["£m"], "claimed": [3.1], "computed": [3.19],
                          "verdict": ["not reproduced"], "primary value": [3.19],
                          "definition": ["d"], "note": ["n"]})
    heads = list(narrative.claims_display(frame).columns)
    assert heads[0] == "Claim" and heads[-1] == "Id in the claims file"
    r = SimpleNamespace(id="growth_solihull", verdict="reproduced", text="Plans grew by 53% in five "
                        "years, faster than England and most of our statistical neighbours",
                        claimed=3.1, unit="gbp_m", tolerance=0.05, computed=3.19, definition="d",
                        note=None, alternatives=[])
    detail = narrative.claim_detail(r)
    heading = detail.splitlines()[0]
    assert "growth" not in heading.split(":")[0].replace("grew", "") and "_" not in heading
    assert "(£m, tolerance 0.05)" in detail and "gbp_m" not in detail


def test_claims_note_names_the_unit_in_words():
    from send_analysis.benchmark import claims as cl

    results = cl.run_claims_file("claims/solihull_2021.yaml")
    frame = cl.results_frame(results)
    assert not frame["unit"].isin(["percent", "gbp_m"]).any()
    assert not frame["note"].fillna("").str.contains("gbp_m").any()
    assert (frame["text"].str.len() > 0).all()


def test_cohort_group_chart_legend_in_words():
    from send_analysis.cohort.charts import groups_chart

    rows = [{"calendar-year": y, "setting-group": g, "measure": "count", "mean": 10.0,
             "lower95": 5.0, "upper95": 15.0}
            for y in (2026, 2027) for g in ("ap_pru", "special_indep_nm", "post16")]
    fig = groups_chart(SimpleNamespace(by=lambda d: pd.DataFrame(rows)), "setting-group")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["Alternative provision / PRU", "Independent and non-maintained special",
                      "FE and specialist post-16"]


def test_forecast_by_age_band_in_age_order():
    from send_analysis.demand.report import forecast_table

    bands = ["11_15", "16_19", "20_25", "5_10", "under_5"]  # as a pivot sorts them
    sf = pd.DataFrame({"component": bands * 2, "year": [2026] * 5 + [2027] * 5,
                       "mean": range(10)})
    res = SimpleNamespace(summary_frame=lambda component=None: sf)
    assert list(forecast_table(res, "age_band").index) == [
        "Under 5", "Age 5 to 10", "Age 11 to 15", "Age 16 to 19", "Age 20 to 25"]


def test_minus_signs_stay_with_their_numbers():
    from send_analysis.report.render import keep_signs

    page = ('<style>.a{margin:-1px}</style><td>-£30.4m</td><p>band −£35.2m to −£23.1m, '
            '2024-25, 0-25, bias -4.4%</p><img alt="x" title="-3">')
    out = keep_signs(page)
    assert '<td><span class="sa-nw">−£30.4m</span></td>' in out
    assert out.count('class="sa-nw"') == 4 and "2024-25, 0-25" in out
    assert "margin:-1px" in out and 'title="-3"' in out


def test_print_pages_are_a4_and_nowrap_is_styled():
    from send_analysis.report import render

    assert re.search(r"@page\s*\{[^}]*size:\s*A4", render.PRINT_CSS)
    assert ".sa-nw { white-space: nowrap; }" in render.PACK_CSS


def test_every_page_has_a_line_of_description_for_the_index():
    from send_analysis.report.pack import discover_notebooks
    from send_analysis.report.render import notebook_summary

    for nb in discover_notebooks():
        assert len(notebook_summary(nb)) > 40, nb.name


@pytest.mark.realdata
def test_workbook_note_names_the_demand_model_in_words():
    from send_analysis.demand.placement_tables import placement_tables

    notes = " ".join(placement_tables("334", [2026, 2027]).notes)
    assert "demand forecast (England's growth" in notes and "pooled_regression" not in notes
