"""The casework a statutory-performance or cohort page runs on, for one LA, in one call.

:func:`casework_for_la` returns the LA's casework: a real extract when ``casework_dir`` is given,
otherwise synthetic casework calibrated to the LA's published figures (:mod:`.synth`), with a
sentence saying which. The statutory page (notebook 09) needs only this; the cohort page adds its
model inputs in :mod:`send_analysis.cohort.pipeline`, which re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from send_analysis.casework.io import Casework, read_casework
from send_analysis.casework.synth import CalibrationTargets, synth, targets_from_tables
from send_analysis.data.quality import flagged_totals
from send_analysis.data.tables import Tables
from send_analysis.errors import DataError
from send_analysis.report.safe import inert
from send_analysis.report.shared import per_la


@dataclass
class LACasework:
    """Casework for a page, with a sentence saying where it comes from."""

    la_code: str
    la_name: str
    casework: Casework
    synthetic: bool
    targets: CalibrationTargets | None
    source_note: str


#: The tables the synthetic casework is calibrated to.
CALIBRATION_TABLES = ("plans_by_setting", "new_plans", "timeliness")


def _casework_key(la_code, as_of_year, casework_dir=None, tables: Tables | None = None, seed=0,
                  dayfirst=False):
    if casework_dir is not None:  # a real extract is read afresh every time
        return None
    if tables is not None and tables.given_frames:  # frames of the caller's own: not shared
        return None
    folder = (tables if tables is not None else Tables.default()).folder
    return (str(la_code), int(as_of_year), str(folder), int(seed))


@per_la("casework", _casework_key)  # the cohort and statutory pages share one synthesis
def casework_for_la(la_code: str, as_of_year: int, casework_dir: str | Path | None = None,
                    tables: Tables | None = None, seed: int = 0, dayfirst: bool = False) -> LACasework:
    """The LA's casework extract (``dayfirst``: its dates may be DD/MM/YYYY), or synthetic
    casework calibrated to the LA's published figures in ``tables`` (default
    :meth:`Tables.default`; see the module doc)."""
    tables = tables if tables is not None else Tables.default()
    names = tables.get("plans_by_setting")
    hit = names[(names["level"] == "la") & (names["la_code"] == str(la_code))]
    if hit.empty:
        raise DataError(f"LA {la_code} is not in the tidy tables", file="plans_by_setting",
                        column="la_code", expected="a 3-digit DfE LA code")
    la_name = str(hit["area_name"].iloc[-1])
    if casework_dir is not None:
        cw = read_casework(casework_dir, dayfirst=dayfirst)
        return LACasework(str(la_code), la_name, cw, False, None,
                          f"This page uses the casework extract in {inert(str(casework_dir))}.")
    year, left_out = credible_year(la_code, as_of_year, tables)
    targets = targets_from_tables(la_code, year, tables=tables)
    cw = synth(targets, seed=seed)
    y0, y1 = targets.census_years[0], targets.census_years[-1]
    note = (f"No casework extract was given, so this page runs on **synthetic casework** for a "
            f"fictional LA calibrated to {la_name}'s published figures (plans at each January "
            f"{y0}-{y1}, setting mix, new plans and 20-week timeliness; seed {seed}). Individual "
            "records are invented: the page shows what the analysis does, not facts about "
            f"{la_name}'s children.")
    if left_out:
        note += (" The published total" + ("s" if len(left_out) > 1 else "") + " for January "
                 + ", ".join(str(y) for y in left_out) + " broke implausibly from the years before "
                 f"and {'are' if len(left_out) > 1 else 'is'} left out (decision 0075): the "
                 f"casework ends at January {y1}.")
    return LACasework(str(la_code), la_name, cw, True, targets, note)


def credible_year(la_code: str, as_of_year: int, tables: Tables) -> tuple[int, list[int]]:
    """The latest January up to ``as_of_year`` whose published total for the LA is not flagged
    as implausible (decision 0075), and the later Januaries left out. Synthetic casework is
    calibrated up to it, so a page never rebuilds children from a total the demand forecast and
    the finance pages refuse to use."""
    flagged = flagged_totals(tables)
    years = {int(y) for y in flagged.loc[flagged["la_code"] == str(la_code), "year"]}
    year = int(as_of_year)
    while year in years:
        year -= 1
    return year, sorted(y for y in years if year < y <= int(as_of_year))
