"""Say where the pack starts (issue 18, item 5): the footer names every source a page used."""

from __future__ import annotations

import hashlib
import html
import re

from send_analysis.report import render

MANIFEST = {"built_at": "2026-01-01T00:00:00",
            "sources": [{"id": "ehcp/education-health-and-care-plans_2025.zip", "sha256": "ab" * 32}]}


def test_finance_pages_name_the_finance_sources_and_the_inputs_file(tmp_path):
    f = tmp_path / "solihull.yaml"
    f.write_text("la_code: '334'\n", encoding="utf-8")
    digest = hashlib.sha256(f.read_bytes()).hexdigest()
    params = {"la_code": "334", "inputs_file": str(f)}
    for page in ("03_costs_and_dsg.html", "index"):
        foot = render.footer_html(MANIFEST, params, page=page)
        assert "ab" * 32 in foot  # the SEN2 release, as before
        for name in ("s251_highneeds_derived/s251_lookup_2024.json",
                     "dsg_allocations/dedicated-schools-grant_2024_07_20.ods",
                     "dsg_balances/dsg-balances-2023-24.csv", "dsg_balances/dsg_deficit_derived.xlsx",
                     "hn_benchmarking_tool/Outturn data 202122.xlsx"):
            assert name in foot, (page, name)
        assert "third-party extract" in foot  # the balances file is named as what it is
        assert f"finance inputs file {f} — sha256 {digest}" in foot
    defaults = render.footer_html(MANIFEST, {"la_code": "334", "inputs_file": None},
                                  page="04_scenarios.html")
    assert "finance inputs: public defaults (no inputs file)" in defaults
    # a page that does not use the finance model lists the SEN2 release only
    demand = render.footer_html(MANIFEST, params, page="02_demand_forecast.html")
    assert "s251_lookup" not in demand and "Finance data" not in demand
    assert "s251_lookup" not in render.footer_html(MANIFEST, params)


def test_the_summary_says_where_the_pack_starts_and_whose_each_figure_is():
    from send_analysis.report import figures, summary

    class P:  # the parts of a projection dsg_figures reads
        import numpy as np

        fys = ["2025-26"]
        expenditure = {"placements.mainstream": np.array([[1.0]])}
        in_year = np.array([[-1.0]])

        def label_of(self, line):
            return line

        def summary_frame(self):
            import pandas as pd

            return pd.DataFrame({"cumulative_mean": [-1.0], "cumulative_p10": [-2.0],
                                 "cumulative_p90": [0.0]}, index=["2025-26"])

    est = {"opening_balance": {"financial_year": "2024-25", "cumulative": -31e6, "p10": -33e6,
                               "p90": -27e6},
           "unit_costs": {"price_year": "2024-25"},
           "sources": {"opening_balance.cumulative": "ESTIMATE (80% band ...): the published "
                       "balance at 31 March 2024 (£-20,739,781: S251 2023-24 ...) rolled forward",
                       "unit_costs.price_year": "2024-25: unit costs rebased"}}
    latest = figures.dsg_figures(est, "public defaults for LA 334", P())["dsg_balance_latest"]
    assert latest["published_from"] == "31 March 2024"
    h = {"plans_latest": {"value": 2503, "year": 2025, "source": "public data"},
         "dsg_balance_latest": latest}
    assert summary.starts_from(h) == (
        "This pack starts from the January 2025 census (published SEN2, DfE), the 2024-25 "
        "high-needs outturn (published S251, DfE) and the DSG balance at 31 March 2025 (an "
        "estimate from the published balance at 31 March 2024).")
    assert summary.sentences("Solihull", h)[0] == summary.starts_from(h)
    own = {**est, "opening_balance": {"financial_year": "2025-26", "cumulative": -40e6},
           "unit_costs": {"price_year": "2025-26"},
           "sources": {"opening_balance.cumulative": "LA's own figure (f.yaml)",
                       "outturn.2025-26": "LA's own figure (f.yaml)"}}
    latest = figures.dsg_figures(own, "f.yaml merged over public defaults for LA 334", P())[
        "dsg_balance_latest"]
    text = summary.starts_from({"dsg_balance_latest": latest})
    assert text == ("This pack starts from the 2025-26 high-needs outturn (the LA's own) and the "
                    "DSG balance at 31 March 2026 (the LA's own).")


