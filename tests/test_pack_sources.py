"""Say where the pack starts (issue 18, item 5): the footer names every source a page used."""

from __future__ import annotations

import hashlib

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
    assert len(ids) == len(set(ids)) == 4 + 1 + 2 + 1 + 8
