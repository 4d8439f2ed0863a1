"""Mitigation scenarios: small YAML files of levers applied to the placement forecast.

A scenario file (``scenarios/*.yaml``)::

    name: Solihull 100-place autism school
    description: ...
    source: Cabinet report 17 June 2021, para 5.3
    discount_rate: 0.035          # optional; for the NPV (default DEFAULT_DISCOUNT_RATE)
    levers:
      - type: new_special_school  # see LEVER_KEYS for every type and its keys
        places: 100
        opens: 2023               # September 2023
        ...

Levers (decision record ``docs/decisions/0047-mitigation-levers.md``) act on the financial-year
placements of every draw, in the order given, and scenarios combine by applying their levers one
after another. Each lever moves placements between setting groups or into new provision, removes
placements (early help), and may carry costs by financial year funded from the DSG (in the DSG
balance), the council's budget or capital (outside the DSG balance, but part of the investment).

Results (:class:`ScenarioResult`): the mitigated DSG trajectory, savings against unmitigated by
year (reduction in placement spend), investment (every mitigation cost, whoever pays), net
benefit, payback year and NPV at a discount rate.

This package is a facade: each job has its own module and the public names are re-exported here,
so ``from send_analysis.finance import scenarios as sc`` keeps working.

- :mod:`.schema`: the file's keys, relative years and validation (a table of checks);
- :mod:`.levers`: one kernel per lever type, chosen from the registry :data:`LEVERS`;
- :mod:`.evaluation`: :class:`ScenarioResult` (savings, investment, payback, NPV), :func:`evaluate`,
  :func:`compare` and the comparison table;
- :mod:`.loading`: reading scenario files and keeping those valid for an LA's inputs.

Their charts (``plot_trajectories``, ``plot_savings``) are with the other finance charts, in
:mod:`send_analysis.finance.charts`.
"""

from __future__ import annotations

from send_analysis.finance.scenarios.evaluation import (
    ScenarioResult,
    compare,
    comparison_table,
    discount_factors,
    evaluate,
    first_balanced_year,
    npv,
    payback_year,
    required_savings,
    step_down_saving,
)
from send_analysis.finance.scenarios.levers import (
    LEVERS,
    LeverEffect,
    apply_scenarios,
    lever_costs,
    lever_early_help,
    lever_inclusion_target,
    lever_invest_to_save,
    lever_isp_step_down,
    lever_new_places,
)
from send_analysis.finance.scenarios.loading import (
    default_scenario_files,
    load_applicable,
    load_scenario,
)
from send_analysis.finance.scenarios.schema import (
    DEFAULT_DISCOUNT_RATE,
    FUNDING,
    LEVER_CHECKS,
    LEVER_KEYS,
    Scenario,
    bind,
    is_fy,
    is_relative,
    resolve_years,
    validate_scenario,
)

__all__ = [
    "DEFAULT_DISCOUNT_RATE", "FUNDING", "LEVERS", "LEVER_CHECKS", "LEVER_KEYS", "LeverEffect", "Scenario",
    "ScenarioResult", "apply_scenarios", "bind", "compare", "comparison_table", "default_scenario_files",
    "discount_factors", "evaluate", "first_balanced_year", "is_fy", "is_relative", "lever_costs",
    "lever_early_help", "lever_inclusion_target", "lever_invest_to_save", "lever_isp_step_down",
    "lever_new_places", "load_applicable", "load_scenario", "npv", "payback_year",
    "required_savings", "resolve_years", "step_down_saving", "validate_scenario",
]
