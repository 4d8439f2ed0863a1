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
