"""Cohort (Markov transition) model on person-level records.

- :mod:`.io`: read and check witan.send-format transitions, population, costs and valid states;
- :mod:`.transitions`: casework -> census states -> transitions; valid states; ONS population;
- :mod:`.model`: :func:`fit` (smoothed Beta/Dirichlet rates) and counts-based :func:`simulate`;
- :mod:`.scenarios`: :class:`Scale` and :class:`Redirect` (with capacity) from a year on;
- :mod:`.results`: :class:`CohortResults` (``.summary_frame()``, ``.by("setting")``, ``.table()``);
- :mod:`.validation`: :func:`backtest` against what happened;
- :mod:`.pipeline`, :mod:`.charts`: what the cohort and statutory pages call;
- :mod:`.cli`: ``send-analysis cohort``.

Example::

    from send_analysis.cohort import read_valid_states, read_transitions, read_population, read_costs, fit
    valid = read_valid_states("examples/cohort/valid_states.csv")
    model = fit(read_transitions("examples/cohort/transitions.csv", valid),
                read_population("examples/cohort/population.csv"), valid,
                read_costs("examples/cohort/costs.csv", valid))
    res = model.simulate(years=5, simulations=1000, seed=50)
    res.summary_frame(); res.by("setting-group")
"""

from send_analysis.cohort.io import (
    NONSEND,
    ValidStates,
    read_costs,
    read_population,
    read_transitions,
    read_valid_states,
)
from send_analysis.cohort.model import CohortModel, fit, simulate
from send_analysis.cohort.results import CohortResults, compare
from send_analysis.cohort.scenarios import Redirect, Scale, Scenario
from send_analysis.cohort.validation import backtest

__all__ = [
    "NONSEND", "CohortModel", "CohortResults", "Redirect", "Scale", "Scenario", "ValidStates",
    "backtest", "compare", "fit", "read_costs", "read_population", "read_transitions",
    "read_valid_states", "simulate",
]
