"""The pack's summary and plain labels: headline figures, their words, the summary and national
index pages, page titles, the print stylesheet and the labels that replace internal keys."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import nbformat
import numpy as np
import pandas as pd
import pytest

from send_analysis.report import headline as hl
from send_analysis.report import notebook_setup, number_text, render, summary
from send_analysis.report.labels import input_label, plain, relabel

ROOT = Path(__file__).resolve().parents[1]

HEADLINE = {
    "plans_latest": {"value": 2503, "year": 2025, "growth_last_year_pct": 8.8,
                     "england_growth_last_year_pct": 10.8, "source": "public data",
                     "page": "01_overview.html"},
    "plans_forecast_5y": {"value": 4121.5, "year": 2030, "lower80": 3105.3, "upper80": 5559.3,
                          "origin": 2025, "origin_plans": 2503.0, "source": "public data",
                          "page": "02_demand_forecast.html"},
    "dsg_balance_latest": {"value": -13_204_112.5, "financial_year": "2023-24",
                           "date": "31 March 2024", "source": "public defaults",
                           "page": "03_costs_and_dsg.html"},
    "dsg_balance_end_unmitigated": {"value": -40_310_935.0, "financial_year": "2029-30",
                                    "date": "31 March 2030", "lower80": -54_966_372.0,
                                    "upper80": -27_565_523.0, "source": "public defaults",
                                    "page": "03_costs_and_dsg.html"},
    "claims_reproduced": {"value": 4, "checked": 16, "not_reproduced": 7, "not_checkable": 5,
                          "report": "x", "source": "public data", "page": "07_claims_check.html"},
}


# ---- labels ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key, words", [
    ("special_indep_nm", "Independent and non-maintained special"),
    ("11_15", "Age 11 to 15"),
    ("break_even_net_whole", "Placements to avoid a year, net (whole placements)"),
    ("dsg_cost", "Cost to the DSG (£)"),
    ("coverage80", "Outcomes inside the 80% band (%)"),
    ("a_new_column", "A new column"),
])
def test_plain_puts_internal_keys_into_words(key, words):
    assert plain(key) == words


def test_relabel_leaves_no_key_in_index_or_columns():
    df = pd.DataFrame({"under_5": [1.0], "20_25": [2.0]}, index=pd.Index(["post16"], name="component"))
    df.columns.name = "year"
    out = relabel(df)
    assert list(out.columns) == ["Under 5", "Age 20 to 25"]
    assert list(out.index) == ["FE and specialist post-16"]
    assert out.index.name is None and out.columns.name is None
    cov = relabel(pd.DataFrame({"dimension": ["age_band"], "first_year": [2010]}), values=["dimension"])
    assert cov.to_dict("list") == {"Broken down by": ["Age band"], "First year": [2010]}


def test_show_puts_a_backtest_into_words():
    from send_analysis.report.labels import show

    bt = pd.DataFrame({"calendar-year": [2024, 2024], "setting-group": ["total", "special_indep_nm"],
                       "actual": [2301.0, 89.0], "pct_error": [3.46, -0.4], "covered": [True, False]})
    html = show(bt, values=["setting-group"]).to_html()
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", html)
    assert heads == ["January census", "Setting group", "Actual", "Error (%)", "Inside the 95% band"]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert cells == ["2024", "Total", "2,301", "3.5", "yes",
                     "2024", "Independent and non-maintained special", "89", "−0.4", "no"]


def test_input_label_reads_the_dotted_inputs_key():
    assert input_label("income.hnb_allocation.2020-21") == "Income: High Needs Block allocation, 2020-21"
    assert input_label("opening_balance.cumulative") == \
        "Opening DSG balance: cumulative balance (negative = deficit)"
    assert "_" not in input_label("other_expenditure.ap_pru_places_topups.amount")


def test_whole_numbers_print_without_decimals():
    assert number_text(931.0) == "931"
    assert number_text(12345.0) == "12,345"
    assert number_text(12.34) == "12.3"
    notebook_setup()
    assert "931.0" not in pd.DataFrame({"plans": [931.0, 1200.0]}).to_string()


# ---- headline figures --------------------------------------------------------------------------


def test_figure_text_one_format_per_kind():
    assert hl.figure_text("plans_latest", {"value": 2503}) == "2,503"
    assert hl.figure_text("plans_forecast_5y", HEADLINE["plans_forecast_5y"]) == \
        "4,122 (80% band 3,105 to 5,559)"
    assert hl.figure_text("dsg_balance_end_unmitigated", HEADLINE["dsg_balance_end_unmitigated"]) \
        == "−£40.3m (80% band −£55.0m to −£27.6m)"
    assert hl.figure_text("pct_within_20_weeks", {"value": 80.44}) == "80.4%"
    assert hl.figure_text("claims_reproduced", HEADLINE["claims_reproduced"]) == "4 of 16"
    assert hl.figure_text("plans_latest", None) == "not available"
    with pytest.raises(KeyError, match="unknown headline key 'plans'"):
        hl.figure_text("plans", {"value": 1})
    assert hl.mark("plans_latest", {"value": 2503}) == '<b data-headline="plans_latest">2,503</b>'


class _FakeProjection:
    """The parts of a DSGProjection the headline reads, with years chosen by the test."""

    def __init__(self, fys: list[str], label: str = "") -> None:
        self.fys, self.label = fys, label
        self.expenditure = {"placements.special_indep_nm": np.array([[1e6, 3e6], [1e6, 5e6]]),
                            "placements.mainstream": np.array([[2e6, 2.5e6], [2e6, 2.5e6]])}
        self.in_year = np.array([[-1e6, -2e6], [-3e6, -4e6]])

    def summary_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"cumulative_mean": [-1e6, -9e6], "cumulative_p10": [-2e6, -12e6],
                             "cumulative_p90": [0.0, -6e6]}, index=pd.Index(self.fys))

    def label_of(self, line: str) -> str:
        return {"placements.special_indep_nm": "Placements: Independent and non-maintained special"}.get(line, line)


def test_dsg_figures_take_their_years_from_the_inputs_and_projection():
    inputs = {"opening_balance": {"financial_year": "2030-31", "cumulative": -5e6}}
    proj = _FakeProjection(["2031-32", "2032-33"])
    scenario = SimpleNamespace(name="All scenarios combined", mitigated=_FakeProjection(["2031-32", "2032-33"]),
                               scenarios=(), investment=lambda: np.zeros((2, 2)))
    figs = hl.dsg_figures(inputs, "public defaults for LA 334", proj, scenario)
    assert set(figs) == {"dsg_balance_latest", "dsg_balance_end_unmitigated", "dsg_balance_end_mitigated"}
    assert figs["dsg_balance_latest"] == {"value": -5e6, "financial_year": "2030-31",
                                          "date": "31 March 2031", "source": "public defaults",
                                          "outturn_year": "", "outturn_whose": "published S251, DfE",
                                          "balance_whose": "the LA's own"}
    end = figs["dsg_balance_end_unmitigated"]
    assert (end["financial_year"], end["date"], end["value"], end["lower80"], end["upper80"]) == \
        ("2032-33", "31 March 2033", -9e6, -12e6, -6e6)
    assert end["biggest_cost_growth"]["line"] == "Placements: Independent and non-maintained special"
    assert end["biggest_cost_growth"]["increase"] == pytest.approx(3e6)
    assert figs["dsg_balance_end_mitigated"]["scenario"] == "All scenarios combined"
    est = hl.dsg_figures({"opening_balance": {"financial_year": "2030-31", "cumulative": -5e6,
                                              "p10": -7e6, "p90": -3e6},
                          "sources": {"opening_balance.cumulative": "ESTIMATE: rolled forward"}},
                         "public defaults for LA 334", proj)["dsg_balance_latest"]
    assert (est["lower80"], est["upper80"], est["estimate"]) == (-7e6, -3e6, True)
    assert hl.figure_text("dsg_balance_latest", est) == "−£5.0m (80% band −£7.0m to −£3.0m)"
    own = hl.dsg_figures(inputs, "inputs/solihull.yaml merged over public defaults for LA 334", proj)
    assert "dsg_balance_end_mitigated" not in own  # absent when no scenario applies
    assert own["dsg_balance_latest"]["source"] == "the LA's own inputs"


def test_pages_compute_with_the_summary_parameters():
    """The summary recomputes the finance and demand figures with the pages' defaults."""
    for name, param, value in (("03_costs_and_dsg", "n_draws", hl.FINANCE_DRAWS),
                               ("04_scenarios", "n_draws", hl.FINANCE_DRAWS),
                               ("02_demand_forecast", "horizon", hl.DEMAND_HORIZON)):
        nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        assert re.search(rf"^{param}\s*=\s*{value}\b", params.source, re.M), name
    pages = {p.name.replace(".ipynb", ".html") for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert set(hl.PAGE_OF.values()) <= pages
    assert set(hl.PAGE_OF) == set(hl.HEADLINE_KEYS)


# ---- summary and national index ---------------------------------------------------------------


def test_summary_page_renders_every_figure_from_the_headline(tmp_path):
    for page in ("01_overview.html", "02_demand_forecast.html", "03_costs_and_dsg.html"):
        (tmp_path / page).write_text("x")
    page = summary.index_html("334", "Solihull", HEADLINE, "<li>page</li>", "<nav></nav>",
                              "<footer></footer>", "", tmp_path,
                              {"01_overview.html": "Overview: EHC plans"},
                              {"dsg_balance_end_mitigated": "no scenario applies"})
    cells = dict(re.findall(r'data-headline="([a-z_0-9]+)">([^<]*)<', page))
    assert set(cells) == set(HEADLINE)
    for key, fig in HEADLINE.items():
        assert cells[key] == hl.figure_text(key, fig).replace("&", "&amp;")
    # a figure links to its page when the page exists, and not otherwise
    assert '<a href="02_demand_forecast.html" data-headline="plans_forecast_5y">' in page
    assert '<span data-headline="claims_reproduced">' in page
    assert "31 March 2030, without mitigation" in page and "Public defaults" in page
    assert "DSG balance at horizon, mitigated: no scenario applies" in page
    assert "<title>SEND evidence pack summary: Solihull (334)</title>" in page
    assert '<p class="sa-lede">This pack starts from the January 2025 census (published SEN2, DfE) and the DSG balance at 31 March 2024 (public defaults).</p>' in page
    assert '<p class="sa-lede">Solihull maintained 2,503 EHC plans in January 2025; on the trend' in page
    assert ("without mitigation it reaches −£40.3m by 31 March 2030. The finance figures rest on "
            "public defaults") in page


def test_summary_questions_without_a_year_keep_their_words():
    assert summary._fill("EHC plans per 10,000 aged 0 to 25, January {year}", {"year": None}) == \
        "EHC plans per 10,000 aged 0 to 25"
    assert summary._fill("DSG High Needs balance at {date}, without mitigation", {}) == \
        "DSG High Needs balance, without mitigation"
    assert summary._fill("New EHC plans issued in {year}", {"year": 2024}) == "New EHC plans issued in 2024"


def test_national_index_is_a_sortable_table_of_headlines():
    results = [SimpleNamespace(la_code="334", la_name="Solihull", pages=["01_overview.html"],
                               headline=HEADLINE, ok=True, failures=[]),
               SimpleNamespace(la_code="999", la_name="999", pages=[], headline={}, ok=False,
                               failures=["DataError: unknown LA code '999'"])]
    page = summary.national_index_html(results, {"334": ("Solihull", "West Midlands")}, "now")
    assert 'class="sortable"' in page and "th.dataset.sort" in page
    heads = re.findall(r'<th data-sort="num">([^<]*)</th>', page)
    assert heads == [summary.SHORT[k] for k in hl.HEADLINE_KEYS if k in HEADLINE]
    assert f'data-v="{-40_310_935.0!r}" title="−£40.3m (80% band −£55.0m to −£27.6m)">−£40.3m</td>' in page
    assert '<a href="334/index.html">Solihull</a>' in page and "1 with a failed page" in page


# ---- page rendering ----------------------------------------------------------------------------


def test_each_page_gets_its_own_title_and_the_print_stylesheet():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Placement costs\n\n## First section\n\ntext")]
    page = render.render_html(nb, [("03_costs.html", "Placement costs and the DSG balance")],
                              "03_costs.html", "<footer></footer>")
    assert re.findall(r"<title>(.*?)</title>", page) == ["Placement costs and the DSG balance"]
    assert '<style media="print" id="sa-print">' in page
    assert re.search(r"h2 \{ break-before: page", render.PRINT_CSS)
    assert ".sa-nav, .sa-toc" in render.PRINT_CSS and "display: none" in render.PRINT_CSS
    assert "break-inside: avoid" in render.PRINT_CSS
    assert re.search(r'<style media="print">h2#first-section \{ break-before: auto;', page, re.I)  # no blank page


def test_claims_table_names_areas_and_has_no_key_headings():
    from send_analysis.benchmark import narrative

    frame = pd.DataFrame({"claim": ["growth_la"], "area": ["E92000001"], "unit": ["percent"],
                          "claimed": [68.0], "computed": [67.89], "verdict": ["reproduced"],
                          "primary value": [81.6], "definition": ["d"], "note": [None]})
    tables = SimpleNamespace(get=lambda name: pd.DataFrame({"la_code": ["334"], "la_name": ["Solihull"]}))
    html = narrative.claims_styler(frame, tables).to_html()
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", html)
    assert "Id in the claims file" in heads and not any("_" in h for h in heads)
    assert ">England<" in html and ">67.89<" in html


def test_appendix_is_collapsed_details():
    out = render.appendix("Finance inputs", pd.DataFrame({"Input": ["a"]}))
    assert out.data.startswith('<details class="sa-appendix"><summary>Finance inputs</summary>')
    assert "<table" in out.data and " open" not in out.data.split(">")[0]


def test_table_formats_counts_years_rates_and_marks():
    from send_analysis.report import table

    df = pd.DataFrame({"Year": [2020, 2024], "Plans": pd.array([1234, None], dtype="Int64"),
                       "Held (%)": [86.44, -1.25], "Held": [817, "c"],
                       "Cost a year (£)": [40780.0, 43390.4], "Placements to avoid a year": [3.09, 4.0]})
    html = table(df, decimals=1).to_html()
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert cells == ["2020", "1,234", "86.4", "817", "40,780.0", "3.1",
                     "2024", "–", "−1.2", "c", "43,390.4", "4.0"]


def test_claims_intro_and_detail_in_words():
    from send_analysis.benchmark import narrative

    frame = pd.DataFrame({"verdict": ["reproduced", "not reproduced", "not checkable", "reproduced"]})
    text = narrative.claims_intro({"report": "Cabinet, June 2021", "as_of": 2021}, "x.yaml",
                                  [1, 2, 3, 4], frame)
    assert text.startswith("## Cabinet\\, June 2021\n")  # user text inert (renders as typed)
    assert '<b data-headline="claims_reproduced">2 of 4</b> claims reproduced' in text
    assert "**1 not reproduced, 1 not checkable" in text
    r = SimpleNamespace(id="growth", verdict="reproduced", text="up 53%", claimed=53.0, unit="percent",
                        tolerance=0.5, computed=52.71, definition="all ages", note=None,
                        alternatives=[{"primary": True, "definition": "all ages", "value": 52.71}])
    detail = narrative.claim_detail(r)
    assert "Computed **52.71**: all ages." in detail and "| Definition | Value |" in detail
    hostile = narrative.claim_detail(SimpleNamespace(**{**vars(r), "text": "<script>x</script>"}))
    assert "<script>" not in hostile.replace("\\<", "")


def test_finance_present_sentences():
    from send_analysis.finance import present

    class P:
        def __init__(self, lo, hi, label="Unmitigated"):
            self.fys, self.label, self._lo, self._hi = ["2029-30", "2030-31"], label, lo, hi

        def summary_frame(self):
            return pd.DataFrame({"cumulative_p10": [0, self._lo], "cumulative_p90": [0, self._hi]},
                                index=self.fys)

    tornado = pd.DataFrame({"label": ["Unit-cost inflation"], "balance_low": [-31.5e6],
                            "balance_high": [-49.4e6]})
    text = present.sensitivity_text(tornado, P(-55e6, -27.6e6), P(-57.3e6, -24.9e6))
    assert text.startswith("The largest effect is **unit-cost inflation**: from −£31.5m to −£49.4m")
    assert ("31 March 2031 from −£55.0m to −£27.6m (the backtest's spread) to −£57.3m to −£24.9m."
            in text)
    req = pd.DataFrame({"in_year_gap_mean": [1e6, 2.34e6], "placements_to_move": [10, 42.4]},
                       index=["2029-30", "2030-31"])
    assert present.balance_text(P(0, 0, "All scenarios combined"), req, None) == (
        "With all scenarios combined, the mean in-year balance is **not** reached by 2030-31: in "
        "2030-31 a further £2.3m a year is needed, the cost difference of about 42 independent "
        "placements met in state special schools instead.")
    assert "reached from **2030-31**" in present.balance_text(P(0, 0), req, "2030-31")
    s = SimpleNamespace(name="Early help", file="/x/scenarios/early_help.yaml", description=" Fewer plans. ")
    intro = present.scenarios_intro("334", "Solihull", "public defaults for LA 334", [s],
                                    [("/x/scenarios/isp.yaml", "needs /x/data.csv")], "2025-26", 2025, "/x")
    # user text is inert in markdown (punctuation escaped; it renders as typed)
    assert "- **Early help** (early\\_help\\.yaml): Fewer plans\\." in intro
    assert "- isp\\.yaml: needs data\\.csv" in intro and "**2025-26**" in intro


def test_data_quality_sentences():
    from send_analysis.data import quality

    manifest = {"sources": [{"id": "ehcp/plans_2025.zip", "sha256": "ab" * 32}],
                "built_at": "2026-11-30T01:14:16", "package_version": "0.1.0"}
    assert quality.sources_text(manifest).endswith(
        "`plans_2025.zip` (sha256 `abababababab…`). The tables were built on 2026-11-30 by "
        "send-analysis 0.1.0.")
    agree = pd.DataFrame({"figures compared": [6459, 4830], "figures differing": [0, 2]})
    assert quality.agreement_text(agree) == "**11,289 overlapping figures compared; 2 differ.**"


@pytest.mark.realdata
def test_compute_headline_only_for_the_pages_run():
    """A run of some pages computes their figures (and the overview's, always); the others are
    not computed, so the summary never quotes a figure whose page was not built."""
    figs, notes = hl.compute_headline("334", 2025, pages={"00_data_quality.html", "07_claims_check.html"})
    assert list(figs) == ["plans_latest", "new_plans_last_year", "claims_reproduced",
                          "pct_within_20_weeks"]
    assert notes == {}
    assert figs["plans_latest"]["value"] == 2503 and figs["plans_latest"]["page"] == "01_overview.html"
    assert figs["claims_reproduced"]["checked"] == sum(
        figs["claims_reproduced"][k] for k in ("value", "not_reproduced", "not_checkable"))


def test_invest_to_save_opening_recomputes_and_keeps_user_text_inert():
    from send_analysis.finance import present

    block = {"posts": [
        {"name": "<b>Lead</b>", "funding": "dsg", "costs": {"2025-26": 50_000, "2026-27": 60_000}},
        {"name": "Officer", "funding": "council", "costs": {"2025-26": 100_000, "2026-27": 110_000}}],
        "reserve_request": 210_000, "reserve_years": ["2025-26", "2026-27"]}
    text = present.invest_to_save_opening("334", "<script>x</script>", "my.yaml",
                                          {"invest_to_save": block})
    assert "<script>" not in text and "\\<script\\>" in text
    assert "DSG-funded £50k (2025\\-26), £60k (2026\\-27)" in text
    assert "reserve request of £0.210m" in text and "(agrees)" in text
    none = present.invest_to_save_opening("334", "Solihull", "public defaults", {})
    assert "hold no invest-to-save resource proposal" in none
