"""Read and check the four files a cohort (transition) model exchanges in this sector.

The formats are those of witan.send, so a table prepared for that model reads here unchanged:

- transitions: ``calendar-year,setting-1,need-1,academic-year-1,setting-2,need-2,academic-year-2``
  (one row per child and year; an optional ``count`` column holds aggregated rows). ``NONSEND``
  is the setting and need of a joiner's origin and a leaver's destination. ``calendar-year`` is
  the January census of state 1; state 2 is the next January.
- population: ``calendar-year,academic-year,population``
- costs: ``need,setting,cost`` (annual cost of one placement, pounds). A need x setting pair
  the valid-states file admits but the costs file omits (witan.send's own example omits 88) is
  costed by :data:`MISSING_COST_RULE` with a :class:`MissingCostWarning` listing the pairs
- valid states: ``setting,setting-group,min-academic-year,max-academic-year,needs,setting->setting``
  (``needs`` and ``setting->setting`` are comma-separated lists inside quotes).

Every problem raises :class:`~send_analysis.errors.DataError` naming the file, the line (the
header is line 1) and the column.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from send_analysis.errors import DataError

NONSEND = "NONSEND"

TRANSITION_COLUMNS = [
    "calendar-year", "setting-1", "need-1", "academic-year-1", "setting-2", "need-2",
    "academic-year-2",
]
POPULATION_COLUMNS = ["calendar-year", "academic-year", "population"]
COST_COLUMNS = ["need", "setting", "cost"]
VALID_STATE_COLUMNS = [
    "setting", "setting-group", "min-academic-year", "max-academic-year", "needs",
    "setting->setting",
]


#: How a need x setting pair without a cost is costed (docs/decisions/0072-cohort-missing-costs.md).
MISSING_COST_RULE = ("the median cost of the other needs in the same setting; for a setting with "
                     "no costs at all, the median cost of the settings in its setting group")


class MissingCostWarning(UserWarning):
    """A costs file omits need x setting pairs that the valid-states file admits."""


def _line(index: int) -> int:
    """File line of a 0-based data row (the header is line 1)."""
    return int(index) + 2


def _read_csv(source: str | Path | pd.DataFrame, columns: list[str], name: str) -> tuple[pd.DataFrame, str]:
    """Read a CSV (or take a DataFrame) and check the required columns are present."""
    if isinstance(source, pd.DataFrame):
        df, label = source.reset_index(drop=True).copy(), name
    else:
        label = str(source)
        df = pd.read_csv(source, dtype=str, keep_default_na=False)
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"missing column(s) {missing}", file=label, expected=", ".join(columns))
    return df, label


def _integers(df: pd.DataFrame, column: str, label: str) -> np.ndarray:
    """Column as int64, or a DataError naming the first row that is not a whole number."""
    values = pd.to_numeric(df[column].astype(str).str.strip(), errors="coerce")
    bad = values.isna() | (values != np.floor(values))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"{df[column].iloc[i]!r} is not a whole number", file=label,
                        column=column, row=_line(i), expected="an integer")
    return values.to_numpy().astype(np.int64)


def _split_list(text: str) -> list[str]:
    return [t.strip() for t in str(text).split(",") if t.strip()]


@dataclass(frozen=True)
class ValidStates:
    """Which (academic year, need, setting) states exist, and which setting moves are allowed."""

    settings: tuple[str, ...]
    needs: tuple[str, ...]
    setting_group: dict[str, str]
    min_ay: dict[str, int]
    max_ay: dict[str, int]
    setting_needs: dict[str, frozenset[str]]
    moves: dict[str, frozenset[str]]
    file: str = field(default="valid states", compare=False)

    @property
    def academic_years(self) -> np.ndarray:
        """All academic years any setting admits, in order."""
        return np.arange(min(self.min_ay.values()), max(self.max_ay.values()) + 1)

    def is_valid(self, ay: int, need: str, setting: str) -> bool:
        """True when a child in this academic year with this need may be in this setting."""
        return (setting in self.min_ay and self.min_ay[setting] <= ay <= self.max_ay[setting]
                and need in self.setting_needs[setting])

    def can_move(self, setting_from: str, setting_to: str) -> bool:
        """True when a move from one setting to another is allowed (staying always is)."""
        return setting_from == setting_to or setting_to in self.moves.get(setting_from, ())

    def mask(self) -> np.ndarray:
        """Boolean array [academic year, need, setting] of valid states."""
        ays = self.academic_years
        out = np.zeros((len(ays), len(self.needs), len(self.settings)), dtype=bool)
        for k, s in enumerate(self.settings):
            a_ok = (ays >= self.min_ay[s]) & (ays <= self.max_ay[s])
            n_ok = np.array([n in self.setting_needs[s] for n in self.needs])
            out[:, :, k] = a_ok[:, None] & n_ok[None, :]
        return out

    def move_matrix(self) -> np.ndarray:
        """Boolean array [setting from, setting to] of allowed moves (diagonal False)."""
        m = np.array([[self.can_move(a, b) and a != b for b in self.settings] for a in self.settings])
        return m.reshape(len(self.settings), len(self.settings))


def read_valid_states(source: str | Path | pd.DataFrame) -> ValidStates:
    """Read the valid-states file; settings keep file order, needs are sorted."""
    df, label = _read_csv(source, VALID_STATE_COLUMNS, "valid states")
    lo = _integers(df, "min-academic-year", label)
    hi = _integers(df, "max-academic-year", label)
    settings: list[str] = []
    for i, s in enumerate(df["setting"].astype(str).str.strip()):
        if not s or s == NONSEND:
            raise DataError(f"setting {s!r} is not allowed here", file=label, column="setting",
                            row=_line(i), expected="a setting name other than NONSEND")
        if s in settings:
            raise DataError(f"setting {s!r} is listed twice", file=label, column="setting",
                            row=_line(i), expected="one row per setting")
        if lo[i] > hi[i]:
            raise DataError(f"min-academic-year {lo[i]} is above max-academic-year {hi[i]}",
                            file=label, row=_line(i))
        settings.append(s)
    needs_per = [frozenset(_split_list(t)) for t in df["needs"]]
    for i, ns in enumerate(needs_per):
        if not ns:
            raise DataError("no needs listed", file=label, column="needs", row=_line(i),
                            expected="a quoted comma-separated list of needs")
    moves = {s: frozenset(_split_list(t)) for s, t in zip(settings, df["setting->setting"], strict=True)}
    for i, (s, targets) in enumerate(moves.items()):
        unknown = sorted(targets - set(settings))
        if unknown:
            raise DataError(f"setting {s!r} may move to unknown setting(s) {unknown}", file=label,
                            column="setting->setting", row=_line(i),
                            expected=f"settings listed in this file: {settings}")
    return ValidStates(
        settings=tuple(settings),
        needs=tuple(sorted(set().union(*needs_per))),
        setting_group=dict(zip(settings, df["setting-group"].astype(str).str.strip(), strict=True)),
        min_ay=dict(zip(settings, lo.tolist(), strict=True)),
        max_ay=dict(zip(settings, hi.tolist(), strict=True)),
        setting_needs=dict(zip(settings, needs_per, strict=True)),
        moves=moves,
        file=label,
    )


def read_transitions(source: str | Path | pd.DataFrame, valid: ValidStates) -> pd.DataFrame:
    """Read and check a transitions table against the valid states.

    Returns the table with integer year columns and a ``count`` column (1 per row unless the
    input has one). Raises :class:`DataError` for unknown needs or settings, states or moves the
    valid-states file forbids, academic years that do not advance by one, ages out of range,
    negative counts and rows that are NONSEND on both sides.
    """
    df, label = _read_csv(source, TRANSITION_COLUMNS, "transitions")
    out = pd.DataFrame({
        "calendar-year": _integers(df, "calendar-year", label),
        "academic-year-1": _integers(df, "academic-year-1", label),
        "academic-year-2": _integers(df, "academic-year-2", label),
    })
    for c in ["setting-1", "need-1", "setting-2", "need-2"]:
        out[c] = df[c].astype(str).str.strip().to_numpy()
    out["count"] = _integers(df, "count", label) if "count" in df.columns else 1
    out = out[TRANSITION_COLUMNS + ["count"]]
    check_transitions(out, valid, label)
    return out


def check_transitions(df: pd.DataFrame, valid: ValidStates, label: str = "transitions") -> None:
    """Raise :class:`DataError` on the first row that breaks a rule (see :func:`read_transitions`)."""
    neg = np.flatnonzero(df["count"].to_numpy() < 0)
    if len(neg):
        i = int(neg[0])
        raise DataError(f"negative count {df['count'].iloc[i]}", file=label, column="count",
                        row=_line(i), expected="a count of 0 or more")
    step = df["academic-year-2"].to_numpy() - df["academic-year-1"].to_numpy()
    bad = np.flatnonzero(step != 1)
    if len(bad):
        i = int(bad[0])
        raise DataError(
            f"academic-year-2 ({df['academic-year-2'].iloc[i]}) is not academic-year-1 "
            f"({df['academic-year-1'].iloc[i]}) plus one", file=label, column="academic-year-2",
            row=_line(i), expected="each transition to advance one academic year")
    lo, hi = int(valid.academic_years.min()), int(valid.academic_years.max())
    settings, needs = set(valid.settings), set(valid.needs)
    for side in ("1", "2"):
        s_col, n_col, a_col = f"setting-{side}", f"need-{side}", f"academic-year-{side}"
        s, n, a = df[s_col].to_numpy(), df[n_col].to_numpy(), df[a_col].to_numpy()
        nons = (s == NONSEND) | (n == NONSEND)
        half = np.flatnonzero((s == NONSEND) != (n == NONSEND))
        if len(half):
            i = int(half[0])
            raise DataError(f"{s_col} {s[i]!r} with {n_col} {n[i]!r}", file=label, row=_line(i),
                            expected="NONSEND in both setting and need, or in neither")
        for col, values, known in ((s_col, s, settings), (n_col, n, needs)):
            unknown = np.flatnonzero(~nons & ~np.isin(values, list(known)))
            if len(unknown):
                i = int(unknown[0])
                raise DataError(f"unknown {col.split('-')[0]} {values[i]!r}", file=label,
                                column=col, row=_line(i), expected=f"one of {sorted(known)}")
        out_of_range = np.flatnonzero(~nons & ((a < lo) | (a > hi)))
        if len(out_of_range):
            i = int(out_of_range[0])
            raise DataError(f"academic year {a[i]} is out of range", file=label, column=a_col,
                            row=_line(i), expected=f"{lo} to {hi} (from the valid-states file)")
        for i in np.flatnonzero(~nons):
            if not valid.is_valid(int(a[i]), n[i], s[i]):
                raise DataError(
                    f"state ({s[i]}, {n[i]}, academic year {a[i]}) is forbidden by the "
                    "valid-states file", file=label, column=s_col, row=_line(i),
                    expected=f"{s[i]} to admit academic years {valid.min_ay[s[i]]}-"
                    f"{valid.max_ay[s[i]]} and needs {sorted(valid.setting_needs[s[i]])}")
    s1, s2 = df["setting-1"].to_numpy(), df["setting-2"].to_numpy()
    both = np.flatnonzero((s1 == NONSEND) & (s2 == NONSEND))
    if len(both):
        i = int(both[0])
        raise DataError("NONSEND on both sides", file=label, row=_line(i),
                        expected="a joiner, a leaver or a child in SEND in both years")
    for i in np.flatnonzero((s1 != NONSEND) & (s2 != NONSEND) & (s1 != s2)):
        if not valid.can_move(s1[i], s2[i]):
            raise DataError(f"move {s1[i]} -> {s2[i]} is forbidden by the valid-states file",
                            file=label, column="setting-2", row=_line(i),
                            expected=f"one of {sorted(valid.moves[s1[i]] | {s1[i]})}")


def read_population(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read the population file: one non-negative count per calendar year and academic year."""
    df, label = _read_csv(source, POPULATION_COLUMNS, "population")
    out = pd.DataFrame({
        "calendar-year": _integers(df, "calendar-year", label),
        "academic-year": _integers(df, "academic-year", label),
    })
    pop = pd.to_numeric(df["population"].astype(str).str.strip(), errors="coerce").to_numpy()
    bad = np.flatnonzero(np.isnan(pop) | (pop < 0))
    if len(bad):
        i = int(bad[0])
        raise DataError(f"population {df['population'].iloc[i]!r}", file=label,
                        column="population", row=_line(i), expected="a number of 0 or more")
    out["population"] = pop
    dup = np.flatnonzero(out.duplicated(["calendar-year", "academic-year"]).to_numpy())
    if len(dup):
        i = int(dup[0])
        raise DataError("calendar-year and academic-year repeated", file=label, row=_line(i),
                        expected="one row per calendar year and academic year")
    totals = out.groupby("calendar-year")["population"].sum()
    if (totals <= 0).any():
        year = int(totals.index[totals <= 0][0])
        raise DataError(f"every population count of calendar year {year} is 0", file=label,
                        column="population", expected="the population of each academic year "
                        "(new plans are drawn in proportion to it)")
    return out


