"""The overview page's headline figures on the published data, including a successor LA."""

from __future__ import annotations

import pytest

from send_analysis import overview as ov

pytestmark = pytest.mark.realdata


def test_headline_for_an_la_with_its_own_history():
    h = ov.headline("334", 2025)
    assert (h.latest_plans, h.plans_2014) == (2503, 1300)
    assert h.first_published_year == 2010 and not h.apportioned_2014
    assert h.growth_since_2014 == pytest.approx(100 * (2503 / 1300 - 1))


def test_headline_for_a_successor_la_uses_its_apportioned_history():
    # North Northamptonshire (940) was formed in April 2021 from Northamptonshire (928)
    from send_analysis.demand import default_panel

    h = ov.headline("940", 2025)
    assert h.first_published_year == 2022 and h.apportioned_2014
    panel = default_panel()  # the demand panel apportions predecessors the same way
    assert h.plans_2014 == int(panel.plans.at["940", 2014])
    assert h.latest_plans == int(panel.plans.at["940", 2025])
    df = ov.plans_vs_comparators("940")
    la = df[df["area"] == "North Northamptonshire"].set_index("year")
    assert la.at[2014, "index"] == pytest.approx(100)
    assert la.index.min() == 2010


def test_a_former_la_gets_a_clear_error_naming_its_successors():
    from send_analysis.errors import DataError

    with pytest.raises(DataError, match="928 Northamptonshire no longer exists") as exc:
        ov.area("928")
    assert "940 North Northamptonshire, 941 West Northamptonshire" in str(exc.value)
    with pytest.raises(DataError, match="unknown LA code '999'"):
        ov.area("999")


def test_apportioned_years_are_drawn_dashed():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from send_analysis.overview_charts import plot_three

    wide = ov.plan_totals("940")[["North Northamptonshire"]]
    ax = plot_three(wide, "t", "y", apportioned_before=2022)
    dashed, solid = ax.get_lines()
    assert dashed.get_linestyle() == "--" and list(dashed.get_xdata())[-1] == 2022
    assert list(solid.get_xdata())[0] == 2022 and list(solid.get_xdata())[-1] == 2025
    assert "(apportioned)" in dashed.get_label()
    plt.close("all")


def test_timeliness_headline_gives_both_published_bases_with_counts_and_england():
    """Issue 19 item 4: the summary and the overview quoted only the share with exceptions left
    out (80.4%) while page 09 quoted the DfE's all-plans share (53.1%). The headline figure now
    carries both, each labelled, out of its count of plans, against England on the same basis."""
    from send_analysis.overview_present import opening
    from send_analysis.report.figures import figure_text, overview_figures

    t = ov.published_timeliness("334", 2025)
    assert t["year"] == 2024
    assert (t["pct_excl"], t["issued_excl"], t["pct_incl"], t["issued_incl"]) == (80.4, 143, 53.1, 258)
    assert (t["england_excl"], t["england_incl"]) == (46.4, 45.9)
    h = ov.headline("334", 2025)
    fig = overview_figures(h)["pct_within_20_weeks"]
    text = figure_text("pct_within_20_weeks", fig)
    assert text == "80.4% of 143 plans (exceptions left out); 53.1% of all 258 plans"
    page = opening(h)
    assert text in page and "45.9% of all plans" in page and "46.4% with exceptions left out" in page
