"""Range checks of the command line's numeric and date options, in one place.

:func:`check_options` runs on the parsed arguments of every ``send-analysis`` command before
the command starts. Each option is checked by its name (``args.<dest>``) wherever it appears:
``--draws`` means the same in ``dsg-plan`` and ``scenario``, ``--seed`` in every command that
draws random numbers. A value out of range is a :class:`~send_analysis.errors.ConfigError`
naming the option, the value and the accepted range, so the command exits with code 2 and a
one-line message before any work (or memory) is spent.

The caps bound the resources a run can take. Measured with ``/usr/bin/time`` on the project's
2-core machine (``scenario --la 334 --scenario scenarios/isp_step_down.yaml``): 1,000 draws
peak at 0.35 GB in 10 s, 20,000 at 0.67 GB in 24 s, so about 16 KB a draw above a 0.34 GB base;
the cap of :data:`MAX_DRAWS` = 50,000 is about 1.2 GB and a minute (10,000,000 draws used 15 GB
in a minute before the cap). The cohort model on ``examples/cohort``: 1,000 simulations peak at
0.34 GB in 11 s, 5,000 at 0.37 GB in 37 s (memory is chunked; about 6.5 s per 1,000), so the cap
:data:`MAX_SIMULATIONS` = 20,000 bounds a run to about 2.5 minutes.

Census years (``--as-of``, ``--origin``, ``--year``) are also checked against the January
censuses in the processed tables.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from send_analysis.errors import ConfigError

if TYPE_CHECKING:  # read only when a census year is checked (pandas is slow to import)
    from send_analysis.data.tables import Tables

#: Simulated placement paths (finance ``--draws``). Memory grows linearly with draws.
MAX_DRAWS: int = 50_000
#: Simulated futures of the cohort model (``--simulations``).
MAX_SIMULATIONS: int = 20_000
#: Years ahead a projection may reach (``--horizon``, cohort ``--years``).
MAX_HORIZON: int = 15
#: Census years of history a synthetic casework extract may span (``casework synth --history``).
MAX_HISTORY: int = 15
#: Worker processes for several LAs (``evidence --workers``).
MAX_WORKERS: int = 32
#: Largest seed numpy accepts for a reproducible stream (and the smallest is 0).
MAX_SEED: int = 2**32 - 1
#: Discount rate for NPVs, as a fraction (0.035 for 3.5%): catches 3.5 typed for 3.5%.
MAX_DISCOUNT_RATE: float = 0.5
#: Pseudo-observations pooled from the level above in the cohort model.
MAX_PRIOR_STRENGTH: float = 1_000_000.0
#: Most similar LAs for ``benchmark --similar`` (England has 153 LAs).
MAX_SIMILAR: int = 152
#: Syntactic range of a census year option, before the data's own range is checked.
YEAR_RANGE: tuple[int, int] = (2000, 2100)


@dataclass(frozen=True)
class Rule:
    """An accepted range for one option (``low`` and ``high`` inclusive) and what it means."""

    low: float
    high: float
    what: str
    cap_note: str = ""
    thousands: bool = True

    def check(self, option: str, value: object) -> None:
        """Raise ConfigError unless ``value`` is a finite number within the range."""
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ConfigError(f"{option} {value}: expected {self.what} from {self._fmt(self.low)}"
                              f" to {self._fmt(self.high)}")
        if not self.low <= value <= self.high:
            note = f" ({self.cap_note})" if self.cap_note and value > self.high else ""
            raise ConfigError(f"{option} {value}: expected {self.what} from {self._fmt(self.low)} "
                              f"to {self._fmt(self.high)}{note}")

    def _fmt(self, x: float) -> str:
        if not float(x).is_integer():
            return f"{x:g}"
        return f"{int(x):,}" if self.thousands else str(int(x))


#: Option destination -> rule. A command that has the option gets it checked.
RULES: dict[str, Rule] = {
    "draws": Rule(1, MAX_DRAWS, "a number of simulated placement paths",
                  f"the cap is {MAX_DRAWS:,}: memory grows with the draws"),
    "simulations": Rule(1, MAX_SIMULATIONS, "a number of simulations",
                        f"the cap is {MAX_SIMULATIONS:,}: run time grows with the simulations"),
    "horizon": Rule(1, MAX_HORIZON, "a number of years ahead"),
    "years": Rule(1, MAX_HORIZON, "a number of January censuses to project"),
    "history": Rule(1, MAX_HISTORY, "a number of census years"),
    "seed": Rule(0, MAX_SEED, "a whole-number random seed"),
    "discount_rate": Rule(0, MAX_DISCOUNT_RATE, "an annual rate as a fraction (0.035 for 3.5%)"),
    "prior_strength": Rule(0, MAX_PRIOR_STRENGTH, "a number of pseudo-observations"),
    "similar": Rule(1, MAX_SIMILAR, "a number of similar LAs"),
    "workers": Rule(1, MAX_WORKERS, "a number of worker processes"),
    "as_of": Rule(*YEAR_RANGE, "a January census year", thousands=False),
    "origin": Rule(*YEAR_RANGE, "a January census year", thousands=False),
    "year": Rule(*YEAR_RANGE, "a January census year", thousands=False),
}

#: Census-year options checked against the data: dest -> (years needed before, years after).
#: A backtest origin needs 3 years of history (the shortest series a model fits) and one
#: later year to score.
CENSUS_YEAR_OPTIONS: dict[str, tuple[int, int]] = {"as_of": (0, 0), "year": (0, 0),
                                                    "origin": (2, 1)}


def option_name(dest: str) -> str:
    """``as_of`` -> ``--as-of``."""
    return "--" + dest.replace("_", "-")


def parse_date(option: str, value: str) -> dt.date:
    """An ISO date ``YYYY-MM-DD`` or a ConfigError naming the option."""
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{option} {value!r}: expected a date as YYYY-MM-DD, e.g. 2025-01-16"
                          ) from None


def _blocking_file(path: Path) -> Path | None:
    """The first existing part of ``path`` (itself or a parent) when it is not a folder."""
    for p in (path, *path.parents):
        if p.exists():
            return None if p.is_dir() else p
    return None


def output_folder(option: str, value: object) -> Path:
    """A folder to write into (it may not exist yet): neither it nor a parent may be a file."""
    path = Path(str(value))
    block = _blocking_file(path)
    if block is not None:
        what = "is a file" if block == path else f"is inside {block}, which is a file"
        raise ConfigError(f"{option} {path}: {what} (expected a folder)")
    return path


def output_file(option: str, value: object) -> Path:
    """A file to write (it may not exist yet): not a folder, and no parent a file."""
    path = Path(str(value))
    if path.is_dir():
        raise ConfigError(f"{option} {path}: is a folder (expected a file name to write)")
    block = _blocking_file(path.parent)
    if block is not None:
        raise ConfigError(f"{option} {path}: is inside {block}, which is a file "
                          "(expected a file in a folder)")
    return path


def input_folder(option: str, value: object) -> Path:
    """A folder to read, which must exist."""
    path = Path(str(value))
    if not path.exists():
        raise ConfigError(f"{option} {path}: does not exist (expected a folder)")
    if not path.is_dir():
        raise ConfigError(f"{option} {path}: is a file (expected a folder)")
    return path


#: A Dask scheduler address: ``tcp://host:port`` (or another Dask protocol), or ``host:port``.
_SCHEDULER = re.compile(r"^(?:(?:tcp|tls|ws|wss|ucx|inproc)://)?[A-Za-z0-9_.\-\[\]:]*[A-Za-z0-9\]]"
                        r":\d{1,5}/?$")


def scheduler_address(option: str, value: object) -> str:
    """A Dask scheduler address, checked before a cluster is contacted."""
    text = str(value).strip()
    if not _SCHEDULER.match(text):
        raise ConfigError(f"{option} {value!r}: expected a Dask scheduler address such as "
                          "tcp://10.0.0.5:8786")
    return text


#: Extra checks by destination that are not a numeric range.
CHECKS: dict[str, Callable[[str, object], object]] = {
    "at": lambda option, value: parse_date(option, str(value)),
    "scheduler": scheduler_address,
}

#: Folder and file options by destination, checked after the numbers and dates (issue 19: a
#: file where a folder is expected, or the other way round, is one line and exit 2 before any
#: work, never a traceback from the first write).
PATH_CHECKS: dict[str, Callable[[str, object], object]] = {
    "out": output_folder,          # evidence, cohort, casework synth, data build
    "dest": output_folder,         # data fetch
    "xlsx": output_file,           # dsg-plan
    "casework": input_folder,      # evidence, casework performance
    "mirror": input_folder,        # data fetch
    "raw": input_folder,           # data build
    "processed": input_folder,     # benchmark, claims
}


def check_options(args: argparse.Namespace) -> None:
    """Check every option of :data:`RULES`, :data:`CHECKS` and then :data:`PATH_CHECKS` present
    (not None) in ``args``.

    Census years (:data:`CENSUS_YEAR_OPTIONS`) are also checked against the processed tables
    (``args.processed`` when the command has it), when they are built.
    """
    for dest, value in vars(args).items():
        if value is None:
            continue
        if (dest in CENSUS_YEAR_OPTIONS and isinstance(value, int)
                and _check_census_year(dest, value, getattr(args, "processed", None),
                                       _own_last_year(getattr(args, "inputs", None)))):
            continue
        if dest in RULES:
            RULES[dest].check(option_name(dest), value)
        elif dest in CHECKS:
            CHECKS[dest](option_name(dest), value)
    for dest, value in vars(args).items():
        if value is not None and dest in PATH_CHECKS:
            PATH_CHECKS[dest](option_name(dest), value)


def _own_last_year(inputs_file: str | None) -> int | None:
    """The latest January census an inputs file gives as the LA's own (``plans``), if any: a
    census-year option may reach it (the file itself is checked by the command)."""
    if not inputs_file:
        return None
    from send_analysis.data.own_plans import own_years
    from send_analysis.errors import SendAnalysisError
    from send_analysis.finance.inputs import load_inputs

    try:
        years = own_years(load_inputs(inputs_file, partial=True))
    except (SendAnalysisError, FileNotFoundError, OSError):
        return None  # the command reports the file's problem
    return max(years) if years else None


def _check_census_year(dest: str, value: int, processed: str | None,
                       own_last: int | None = None) -> bool:
    """Check a census-year option against the tables (and the LA's own latest January,
    ``own_last``, for ``--as-of``); False when the tables are not built."""
    from send_analysis.data.tables import Tables
    from send_analysis.errors import SendAnalysisError

    try:
        lo, hi = census_years(Tables.at(processed))
    except (FileNotFoundError, OSError, SendAnalysisError):
        return False  # tables not built: the command itself says so
    before, after = CENSUS_YEAR_OPTIONS[dest]
    if dest == "as_of" and own_last is not None:
        hi = max(hi, own_last)
    if not lo + before <= value <= hi - after:
        raise ConfigError(f"{option_name(dest)} {value}: outside the data (expected a January "
                          f"census year from {lo + before} to {hi - after})")
    return True


def census_years(tables: Tables | None = None) -> tuple[int, int]:
    """First and last January census year of the EHC plan totals in the processed tables."""
    from send_analysis.data.tables import Tables

    years = (tables or Tables.default()).get("plans_by_setting")["year"]
    return int(years.min()), int(years.max())