def population_matrix(pop: pd.DataFrame, years: list[int], academic_years: np.ndarray,
                      label: str = "population") -> np.ndarray:
    """Array [year, academic year] of population; DataError naming the first missing pair."""
    table = pop.set_index(["calendar-year", "academic-year"])["population"]
    out = np.zeros((len(years), len(academic_years)))
    for i, y in enumerate(years):
        for j, a in enumerate(academic_years):
            if (y, a) not in table.index:
                raise DataError(f"no population for calendar year {y}, academic year {a}",
                                file=label, expected="a row for every year modelled and every "
                                "academic year in the valid-states file")
            out[i, j] = table.loc[(y, a)]
    return out


def read_costs(source: str | Path | pd.DataFrame, valid: ValidStates) -> pd.DataFrame:
    """Read the costs file; needs and settings must be known and costs non-negative."""
    df, label = _read_csv(source, COST_COLUMNS, "costs")
    df = df.assign(need=df["need"].astype(str).str.strip(), setting=df["setting"].astype(str).str.strip())
    cost = pd.to_numeric(df["cost"].astype(str).str.strip(), errors="coerce").to_numpy()
    for i in range(len(df)):
        if df["need"].iloc[i] not in valid.needs:
            raise DataError(f"unknown need {df['need'].iloc[i]!r}", file=label, column="need",
                            row=_line(i), expected=f"one of {list(valid.needs)}")
        if df["setting"].iloc[i] not in valid.settings:
            raise DataError(f"unknown setting {df['setting'].iloc[i]!r}", file=label,
                            column="setting", row=_line(i), expected=f"one of {list(valid.settings)}")
        if np.isnan(cost[i]) or cost[i] < 0:
            raise DataError(f"cost {df['cost'].iloc[i]!r}", file=label, column="cost",
                            row=_line(i), expected="a number of 0 or more (pounds per year)")
    out = pd.DataFrame({"need": df["need"], "setting": df["setting"], "cost": cost})
    dup = np.flatnonzero(out.duplicated(["need", "setting"]).to_numpy())
    if len(dup):
        raise DataError("need and setting repeated", file=label, row=_line(int(dup[0])),
                        expected="one cost per need and setting")
    return complete_costs(out, valid, label)


