"""The cohort page starts from the LA's own latest January (issue 18 item 2, decision 0104).

The cohort model needs every child's state where it starts, which a total does not give: it
starts from the casework's last January and its total is calibrated to the LA's own later
January (every simulation equals it), then follows the demand forecast made from that January.
"""

from __future__ import annotations

import numpy as np
import pytest

from send_analysis.cohort import calibrate as cb

EXAMPLE = "examples/solihull_2026.yaml"


@pytest.mark.realdata
def test_the_cohort_projection_meets_the_las_own_january_2026():
    from send_analysis.cohort import pipeline
    from send_analysis.data.tables import Tables
    from send_analysis.finance.inputs import own_census_tables

    tables = Tables.default()
    own_tables, own = own_census_tables("334", EXAMPLE, tables)
    assert own == [2026]
    inputs = pipeline.inputs_for_la("334", 2025, None, tables, horizon=2, through=2026 + 2)
    cp = cb.consistent_projection("334", inputs.transitions, inputs.population, inputs.valid,
                                  inputs.costs, 2, 40, 1, origins=[], tables=own_tables,
                                  own_januarys=own)
    res = cp.results
    assert cp.model.start_year == 2025 and res.years == [2025, 2026, 2027, 2028]
    # synthetic casework is calibrated to the published January 2025 (2,503): no re-basing
    assert cp.model.initial.sum() == 2503
    np.testing.assert_allclose(res.count[:, 1], 2806)  # every simulation meets the LA's own
    assert cp.demand.origin == 2026 and cp.demand.history.loc[2026] == 2806
    s = res.summary_frame().set_index(["calendar-year", "measure"]).xs("count", level="measure")
    fs = cp.demand.summary_frame().set_index("year")
    np.testing.assert_allclose(s["mean"].loc[2027:2028], fs["mean"].loc[2027:2028], rtol=1e-9)
    text = cb.own_januarys_text(cp, own, {})
    assert "January 2026 (2,806)" in text and "starts from January 2025" in text
    assert "calibrated to the LA's own January 2026" in text and "Decision 0104" in text
    # without the file: from the casework's January 2025 and the published forecast, as before
    plain = cb.consistent_projection("334", inputs.transitions, inputs.population, inputs.valid,
                                     inputs.costs, 2, 40, 1, origins=[], tables=tables)
    assert plain.results.years == [2025, 2026, 2027] and plain.demand.origin == 2025
    assert cb.own_januarys_text(plain, []) == ""


@pytest.mark.realdata
def test_an_own_january_at_the_casework_start_is_named_with_what_it_replaces():
    from send_analysis.cohort import pipeline
    from send_analysis.data.own_plans import with_own_plans
    from send_analysis.data.tables import Tables

    tables = Tables.default()
    own_tables = with_own_plans(tables, {"la_code": "334", "plans": {2025: 2600}})
    inputs = pipeline.inputs_for_la("334", 2025, None, tables, horizon=1)
    cp = cb.consistent_projection("334", inputs.transitions, inputs.population, inputs.valid,
                                  inputs.costs, 1, 20, 1, origins=[], tables=own_tables,
                                  own_januarys=[2025])
    assert cp.results.years == [2025, 2026] and cp.demand.origin == 2025
    text = cb.own_januarys_text(cp, [2025], {2025: 2503.0})
    assert "January 2025 (2,600, in place of the published 2,503)" in text
    assert "from the casework's January 2025 (2,503 plans)" in text
