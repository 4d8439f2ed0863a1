"""Everything a cohort page needs for one LA, in one call.

:func:`~send_analysis.casework.pipeline.casework_for_la` (re-exported here) returns the LA's
casework: a real extract when ``casework_dir`` is given, otherwise synthetic casework calibrated to
the LA's published figures (and says which). :func:`inputs_for_la` adds the cohort model inputs:
transitions, population, valid states and costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from send_analysis.casework.pipeline import LACasework, casework_for_la
from send_analysis.casework.schema import GROUP_OF, NEEDS, SETTINGS
from send_analysis.cohort.io import (
    ValidStates,
    read_costs,
    read_population,
    read_transitions,
    read_valid_states,
)
from send_analysis.cohort.transitions import (
    population_for_la,
    transitions_from_casework,
    valid_states_table,
)
from send_analysis.data.tables import Tables
from send_analysis.errors import DataError
from send_analysis.report import money_m  # noqa: F401  (used by the cohort page)

#: Settings of the cohort and statutory pages (not parameters of papermill; see notebooks).
PAGE_HORIZON = 5          # January censuses projected
PAGE_SIMULATIONS = 1000   # simulated futures for the main projection
PAGE_SEED = 50


def costs_for_la(la_code: str, valid: ValidStates, tables: Tables | None = None
                 ) -> tuple[pd.DataFrame, str]:
    """Annual cost per (need, setting): the unit cost of the setting's group that the finance
    pages use for this LA (:func:`send_analysis.finance.defaults.default_inputs`, decision 0042),
    so the cohort page and the DSG page cost a placement the same way. An LA without public
    finance defaults (City of London and the Isles of Scilly are not in the DSG allocation
    files) gets England's median unit costs, and the note says so.
    """
    from send_analysis.finance.defaults import PRICE_YEAR, default_inputs, england_unit_costs

    try:
        uc = default_inputs(str(la_code), tables)["unit_costs"]
    except DataError:
        by_group = england_unit_costs(tables)
        note = (f"median unit costs of English LAs per setting group at {PRICE_YEAR} prices "
                f"(LA {la_code} is not in the public DSG allocation files, so has no unit costs "
                "of its own)")
    else:
        by_group = uc["by_setting_group"]
        note = (f"unit costs per setting group at {uc['price_year']} prices, as on the finance "
                f"pages (public defaults for LA {la_code})")
    rows = [(n, s, float(by_group[GROUP_OF[s]])) for s in valid.settings for n in NEEDS
            if n in valid.setting_needs[s]]
    return pd.DataFrame(rows, columns=["need", "setting", "cost"]), note


@dataclass
class CohortInputs:
    """Model inputs for one LA, checked by the same readers as the CLI's files."""

    la: LACasework
    transitions: pd.DataFrame
    population: pd.DataFrame
    valid: ValidStates
    costs: pd.DataFrame
    costs_note: str


def inputs_for_la(la_code: str, as_of_year: int, casework_dir: str | Path | None = None,
                  tables: Tables | None = None, horizon: int = 5,
                  seed: int = 0, dayfirst: bool = False, through: int | None = None
                  ) -> CohortInputs:
    """Casework (real or synthetic), transitions, ONS-based population, valid states and costs.

    ``tables``: the processed tables the synthetic casework is calibrated to (default
    :meth:`Tables.default`). The population runs to ``horizon`` Januarys after the casework's
    last, or to January ``through`` if later (the LA's own latest January + the horizon)."""
    la = casework_for_la(la_code, as_of_year, casework_dir, tables, seed, dayfirst=dayfirst)
    valid = read_valid_states(valid_states_table())
    trans = read_transitions(transitions_from_casework(la.casework), valid)
    years = list(range(int(trans["calendar-year"].min()),
                       max(int(trans["calendar-year"].max()) + 2 + horizon, (through or 0) + 1)))
    pop = read_population(population_for_la(la_code, years, range(int(valid.academic_years[0]),
                                                                  int(valid.academic_years[-1]) + 1)))
    costs, note = costs_for_la(la_code, valid, tables)
    return CohortInputs(la, trans, pop, valid, read_costs(costs, valid), note)


def history_totals(transitions: pd.DataFrame) -> pd.Series:
    """Children in SEND at each January census in the transitions table."""
    t = transitions[transitions["setting-2"] != "NONSEND"]
    first = transitions[(transitions["calendar-year"] == transitions["calendar-year"].min())
                        & (transitions["setting-1"] != "NONSEND")]
    s = t.groupby(t["calendar-year"] + 1)["count"].sum()
    s.loc[int(transitions["calendar-year"].min())] = first["count"].sum()
    return s.sort_index().rename("plans")


def change_in_words(amount: float, unit: str = "£m", scale: float = 1e6, digits: int = 2) -> str:
    """'rises by £0.45m' / 'falls by £0.45m' / 'does not change' for a signed amount."""
    value = round(amount / scale, digits)
    if value == 0:
        return "does not change"
    word = "rises" if value > 0 else "falls"
    number = f"{abs(value):,.{digits}f}"
    return f"{word} by £{number}m" if unit == "£m" else f"{word} by {number} {unit}".rstrip()


def settings_order() -> list[str]:
    """Setting groups in the order of docs/tables.md."""
    return list(dict.fromkeys(GROUP_OF[s] for s in SETTINGS))


__all__ = ["CohortInputs", "LACasework", "casework_for_la", "change_in_words", "costs_for_la",
           "history_totals", "money_m",
           "inputs_for_la", "settings_order"]