def complete_costs(costs: pd.DataFrame, valid: ValidStates, label: str = "costs") -> pd.DataFrame:
    """``costs`` with a row for every need x setting pair the valid states admit.

    A missing pair is costed by :data:`MISSING_COST_RULE` and a :class:`MissingCostWarning`
    lists every such pair with its cost; the filled pairs are also in ``attrs["filled"]``. A
    pair that cannot be costed that way (no cost in its setting or its setting group) is a
    :class:`DataError` naming the file and the pair.
    """
    have = set(zip(costs["need"], costs["setting"], strict=True))
    by_setting = costs.groupby("setting")["cost"].median()
    group_of = valid.setting_group
    filled: list[tuple[str, str, float]] = []
    for s in valid.settings:
        for n in sorted(valid.setting_needs[s]):
            if (n, s) in have:
                continue
            if s in by_setting.index:
                value = float(by_setting[s])
            else:
                peers = costs.loc[costs["setting"].map(group_of) == group_of[s], "cost"]
                if peers.empty:
                    raise DataError(
                        f"no cost for need {n!r} in setting {s!r}, and none for any need in "
                        f"setting {s!r} or its setting group {group_of[s]!r}", file=label,
                        expected="a cost for the setting, or for another setting in its group")
                value = float(peers.median())
            filled.append((n, s, value))
    out = costs.reset_index(drop=True)
    if filled:
        listed = "; ".join(f"{n} in {s}: {v:,.0f}" for n, s, v in filled)
        warnings.warn(MissingCostWarning(
            f"{label}: {len(filled)} need x setting pair(s) that the valid-states file admits have "
            f"no cost; each takes {MISSING_COST_RULE} (docs/decisions/0072): {listed}"),
            stacklevel=3)
        out = pd.concat([out, pd.DataFrame(filled, columns=["need", "setting", "cost"])],
                        ignore_index=True)
    out.attrs["filled"] = [(n, s) for n, s, _ in filled]
    return out


def cost_matrix(costs: pd.DataFrame, valid: ValidStates, label: str = "costs") -> np.ndarray:
    """Array [need, setting] of annual cost; DataError for a valid pair without a cost."""
    table = costs.set_index(["need", "setting"])["cost"]
    out = np.zeros((len(valid.needs), len(valid.settings)))
    for j, n in enumerate(valid.needs):
        for k, s in enumerate(valid.settings):
            if n not in valid.setting_needs[s]:
                continue
            if (n, s) not in table.index:
                raise DataError(f"no cost for need {n!r} in setting {s!r}", file=label,
                                expected="a cost for every need a setting admits")
            out[j, k] = table.loc[(n, s)]
    return out
