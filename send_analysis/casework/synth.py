"""Synthetic, reproducible casework for a fictional LA that looks like a real one.

:func:`targets_from_tables` reads a real LA's published figures from the tidy tables (total plans
and setting mix at each January, new plans and 20-week timeliness each calendar year) into a
:class:`CalibrationTargets`; :func:`synth` generates person-level casework whose aggregates match
them. Shapes the LA tables do not give (age by setting, need by age and setting, age at a new plan,
ceasing by age and reason, the request funnel, reviews held) come from England's figures in
:mod:`send_analysis.casework.national`. Every other choice is in ``docs/assumptions/cohort.md``.

Same targets and seed: identical casework.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache

import numpy as np
import pandas as pd

from send_analysis.casework import national as nat
from send_analysis.casework.dates import birth_window, census_date
from send_analysis.casework.io import Casework, validate
from send_analysis.casework.schema import NEEDS, SETTINGS, TABLES
from send_analysis.data.tables import Tables
from send_analysis.errors import DataError

#: Academic years (NCY) each setting admits in synthetic casework and in the example
#: valid-states file (examples/cohort/valid_states.csv). See docs/assumptions/cohort.md.
SETTING_NCY_RANGE: dict[str, tuple[int, int]] = {
    "mainstream": (-2, 14),
    "mainstream_rp_unit": (-1, 14),
    "special_la_maintained": (-2, 15),
    "special_academy_free": (-2, 15),
    "special_independent": (-1, 15),
    "special_non_maintained": (-1, 15),
    "ap_pru": (0, 11),
    "fe_sixth_form": (12, 20),
    "specialist_post16": (12, 20),
    "early_years": (-4, 0),
    "educated_elsewhere": (0, 20),
    "neet": (12, 20),
    "other": (-4, 20),
    "not_recorded": (-4, 20),
}
NCY_MIN, NCY_MAX = -4, 20

#: Phase transfers recorded, with the statutory deadline to name the new placement
#: (15 February for school phases, 31 March for the move into post-16).
PHASE_TRANSFERS: dict[tuple[int, int], tuple[int, int]] = {
    (-1, 0): (2, 15), (6, 7): (2, 15), (11, 12): (3, 31),
}


@dataclass(frozen=True)
class CalibrationTargets:
    """The published figures a synthetic LA is calibrated to.

    ``total_plans`` and ``setting_shares`` are by January census year; ``new_plans`` and
    ``pct_20wk`` (0-100, including exceptions) by calendar year. Shares sum to one.
    ``exception_share`` maps a calendar year to the share of plans issued within 20 weeks, and
    the share of those issued later, where an exception applied (from the LA's published
    timeliness with and without exceptions; England's 2024 shares for a year not given), so the
    20-week share excluding exceptions is calibrated too.
    """

    la_code: str
    la_name: str
    total_plans: dict[int, int]
    setting_shares: dict[int, dict[str, float]]
    new_plans: dict[int, int]
    pct_20wk: dict[int, float]
    new_setting_shares: dict[str, float] = field(default_factory=dict)
    requests_per_new_plan: float = nat.FUNNEL_2024["requests"] / nat.FUNNEL_2024["assessed_plan_issued"]
    review_held_share: float = (nat.ANNUAL_REVIEWS_2024["total_review_meeting"]
                                / nat.ANNUAL_REVIEWS_2024["review_expected"])
    exception_share: dict[int, tuple[float, float]] = field(default_factory=dict)
    #: No published figure: share of phase-transfer placements named by the deadline (assumption).
    phase_named_on_time: float = 0.85
    #: No published figure: chance a child changes setting in a year without a phase transfer.
    background_move_rate: float = 0.04

    @property
    def census_years(self) -> list[int]:
        return sorted(self.total_plans)


def _la_rows(df: pd.DataFrame, la_code: str, table: str) -> pd.DataFrame:
    rows = df[(df["level"] == "la") & (df["la_code"].astype(str) == str(la_code))]
    if rows.empty:
        raise DataError(f"no rows for LA {la_code}", file=table, column="la_code",
                        expected="an LA code present in the tidy tables")
    return rows


def targets_from_tables(la_code: str, year: int,
                        tables: Tables | Mapping[str, pd.DataFrame] | None = None,
                        history: int = 6) -> CalibrationTargets:
    """Calibration targets for ``la_code`` from the tidy tables, census years up to ``year``.

    ``tables``: the processed tables (``plans_by_setting``, ``new_plans``, ``timeliness`` in the
    docs/tables.md layout; default :meth:`Tables.default`); a mapping of frames by name is taken
    as ``Tables(frames)``. ``history`` census years are used (fewer when the LA has fewer).
    Suppressed values (NaN) are skipped; a missing new-plans or timeliness year takes the nearest
    year's figure.
    """
    if not isinstance(tables, Tables):
        tables = Tables(tables) if tables is not None else Tables.default()
    pbs = _la_rows(tables.get("plans_by_setting"), la_code, "plans_by_setting")
    pbs = pbs[(pbs["year"] <= year) & pbs["value"].notna()]
    totals = pbs[pbs["setting"] == "total"].set_index("year")["value"].sort_index()
    if totals.empty:
        raise DataError(f"no total plans for LA {la_code} up to {year}", file="plans_by_setting")
    years = [int(y) for y in totals.index[-history:]]
    shares = {}
    for y in years:
        s = pbs[(pbs["year"] == y) & pbs["setting"].isin(SETTINGS)].set_index("setting")["value"]
        shares[y] = (s / s.sum()).to_dict() if s.sum() > 0 else {}
    npl = _la_rows(tables.get("new_plans"), la_code, "new_plans")
    npl = npl[npl["value"].notna()]
    new_tot = npl[npl["setting"] == "total"].set_index("year")["value"]
    latest_new = npl[npl["year"] == npl["year"].max()]
    ns = latest_new[latest_new["setting"].isin(SETTINGS)].set_index("setting")["value"]
    tim_all = _la_rows(tables.get("timeliness"), la_code, "timeliness")
    tim = tim_all[(tim_all["measure"] == "pct_20wk_incl_exc") & tim_all["value"].notna()].set_index("year")["value"]
    cal_years = list(range(years[0], years[-1] + 1))
    exc = exception_shares(tim_all)
    return CalibrationTargets(
        la_code=str(la_code),
        la_name=str(pbs["area_name"].iloc[0]),
        total_plans={y: int(round(totals[y])) for y in years},
        setting_shares=shares,
        new_plans={y: int(round(_nearest(new_tot, y))) for y in cal_years},
        pct_20wk={y: float(_nearest(tim, y)) for y in cal_years},
        new_setting_shares=(ns / ns.sum()).to_dict() if ns.sum() > 0 else {},
        exception_share=({y: exc[min(exc, key=lambda k: (abs(k - y), k > y))] for y in cal_years}
                         if exc else {}),
    )


def _exception_pair(issued_incl: float, within_incl: float, issued_excl: float,
                    within_excl: float) -> tuple[float, float] | None:
    """(share of on-time plans with an exception, share of late plans with one), or None when a
    share cannot be formed (no plans on time or none late, or inconsistent counts)."""
    late = issued_incl - within_incl
    exc_on_time = within_incl - within_excl
    exc_late = (issued_incl - issued_excl) - exc_on_time
    if within_incl <= 0 or late <= 0 or exc_on_time < 0 or exc_late < 0:
        return None
    return (min(exc_on_time / within_incl, 1.0), min(exc_late / late, 1.0))


#: England's 2024 shares (the generator's default for a year without the LA's figures).
ENGLAND_EXCEPTION_SHARE: tuple[float, float] = _exception_pair(
    *(float(nat.TIMELINESS_2024[k]) for k in ("issued_incl_exc", "within_20wk_incl_exc",
                                              "issued_excl_exc", "within_20wk_excl_exc")))


def calibration_tolerance(pct: float, n: int) -> float:
    """The generator's tolerance for a 20-week share (percentage points): three binomial
    standard errors of a share ``pct`` (0-100) over ``n`` plans. Timeliness is calibrated in
    expectation only, so a synthetic year's share differs from its target by chance; about 3
    points for 200 plans, so a tolerance of 9 (decision 0063)."""
    p = min(max(pct / 100, 0.0), 1.0)
    return 300 * float(np.sqrt(p * (1 - p) / max(n, 1)))


def exception_shares(timeliness_rows: pd.DataFrame) -> dict[int, tuple[float, float]]:
    """Per calendar year, the exception shares of :func:`_exception_pair` from an LA's rows of
    the ``timeliness`` tidy table (years with a suppressed or unusable count are left out)."""
    wide = (timeliness_rows.pivot_table(index="year", columns="measure", values="value",
                                        aggfunc="first"))
    need = ["issued_incl_exc", "within_20wk_incl_exc", "issued_excl_exc", "within_20wk_excl_exc"]
    if not set(need) <= set(wide.columns):
        return {}
    out = {}
    for y, row in wide[need].dropna().iterrows():
        pair = _exception_pair(*(float(row[k]) for k in need))
        if pair is not None:
            out[int(y)] = pair
    return out


def _nearest(series: pd.Series, year: int) -> float:
    if series.empty:
        raise DataError(f"no published value near {year}", expected="at least one year")
    idx = np.asarray(series.index, dtype=int)
    return float(series.iloc[int(np.argmin(np.abs(idx - year) + (idx > year) * 0.5))])


# ---------------------------------------------------------------------------------------------
# probability tables from the national shapes


def _age_of_ncy(n: int) -> int:
    return int(min(max(n + 4, 2), 25))


def _valid_mask(n: int) -> np.ndarray:
    return np.array([SETTING_NCY_RANGE[s][0] <= n <= SETTING_NCY_RANGE[s][1] for s in SETTINGS])


_NAT_SETTING = np.array([sum(nat.PLANS_BY_AGE_SETTING_2025[s].values()) for s in SETTINGS], float)
_NAT_SETTING_SHARE = _NAT_SETTING / _NAT_SETTING.sum()
_NEED_KEYS = {n: n.upper() for n in NEEDS}


def setting_given_ncy(n: int, tilt: np.ndarray) -> np.ndarray:
    """P(setting | NCY): England's age-by-setting pattern tilted to an LA's setting mix."""
    age = _age_of_ncy(n)
    base = np.array([nat.PLANS_BY_AGE_SETTING_2025[s][age] for s in SETTINGS], float) + 0.5
    p = base * tilt * _valid_mask(n)
    return p / p.sum()


@lru_cache(maxsize=1024)
def need_given(n: int, setting: str) -> np.ndarray:
    """P(need | NCY, setting) ∝ P(need | age) P(need | setting) / P(need), England 2025."""
    age = _age_of_ncy(n)
    by_age = np.array([nat.PLANS_BY_NEED_AGE_2025[_NEED_KEYS[d]][age] for d in NEEDS], float) + 0.5
    by_set = np.array([nat.PLANS_BY_SETTING_NEED_2025[setting][_NEED_KEYS[d]] for d in NEEDS],
                      float) + 0.5
    overall = np.array([sum(nat.PLANS_BY_NEED_AGE_2025[_NEED_KEYS[d]].values()) for d in NEEDS],
                       float)
    p = by_age / by_age.sum() * by_set / by_set.sum() / (overall / overall.sum())
    return p / p.sum()


def _tilt(shares: Mapping[str, float]) -> np.ndarray:
    """LA share / England share per setting (1 where the LA figure is missing)."""
    t = np.array([shares.get(s, np.nan) for s in SETTINGS], float) / _NAT_SETTING_SHARE
    return np.where(np.isfinite(t), t, 1.0) + 1e-6


def _cease_hazard() -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Relative chance of ceasing by NCY, and reason shares by NCY (England 2024 / Jan 2025)."""
    hazard = np.zeros(NCY_MAX - NCY_MIN + 1)
    reasons: dict[int, np.ndarray] = {}
    keys = list(next(iter(nat.CEASED_BY_AGE_REASON_2024.values())))
    for i, n in enumerate(range(NCY_MIN, NCY_MAX + 1)):
        age = _age_of_ncy(n)
        flow_age = min(age, 20)
        ceased = nat.CEASED_BY_AGE_REASON_2024[flow_age]
        stock = sum(nat.PLANS_BY_AGE_SETTING_2025[s][a] for s in SETTINGS
                    for a in (range(20, 26) if flow_age == 20 else [age]))
        hazard[i] = sum(ceased.values()) / max(stock, 1)
        r = np.array([ceased[k] for k in keys], float) + 0.01
        reasons[n] = r / r.sum()
    return hazard, reasons


_CEASE_REASON_KEYS = list(next(iter(nat.CEASED_BY_AGE_REASON_2024.values())))


# ---------------------------------------------------------------------------------------------
# numpy's draws, reproduced in plain Python
#
# The generator makes hundreds of thousands of scalar draws (about 300,000 for Kent). A numpy
# call costs microseconds each, so the draws below are taken from the bit generator's raw 64-bit
# output in blocks and turned into numbers exactly as numpy's Generator does (PCG64 with its
# 32-bit half-word buffer; Lemire's bounded integers; ``random`` = top 53 bits / 2**53;
# ``uniform`` = low + (high - low) * random; ``choice(k, p=p)`` = searchsorted of one ``random``
# on ``cumsum(p) / cumsum(p)[-1]``, side right). Every number is the one numpy would have drawn,
# in the same order, so a seed gives the same casework as the scalar calls did
# (tests/test_casework_draws.py compares each kind of draw with numpy's own).

_MASK32 = 0xFFFFFFFF
_TO_DOUBLE = 1.0 / 9007199254740992.0  # 2**-53, as numpy's next_double


class _Draws:
    """The draws of ``rng`` (a PCG64 :class:`numpy.random.Generator`), one scalar at a time.

    :meth:`random`, :meth:`integers`, :meth:`uniform` and :meth:`pick` return what the
    Generator's ``random()``, ``integers(low, high)``, ``uniform(low, high)`` and
    ``choice(len(p), p=p)`` would. For any other call (a permutation, a choice without
    replacement, vectors of normals), :meth:`generator` hands back ``rng`` positioned where these
    draws have got to; call :meth:`resume` after using it.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._bg = rng.bit_generator
        self._raw: list[int] = []
        self._i = 0
        self._chunk = 256
        self.resume()

    def resume(self) -> None:
        """Carry on from ``rng``'s current state (after :meth:`generator` was used)."""
        st = self._bg.state
        if st.get("bit_generator") != "PCG64":
            raise ValueError("synthetic casework draws need a PCG64 generator")
        self._has, self._uint = bool(st["has_uint32"]), int(st["uinteger"])

    def generator(self) -> np.random.Generator:
        """``rng`` in the state numpy would have reached after the draws made so far."""
        unused = len(self._raw) - self._i
        if unused:
            self._bg.advance(-unused)  # raw words read ahead but not used go back
        st = self._bg.state
        st["has_uint32"], st["uinteger"] = int(self._has), self._uint
        self._bg.state = st
        self._raw, self._i, self._chunk = [], 0, 256
        return self._rng

    def _next64(self) -> int:
        i = self._i
        if i == len(self._raw):
            self._raw = self._bg.random_raw(self._chunk).tolist()
            self._chunk = min(self._chunk * 2, 16384)
            i = 0
        self._i = i + 1
        return self._raw[i]

    def _next32(self) -> int:
        if self._has:  # the high half of the last 64-bit word, kept by PCG64 for the next call
            self._has = False
            return self._uint
        i = self._i
        if i < len(self._raw):  # the common case of _next64, inline
            self._i = i + 1
            x = self._raw[i]
        else:
            x = self._next64()
        self._has, self._uint = True, x >> 32
        return x & _MASK32

    def random(self) -> float:
        """As ``Generator.random()``."""
        i = self._i
        if i < len(self._raw):  # the common case of _next64, inline
            self._i = i + 1
            return (self._raw[i] >> 11) * _TO_DOUBLE
        return (self._next64() >> 11) * _TO_DOUBLE

    def uniform(self, low: float, high: float) -> float:
        """As ``Generator.uniform(low, high)``."""
        return low + (high - low) * self.random()

    def integers(self, low: int, high: int) -> int:
        """As ``Generator.integers(low, high)`` (``low`` inclusive, ``high`` exclusive)."""
        r = high - low - 1
        if r == 0:
            return low  # numpy draws nothing for a single value
        if not 0 < r < _MASK32:  # outside the 32-bit path: let numpy draw it
            v = int(self.generator().integers(low, high))
            self.resume()
            return v
        excl = r + 1
        m = self._next32() * excl
        left = m & _MASK32
        if left < excl:  # Lemire's rejection, as numpy's buffered_bounded_lemire_uint32
            threshold = (_MASK32 - r) % excl
            while left < threshold:
                m = self._next32() * excl
                left = m & _MASK32
        return low + (m >> 32)

    def pick(self, cdf: list[float]) -> int:
        """As ``Generator.choice(len(p), p=p)`` given ``cdf`` from :func:`_choice_cdf`."""
        return bisect_right(cdf, self.random())


def _choice_cdf(p: np.ndarray) -> list[float]:
    """The cumulative probabilities ``Generator.choice(len(p), p=p)`` searches, built as numpy
    builds them; ``p`` is checked by numpy itself, so bad ``p`` raises numpy's error."""
    np.random.default_rng(0).choice(len(p), p=p)
    cdf = p.cumsum()
    cdf /= cdf[-1]
    return cdf.tolist()


def _sum_cdf(p: np.ndarray) -> tuple[list[float], float]:
    """``(cumsum(p), p.sum())`` for :meth:`_Builder.choose` (the builder's own inverse CDF)."""
    return np.cumsum(p).tolist(), float(p.sum())


@cache
def _age_cdf(setting: str) -> list[float]:
    """Choice CDF of the NCY offset in a setting at the first census (England's age shape)."""
    lo, hi = SETTING_NCY_RANGE[setting]
    ages = np.array([nat.PLANS_BY_AGE_SETTING_2025[setting][_age_of_ncy(n)]
                     for n in range(lo, hi + 1)], float) + 0.5
    return _choice_cdf(ages / ages.sum())


@cache
def _need_cdf(n: int, setting: str) -> tuple[list[float], float]:
    return _sum_cdf(need_given(n, setting))


@cache
def _reason_cdf(n: int) -> list[float]:
    return _choice_cdf(_cease_hazard()[1][n])


@cache
def _fixed_cdf(name: str) -> list[float]:
    return _choice_cdf({"new_age": _NEW_AGE_P, "non_plan": _NON_PLAN_P}[name])


# ---------------------------------------------------------------------------------------------
# dates as whole days since 1970-01-01 (turned into datetime64 once, when the tables are built)

_EPOCH = date(1970, 1, 1).toordinal()


def _day(year: int, month: int, day: int) -> int:
    return date(year, month, day).toordinal() - _EPOCH


@cache
def _census_day(year: int) -> int:
    c = census_date(year)
    return _day(c.year, c.month, c.day)


@cache
def _birth_window_days(n: int, academic_year: int) -> tuple[int, int]:
    lo, hi = birth_window(n, academic_year)
    return _day(lo.year, lo.month, lo.day), _day(hi.year, hi.month, hi.day)


@cache
def _academic_year(day: int) -> int:
    """Calendar year in which the academic year holding ``day`` began (1 September)."""
    d = date.fromordinal(day + _EPOCH)
    return d.year - int(d.month < 9)


@cache
def _birth_academic_year(day: int) -> int:
    """As :func:`~send_analysis.casework.dates.birth_academic_year` for a day number."""
    d = date.fromordinal(day + _EPOCH)
    return d.year + int(d.month >= 9)


_NAT = np.iinfo(np.int64).min


def _datetimes(days: list[int | None]) -> np.ndarray:
    """Day numbers (None for a blank) as ``datetime64[ns]`` (NaT for a blank)."""
    arr = np.array([_NAT if d is None else d for d in days], dtype=np.int64)
    return arr.view("datetime64[D]").astype("datetime64[ns]")


# ---------------------------------------------------------------------------------------------
# the generator


class _Child:
    """A child with an open plan while generating (dates as day numbers)."""

    __slots__ = ("bay", "setting", "need", "spell", "plan_start", "origin")

    def __init__(self, bay: int, setting: str, need: str, spell: int, plan_start: int,
                 origin: str) -> None:
        self.bay, self.setting, self.need = bay, setting, need
        self.spell, self.plan_start, self.origin = spell, plan_start, origin


_REQUEST_COLUMNS = ("request_id", "person_id", "request_date", "decision", "decision_date",
                    "outcome", "plan_issue_date", "exception")


class _Builder:
    """Mutable state while generating; one instance per :func:`synth` call. Tables are kept
    as lists per column, dates as day numbers."""

    def __init__(self, targets: CalibrationTargets, rng: np.random.Generator) -> None:
        self.t = targets
        self.rng = _Draws(rng)
        self.people: dict[str, list] = {"person_id": [], "date_of_birth": []}
        self.requests: dict[str, list] = {c: [] for c in _REQUEST_COLUMNS}
        self.plans: dict[str, list] = {c: [] for c in ("person_id", "start_date", "end_date",
                                                       "cease_reason", "origin")}
        self.placements: dict[str, list] = {c: [] for c in ("person_id", "start_date",
                                                            "end_date", "setting", "need")}
        self.transfers: dict[str, list] = {c: [] for c in (
            "person_id", "transfer_year", "from_ncy", "to_ncy", "deadline", "named_date")}
        self.active: dict[str, _Child] = {}     # person_id -> current plan state
        self.used_ids: set[str] = set()
        self.hazard = _cease_hazard()[0]
        self._setting_cache: dict[tuple, tuple[list[float], float] | None] = {}

    def new_id(self, prefix: str = "SYN") -> str:
        while True:
            pid = f"{prefix}{self.rng.integers(10**6, 10**7)}"
            if pid not in self.used_ids:
                self.used_ids.add(pid)
                return pid

    def dob_for(self, n: int, on: int) -> int:
        lo, hi = _birth_window_days(n, _academic_year(on))
        return lo + self.rng.integers(0, hi - lo + 1)

    def choose(self, cdf: tuple[list[float], float]) -> int:
        """Index drawn with probabilities ``p`` (one uniform, inverse CDF); ``cdf`` is
        :func:`_sum_cdf` of ``p``."""
        cum, total = cdf
        return min(bisect_right(cum, self.rng.random() * total), len(cum) - 1)

    def draw_setting(self, n: int, tilt: np.ndarray, exclude: str | None = None) -> str:
        key = (n, tilt.tobytes(), exclude)
        if key not in self._setting_cache:
            p = setting_given_ncy(n, tilt)
            if exclude is not None:
                p = p * (np.array(SETTINGS) != exclude)
                p = p / p.sum() if p.sum() != 0 else None
            self._setting_cache[key] = None if p is None else _sum_cdf(p)
        cdf = self._setting_cache[key]
        if cdf is None:
            return exclude  # type: ignore[return-value]
        return SETTINGS[self.choose(cdf)]

    def draw_need(self, n: int, setting: str) -> str:
        return NEEDS[self.choose(_need_cdf(n, setting))]

    def add_person(self, pid: str, dob: int) -> None:
        self.people["person_id"].append(pid)
        self.people["date_of_birth"].append(dob)

    def add_request(self, row: dict) -> None:
        for c in _REQUEST_COLUMNS:
            self.requests[c].append(row[c])

    def add_placement(self, pid: str, start: int, end: int | None, setting: str,
                      need: str) -> None:
        pl = self.placements
        pl["person_id"].append(pid)
        pl["start_date"].append(start)
        pl["end_date"].append(end)
        pl["setting"].append(setting)
        pl["need"].append(need)

    def add_plan(self, pid: str, start: int, end: int | None, reason: str | None,
                 origin: str) -> None:
        pl = self.plans
        pl["person_id"].append(pid)
        pl["start_date"].append(start)
        pl["end_date"].append(end)
        pl["cease_reason"].append(reason)
        pl["origin"].append(origin)

    def start_plan(self, pid: str, dob: int, start: int, setting: str, need: str,
                   origin: str) -> None:
        self.add_person(pid, dob)
        self.active[pid] = _Child(_birth_academic_year(dob), setting, need, start, start, origin)

    def move(self, pid: str, setting: str, on: int) -> None:
        st = self.active[pid]
        if setting == st.setting:
            return
        if on > st.spell:
            self.add_placement(pid, st.spell, on - 1, st.setting, st.need)
            st.spell = on
        st.setting = setting

    def cease(self, pid: str, on: int, reason: str) -> None:
        st = self.active.pop(pid)
        on = max(on, st.spell, st.plan_start)
        self.add_placement(pid, st.spell, on, st.setting, st.need)
        self.add_plan(pid, st.plan_start, on, reason, st.origin)

    def random_date(self, lo: int, hi: int) -> int:
        """A whole day after ``lo`` and no later than ``hi`` (so events between two censuses
        fall in (census, next census])."""
        return lo + self.rng.integers(1, max(hi - lo, 1) + 1)


def _request_row(b: _Builder, pid: str, issue: int | None, pct: float,
                 outcome: str | None, request: int | None = None,
                 exception_share: tuple[float, float] = ENGLAND_EXCEPTION_SHARE) -> dict:
    """One request; for a plan, its duration is drawn to hit the 20-week share ``pct``, and an
    exception applies with ``exception_share`` (on time, late)."""
    rng = b.rng
    tl = nat.TIMELINESS_2024
    on_time = rng.random() < pct / 100
    if on_time:
        weeks = rng.uniform(8, 20)
        exc = rng.random() < exception_share[0]
    else:
        over_year = nat.FUNNEL_2024["over_1_year_incl_exc"] / (tl["issued_incl_exc"] - tl["within_20wk_incl_exc"])
        weeks = rng.uniform(52, 78) if rng.random() < over_year else rng.uniform(20.2, 52)
        exc = rng.random() < exception_share[1]
    if request is None:
        request = issue - int(round(weeks * 7))
    decision = request + rng.integers(28, 43)
    if issue is not None:
        decision = min(decision, issue)
    return {"request_id": b.new_id("R"), "person_id": pid, "request_date": request,
            "decision": "assess", "decision_date": decision, "outcome": outcome,
            "plan_issue_date": issue, "exception": bool(exc)}


def synth(targets: CalibrationTargets, seed: int = 0) -> Casework:
    """Generate synthetic casework calibrated to ``targets`` (see module docstring).

    At each January census in ``targets.total_plans`` the number of open plans equals the target
    and the setting mix matches ``setting_shares`` as closely as the ages allow; the plans issued
    between two censuses equal ``new_plans`` of the first census's calendar year, with
    ``pct_20wk`` of them issued within 20 weeks in expectation. The casework ends at the last census.

    The steps, one function each, in the order they draw from the one random generator:
    :func:`_first_caseload`; then for each year :func:`_new_requests` and
    :func:`_other_requests`, and between censuses :func:`_age_and_move`, :func:`_cease_to_target`
    and :func:`_rake`; finally :func:`_assemble` (with the annual :func:`_reviews`).
    """
    b = _Builder(targets, np.random.default_rng(seed))
    years = targets.census_years
    if len(years) < 2:
        raise DataError("at least two census years are needed", expected="total_plans for 2+ years")
    first, last = years[0], years[-1]
    p_set = _first_caseload(b, first)
    for y in range(first, last + 1):  # and one more year for requests still open at the end
        _new_requests(b, y, last)
        _other_requests(b, y, last)
        if y == last:
            break
        _age_and_move(b, y, last)
        _cease_to_target(b, y, p_set)
        shares = targets.setting_shares.get(y + 1)
        if shares:
            _rake(b, shares, _census_day(y + 1), _census_day(y))
    return _assemble(b, census_date(first), census_date(last), seed)


def _first_caseload(b: _Builder, first: int) -> np.ndarray:
    """Step 1: the caseload open at the first census, by setting, age and need. Returns the
    setting probabilities used (transfers in draw from them too)."""
    rng, targets, c0 = b.rng, b.t, _census_day(first)
    shares0 = targets.setting_shares.get(first) or dict(zip(SETTINGS, _NAT_SETTING_SHARE, strict=True))
    p_set = np.array([shares0.get(s, 0.0) for s in SETTINGS], float)
    p_set = p_set / p_set.sum()
    set_cdf = None
    for _ in range(targets.total_plans[first]):
        set_cdf = set_cdf or _choice_cdf(p_set)
        s = SETTINGS[rng.pick(set_cdf)]
        n = SETTING_NCY_RANGE[s][0] + rng.pick(_age_cdf(s))
        dob = b.dob_for(n, c0)
        earliest = max(dob + 365, c0 - 365 * 8)
        start = b.random_date(earliest, c0) if earliest < c0 else c0 - 1
        pid = b.new_id()
        b.start_plan(pid, dob, start, s, b.draw_need(n, s), "existing")
    return p_set


#: Age at a new plan (England's shape): the ages and their probabilities.
_NEW_AGE_KEYS = np.array(sorted(nat.NEW_PLANS_BY_AGE_2024))
_NEW_AGE_P = np.array([nat.NEW_PLANS_BY_AGE_2024[a] for a in _NEW_AGE_KEYS], float)
_NEW_AGE_P /= _NEW_AGE_P.sum()
#: Requests that end without a plan: refused, withdrawn, assessed without a plan (England's funnel).
_NON_PLAN_P = np.array([nat.FUNNEL_2024["decided_not_to_assess"], nat.FUNNEL_2024["withdrawn"],
                        nat.FUNNEL_2024["assessed_no_plan"]], float)
_NON_PLAN_P /= _NON_PLAN_P.sum()
_NEW_AGES = [int(a) for a in _NEW_AGE_KEYS]


def _new_ncy(rng: _Draws) -> int:
    """The NCY of a child at a new request, from England's age at a new plan."""
    age = _NEW_AGES[rng.pick(_fixed_cdf("new_age"))]
    if age == 2:
        return rng.integers(-4, -1)
    if age == 20:
        return rng.integers(16, 20)
    return age - 4


def _pct_20wk(targets: CalibrationTargets, y: int) -> float:
    """The 20-week share for year ``y``: its own, else the latest earlier one, else 50%."""
    return targets.pct_20wk.get(y, targets.pct_20wk[max(k for k in targets.pct_20wk if k <= y)]
                                if any(k <= y for k in targets.pct_20wk) else 50.0)


def _new_requests(b: _Builder, y: int, last: int) -> None:
    """Step 2a: the requests that end in a plan issued between census ``y`` and the next. In the
    year after the last census only requests made before it are kept, still open."""
    targets = b.t
    window_lo, window_hi, end = _census_day(y), _census_day(y + 1), _census_day(last)
    final = y == last
    pct = _pct_20wk(targets, y)
    k_new = targets.new_plans.get(y, targets.new_plans[max(targets.new_plans)])
    tilt_new = _tilt(targets.new_setting_shares or targets.setting_shares.get(y, {}))
    exception_share = targets.exception_share.get(y, ENGLAND_EXCEPTION_SHARE)
    for _ in range(k_new):
        issue = b.random_date(window_lo, window_hi)
        n = _new_ncy(b.rng)
        dob = b.dob_for(n, issue)
        pid = b.new_id()
        row = _request_row(b, pid, issue, pct, "plan", exception_share=exception_share)
        if final:
            if row["request_date"] >= end:
                continue
            row.update(outcome=None, plan_issue_date=None)
            if row["decision_date"] >= end:
                row.update(decision=None, decision_date=None)
            b.add_person(pid, dob)
            b.add_request(row)
            continue
        b.add_request(row)
        s = b.draw_setting(n, tilt_new)
        b.start_plan(pid, dob, issue, s, b.draw_need(n, s), "new")


_NON_PLAN_DECISIONS = ("refuse", "withdrawn", "assess")


def _other_requests(b: _Builder, y: int, last: int) -> None:
    """Step 2b: the requests between census ``y`` and the next that do not end in a plan
    (refused, withdrawn, assessed without a plan), ``requests_per_new_plan - 1`` per new plan."""
    rng, targets = b.rng, b.t
    window_lo, window_hi, end = _census_day(y), _census_day(y + 1), _census_day(last)
    final = y == last
    k_new = targets.new_plans.get(y, targets.new_plans[max(targets.new_plans)])
    for _ in range(int(round(k_new * (targets.requests_per_new_plan - 1)))):
        req = b.random_date(window_lo, window_hi)
        if final and req >= end:
            continue
        pid = b.new_id()
        b.add_person(pid, b.dob_for(_new_ncy(rng), req))
        kind = rng.pick(_fixed_cdf("non_plan"))
        dec = req + rng.integers(28, 43)
        row = {"request_id": b.new_id("R"), "person_id": pid, "request_date": req,
               "decision": _NON_PLAN_DECISIONS[kind], "decision_date": dec,
               "outcome": None, "plan_issue_date": None, "exception": False}
        if kind == 2:
            row["outcome"] = "no_plan"
        if final and dec >= end:
            row.update(decision=None, decision_date=None, outcome=None)
        b.add_request(row)


def _age_and_move(b: _Builder, y: int, last: int) -> None:
    """Step 3: ageing into census ``y + 1``: phase transfers (with the date the new placement is
    named), moves out of settings the child has outgrown, and background moves."""
    rng, targets = b.rng, b.t
    window_lo, nxt = _census_day(y), _census_day(y + 1)
    ay_lo, ay_nxt = _academic_year(window_lo), _academic_year(nxt)
    tilt = _tilt(targets.setting_shares.get(min(y + 1, last), {}))
    ay_start = _day(y, 9, 1)
    named_from, named_to = _day(y - 1, 10, 1), _day(y, 8, 31)
    deadlines = {k: _day(y, month, day) for k, (month, day) in PHASE_TRANSFERS.items()}
    tr = b.transfers
    for pid, st in list(b.active.items()):
        n_old = ay_lo - st.bay - 4
        n_new = ay_nxt - st.bay - 4
        lo_ok, hi_ok = SETTING_NCY_RANGE[st.setting]
        valid_now = lo_ok <= n_new <= hi_ok
        if st.plan_start <= window_lo and (n_old, n_new) in PHASE_TRANSFERS:
            deadline = deadlines[(n_old, n_new)]
            if rng.random() < targets.phase_named_on_time:
                named = b.random_date(named_from, deadline)
            else:
                named = b.random_date(deadline + 1, named_to)
            for c, v in zip(tr, (pid, y, n_old, n_new, deadline, named), strict=True):
                tr[c].append(v)
            b.move(pid, b.draw_setting(n_new, tilt), ay_start)
        elif not valid_now and n_new <= NCY_MAX:
            b.move(pid, b.draw_setting(n_new, tilt), ay_start)
        elif rng.random() < targets.background_move_rate and n_new <= NCY_MAX:
            lo = max(window_lo, st.spell + 1)
            b.move(pid, b.draw_setting(n_new, tilt, exclude=st.setting),
                   b.random_date(lo, nxt) if lo < nxt else nxt)


def _cease_to_target(b: _Builder, y: int, p_set: np.ndarray) -> None:
    """Step 4: plans ceasing (by England's hazard and reasons by age), or transfers in, so the
    caseload at census ``y + 1`` matches its target; plans past the oldest NCY cease first."""
    rng, targets = b.rng, b.t
    window_lo, nxt = _census_day(y), _census_day(y + 1)
    ay_nxt = _academic_year(nxt)
    target = targets.total_plans.get(y + 1, len(b.active))
    ids = list(b.active)
    ncys = np.array([ay_nxt - st.bay - 4 for st in b.active.values()], dtype=int)
    forced = ncys > NCY_MAX
    max_age_day = _day(y, 8, 31)
    for p, fz in zip(ids, forced.tolist(), strict=True):
        if fz:
            b.cease(p, max_age_day, "max_age")
    need = len(ids) - target - int(forced.sum())
    rest = [p for p, fz in zip(ids, forced, strict=True) if not fz]
    rest_ncy = ncys[~forced]
    if need > 0:
        w = b.hazard[np.clip(rest_ncy, NCY_MIN, NCY_MAX) - NCY_MIN] + 1e-6
        chosen = rng.generator().choice(len(rest), size=min(need, len(rest)), replace=False,
                                        p=w / w.sum())
        rng.resume()
        clipped = np.clip(rest_ncy, NCY_MIN, NCY_MAX).tolist()
        for i in chosen.tolist():
            pid, n = rest[i], clipped[i]
            reason = _CEASE_REASON_KEYS[rng.pick(_reason_cdf(n))]
            lo = max(window_lo, b.active[pid].spell + 1)
            b.cease(pid, b.random_date(lo, nxt) if lo < nxt else nxt, reason)
    elif need < 0:
        set_cdf = _choice_cdf(p_set)
        for _ in range(-need):
            s = SETTINGS[rng.pick(set_cdf)]
            lo, hi = SETTING_NCY_RANGE[s]
            n = rng.integers(max(lo, -2), min(hi, 19) + 1)
            start = b.random_date(window_lo, nxt)
            b.start_plan(b.new_id(), b.dob_for(n, nxt), start, s, b.draw_need(n, s),
                         "transfer_in")


def _assemble(b: _Builder, c0: pd.Timestamp, end: pd.Timestamp, seed: int) -> Casework:
    """Step 6: close the books at ``end`` (plans and placements still open), add the annual
    reviews of every plan, and validate each table against the casework schema."""
    for p, st in b.active.items():
        b.add_plan(p, st.plan_start, None, None, st.origin)
    for p, st in b.active.items():
        b.add_placement(p, st.spell, None, st.setting, st.need)

    def frame(cols: dict[str, list], dates: tuple[str, ...]) -> pd.DataFrame:
        return pd.DataFrame({c: (_datetimes(v) if c in dates else v) for c, v in cols.items()})

    plans = frame(b.plans, ("start_date", "end_date"))
    reviews = _reviews(plans, c0, end, b.t.review_held_share, b.rng.generator())
    frames = {
        "people": frame(b.people, ("date_of_birth",)),
        "requests": frame(b.requests, ("request_date", "decision_date", "plan_issue_date")),
        "plans": plans,
        "placements": frame(b.placements, ("start_date", "end_date")),
        "reviews": reviews,
        "phase_transfers": frame(b.transfers, ("deadline", "named_date")),
    }
    tables = {name: validate(name, frames[name]) for name in TABLES}
    return Casework(**tables, source=f"synthetic, calibrated to LA {b.t.la_code} "
                                     f"({b.t.la_name}), seed {seed}")


def _reviews(plans: pd.DataFrame, first: pd.Timestamp, end: pd.Timestamp, held_share: float,
             rng: np.random.Generator) -> pd.DataFrame:
    """Annual reviews due each 12 months after a plan starts, while it is open, from ``first`` to
    ``end``; held with probability ``held_share`` about a week before the due date (sd 3 weeks),
    and only if that is no later than ``end``."""
    start = pd.to_datetime(plans["start_date"])
    stop = pd.to_datetime(plans["end_date"]).fillna(end)
    frames = []
    k = 1
    while True:
        due = start + pd.DateOffset(years=k)
        ok = (due < stop) & (due <= end)
        if not ok.any():
            break
        keep = ok & (due >= first)
        frames.append(pd.DataFrame({"person_id": plans.loc[keep, "person_id"].to_numpy(),
                                    "due_date": due[keep].to_numpy()}))
        k += 1
    out = (pd.concat(frames, ignore_index=True) if frames
           else pd.DataFrame({"person_id": pd.Series(dtype=str),
                              "due_date": pd.Series(dtype="datetime64[ns]")}))
    out = out.sort_values(["due_date", "person_id"], kind="stable").reset_index(drop=True)
    held = rng.random(len(out)) < held_share
    when = out["due_date"] + pd.to_timedelta(np.round(rng.normal(-7, 21, len(out))), unit="D")
    out["held_date"] = when.where(held & (when <= end))
    return out


def _rake(b: _Builder, shares: Mapping[str, float], census: int, window_lo: int) -> None:
    """Move children from settings above their target count into settings below it."""
    rng = b.rng
    total = len(b.active)
    target = {s: shares.get(s, 0.0) * total for s in SETTINGS}
    by_setting: dict[str, list[str]] = {s: [] for s in SETTINGS}
    for pid, st in b.active.items():
        by_setting[st.setting].append(pid)
    surplus = {s: int(np.floor(len(by_setting[s]) - target[s])) for s in SETTINGS}
    deficit = {s: int(np.floor(target[s] - len(by_setting[s]))) for s in SETTINGS}
    ay = _academic_year(census)
    for s in SETTINGS:
        if surplus[s] <= 0:
            continue
        pool = rng.generator().permutation(by_setting[s]).tolist()
        rng.resume()
        for pid in pool:
            if surplus[s] <= 0:
                break
            st = b.active[pid]
            n = ay - st.bay - 4
            open_to = [d for d in SETTINGS if deficit[d] > 0
                       and SETTING_NCY_RANGE[d][0] <= n <= SETTING_NCY_RANGE[d][1]]
            if not open_to:
                continue
            d = open_to[rng.integers(0, len(open_to))]
            lo = max(window_lo, st.spell + 1)
            b.move(pid, d, b.random_date(lo, census) if lo < census else census)
            surplus[s] -= 1
            deficit[d] -= 1