def test_the_footer_lists_only_files_the_finance_model_reads():
    ids = [s["id"] for s in render.finance_sources()]
    assert "dsg_allocations/dedicated-schools-grant.ods" not in ids  # registered, not read (F2)
    assert len(ids) == len(set(ids)) == 4 + 1 + 2 + 1 + 8 + 2
    assert "send_ap_dashboard/prepared_data.Rdata" in ids  # specialist top-ups, read by the model
    assert "safety_valve/safety-valve-payments.csv" in ids


def test_every_page_names_the_files_it_reads_beside_sen2(tmp_path):
    """Issue 18 item 5: pages 00-02, 06 and 09 named the SEN2 releases only; each page now names
    every registered file it reads (as traced, render.PAGE_READS) with its sha256, and the inputs
    file with its sha256 where the page reads it."""
    from pathlib import Path

    from send_analysis.data.sources import get_source
    from send_analysis.paths import project_root

    stems = {p.stem for p in (project_root() / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert set(render.PAGE_READS) == stems | {"index"}  # a new page must say what it reads
    f = tmp_path / "solihull.yaml"
    f.write_text("la_code: '334'\nplans: {2026: 2806}\n", encoding="utf-8")
    inputs = f"finance inputs file {f} — sha256 {hashlib.sha256(f.read_bytes()).hexdigest()}"
    params = {"la_code": "334", "inputs_file": str(f)}
    foot = {stem: render.footer_html(MANIFEST, params, page=f"{stem}.html") for stem in stems}
    foot["index"] = render.footer_html(MANIFEST, params, page="index")
    csv = "ons_population/ons_mid-year_population_estimates_2012_to_2024.csv"
    assert csv in foot["02_demand_forecast"] and inputs in foot["02_demand_forecast"]
    assert "Finance data" not in foot["02_demand_forecast"]
    for name in ("stat_neighbours/sn_april_2021.xlsx", "ons_population/mye22final.xlsx",
                 "ons_population/mye23tablesew.xlsx", csv):
        assert name in foot["06_benchmarking"], name
    assert html.escape("stat_neighbours/sn_may_2025.xlsx (DfE children's services statistical "
                       "neighbours; read only for an LA the files above do not cover)"
                       ) in foot["06_benchmarking"]
    assert "lait/bds_long_0.parquet" in foot["06_benchmarking"]
    assert inputs in foot["08_cohort_model"] and "mye23tablesew.xlsx" in foot["08_cohort_model"]
    assert "safety_valve/safety-valve-payments.csv" in foot["03_costs_and_dsg"]
    for stem in ("00_data_quality", "01_overview", "09_statutory_performance"):
        assert "Other data" not in foot[stem] and "Finance data" not in foot[stem]
        assert inputs not in foot[stem] and "<b>Inputs</b>" not in foot[stem]  # not read here
    assert "dsg_balances/dsg_deficit_derived.xlsx" in foot["07_claims_check"]
    assert "s251_lookup" not in foot["07_claims_check"] and inputs not in foot["07_claims_check"]
    for stem, text in foot.items():  # every file named with its registered sha256
        for sid in re.findall(r"<li>([^<]+?) \(", text):
            if "/" in sid and not sid.startswith("finance inputs"):
                assert f"{sid} (" in text and get_source(sid).sha256 in text, (stem, sid)
    for name in ("sn_april_2021.xlsx", "mye22final.xlsx", csv, "s251_lookup_2024.json"):
        assert name in foot["index"]  # the summary draws on every page
    assert Path(csv).name in foot["03_costs_and_dsg"]
