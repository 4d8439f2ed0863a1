"""The statutory page's sentences: suppressed counts stay hidden, user text stays inert."""

from __future__ import annotations

from datetime import date

import pandas as pd

from send_analysis.casework import present


def test_timeliness_text_keeps_suppressed_cells_and_escapes_the_name():
    latest = pd.Series({"year": 2024, "within_20wk_incl_exc": "c", "issued_incl_exc": 3,
                        "pct_20wk_incl_exc": "c", "pct_20wk_excl_exc": "c"})
    text = present.timeliness_text(latest, None, "<img src=x onerror=alert(1)>")
    assert text.startswith("In 2024, c of 3 plans (c) were issued")
    assert "<img" not in text.replace("\\<", "") and "no published figure" in text
    shown = pd.Series({"year": 2024, "within_20wk_incl_exc": 145, "issued_incl_exc": 176,
                       "pct_20wk_incl_exc": 82.4, "pct_20wk_excl_exc": 90.1})
    pub = present.timeliness_text(shown, pd.Series([80.4], index=[2024]), "Solihull")
    assert "145 of 176 plans (82.4%)" in pub and "published 80.4% for Solihull in 2024" in pub


def test_open_assessments_text_suppresses_each_count():
    open20 = pd.Series([12, 3], index=pd.to_datetime(["2022-01-01", "2024-12-31"]))
    text = present.open_assessments_text(open20, date(2024, 12, 31))
    assert "On 31 December 2024, c assessments" in text and "there were 12" in text


def test_transfers_text():
    recent = pd.Series({"transfer_year": 2024, "named_by_deadline": "c", "transfers": "c"})
    assert present.transfers_text(recent).startswith("For transfers in September 2024, c of c ")


def test_timeliness_text_quotes_the_published_figure_as_the_summary_does():
    """Issue 19 item 4: page 09 quoted the DfE's all-plans share alone; it now quotes both
    published bases in the summary's words (one formatter)."""
    from send_analysis.report.figures import figure_text

    fig = {"value": 80.4, "year": 2024, "issued": 143.0, "england": 46.4, "all_value": 53.1,
           "all_issued": 258.0, "england_all": 45.9}
    shown = pd.Series({"year": 2024, "within_20wk_incl_exc": 145, "issued_incl_exc": 176,
                       "pct_20wk_incl_exc": 82.4, "pct_20wk_excl_exc": 90.1})
    text = present.timeliness_text(shown, pd.Series([53.1], index=[2024]), "Solihull", fig)
    assert figure_text("pct_within_20_weeks", fig) in text
    assert "Issued within 20 weeks in 2024, as the DfE publishes it for Solihull: 80.4% of 143 " \
           "plans (exceptions left out); 53.1% of all 258 plans (England 46.4% with exceptions " \
           "left out, 45.9% of all plans)." in text
