"""Scenarios for the cohort model: scaled rates and redirected placements, from a year on.

- :class:`Scale` multiplies joiner, leaver or mover rates from ``from_year`` (optionally only for
  one origin setting, and for movers only the flow into one destination setting);
- :class:`Redirect` sends a share of the children arriving in one setting (movers and joiners) to
  another, e.g. independent special -> a new local special school, with an optional capacity on
  the receiving setting (children beyond it stay where the baseline placed them).

``Scenario()`` with no changes is the baseline. A scenario file (``scenarios/cohort/*.yaml``: a
name, a description and one ``settings`` block) is read by :func:`load_scenario` into a
:class:`NewPlacesScenario`, which builds the :class:`Scenario` for a model's start year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from send_analysis.errors import ConfigError
from send_analysis.paths import project_root
from send_analysis.userfiles import read_user_yaml

if TYPE_CHECKING:
    from send_analysis.cohort.io import ValidStates
    from send_analysis.cohort.results import CohortResults, StateSpace


@dataclass(frozen=True)
class Scale:
    """Multiply a rate by ``factor`` from ``from_year`` (the January census the step arrives at)."""

    kind: Literal["joiners", "leavers", "movers"]
    factor: float
    from_year: int
    setting_from: str | None = None
    setting_to: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("joiners", "leavers", "movers"):
            raise ConfigError(f"scale kind {self.kind!r} (expected joiners, leavers or movers)")
        if self.factor < 0:
            raise ConfigError(f"scale factor {self.factor} (expected 0 or more)")
        if self.setting_to is not None and self.kind != "movers":
            raise ConfigError("setting_to applies to movers only")


@dataclass(frozen=True)
class Redirect:
    """Send ``share`` of arrivals into ``setting_from`` to ``setting_to`` from ``from_year``."""

    setting_from: str
    setting_to: str
    share: float
    from_year: int
    capacity: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.share <= 1:
            raise ConfigError(f"redirect share {self.share} (expected 0 to 1)")
        if self.capacity is not None and self.capacity < 0:
            raise ConfigError(f"redirect capacity {self.capacity} (expected 0 or more)")


@dataclass(frozen=True)
class Scenario:
    """A named set of changes applied during simulation."""

    name: str = "baseline"
    scales: tuple[Scale, ...] = field(default_factory=tuple)
    redirects: tuple[Redirect, ...] = field(default_factory=tuple)

    def check(self, valid: ValidStates) -> None:
        """Raise ConfigError when a scenario names a setting the model does not know."""
        names = [s for sc in self.scales for s in (sc.setting_from, sc.setting_to) if s]
        names += [s for r in self.redirects for s in (r.setting_from, r.setting_to)]
        for s in names:
            if s not in valid.settings:
                raise ConfigError(f"scenario {self.name!r}: unknown setting {s!r} "
                                  f"(expected one of {list(valid.settings)})")

    def adjust(self, year: int, valid: ValidStates, state_setting: np.ndarray,
               p_leave: np.ndarray, p_move: np.ndarray, joiner_rate: np.ndarray,
               dest_mean: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """Rates for the step arriving at ``year`` with every active :class:`Scale` applied.

        Returns leaving and moving probabilities [sim, state], joiner rates [sim, year of age] and
        weights [state, setting] on destination shares (``None`` when unchanged). Scaling the
        flow into one setting by f multiplies the moving rate by ``1 - q + f q`` (q: the mean
        share of moves going there) and that destination's share by f before renormalising.
        """
        active = [s for s in self.scales if year >= s.from_year]
        if not active:
            return p_leave, p_move, joiner_rate, None
        p_leave, p_move, joiner_rate = p_leave.copy(), p_move.copy(), joiner_rate.copy()
        dest_w: np.ndarray | None = None
        for s in active:
            rows = (np.ones_like(state_setting, dtype=bool) if s.setting_from is None
                    else state_setting == valid.settings.index(s.setting_from))
            if s.kind == "joiners":
                joiner_rate = np.clip(joiner_rate * s.factor, 0, 1)
            elif s.kind == "leavers":
                p_leave[:, rows] = np.clip(p_leave[:, rows] * s.factor, 0, 1)
            elif s.setting_to is None:
                p_move[:, rows] = np.clip(p_move[:, rows] * s.factor, 0, 1)
            else:
                k = valid.settings.index(s.setting_to)
                q = dest_mean[rows, k]
                p_move[:, rows] = np.clip(p_move[:, rows] * (1 - q + s.factor * q), 0, 1)
                if dest_w is None:
                    dest_w = np.ones_like(dest_mean)
                dest_w[rows, k] *= s.factor
        return p_leave, p_move, joiner_rate, dest_w

    def redirect(self, year: int, model: StateSpace, counts: np.ndarray, arrivals: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
        """Counts after moving a share of this step's arrivals per active :class:`Redirect`."""
        for r in self.redirects:
            if year < r.from_year or r.share == 0:
                continue
            src, dst = _paired_states(model, r.setting_from, r.setting_to)
            if len(src) == 0:
                continue
            moved = rng.binomial(arrivals[:, src], r.share)
            if r.capacity is not None:
                in_dst = model.states["setting"].to_numpy() == r.setting_to
                room = np.maximum(r.capacity - counts[:, in_dst].sum(axis=1), 0)
                moved = _cap_rows(moved, room)
            counts = counts.copy()
            counts[:, src] -= moved
            counts[:, dst] += moved
        return counts


def _paired_states(model: StateSpace, setting_from: str, setting_to: str) -> tuple[np.ndarray, np.ndarray]:
    """Indices of states in ``setting_from`` and of the same (year, need) in ``setting_to``."""
    st = model.states
    key = list(zip(st["academic-year"], st["need"], st["setting"], strict=True))
    lookup = {k: i for i, k in enumerate(key)}
    src, dst = [], []
    for i, (a, n, s) in enumerate(key):
        if s == setting_from and (a, n, setting_to) in lookup:
            src.append(i)
            dst.append(lookup[(a, n, setting_to)])
    return np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)


def _cap_rows(moved: np.ndarray, room: np.ndarray) -> np.ndarray:
    """Scale each row of ``moved`` down so it sums to at most ``room`` (proportional, whole)."""
    total = moved.sum(axis=1)
    over = total > room
    if not over.any():
        return moved
    out = moved.copy()
    share = np.where(total > 0, room / np.maximum(total, 1), 0.0)
    scaled = np.floor(moved[over] * share[over, None]).astype(moved.dtype)
    left = room[over] - scaled.sum(axis=1)
    spare = moved[over] - scaled
    # hand the remaining places out in state order, never beyond what was wanted
    cum = np.cumsum(spare, axis=1)
    extra = np.clip(left[:, None] - (cum - spare), 0, spare)
    out[over] = scaled + extra
    return out


# ---- scenario files (``scenarios/cohort/*.yaml``) -------------------------------------------

#: Keys of a cohort scenario file's ``settings`` block, with what each must be.
NEW_PLACES_SETTINGS: dict[str, str] = {
    "setting_from": "a setting name (where the children would have gone)",
    "setting_to": "a setting name (where the new places are)",
    "share": "a number from 0 to 1 (share of arrivals into setting_from redirected)",
    "from_year": 'a year relative to the model\'s start, "+1" or more',
    "new_places": "a whole number of places, 0 or more",
}


@dataclass(frozen=True)
class NewPlacesScenario:
    """A cohort scenario file: new places in ``setting_to`` taking ``share`` of the children
    arriving in ``setting_from`` from ``from_year`` censuses after the model's start year, up to
    ``new_places`` more children than ``setting_to`` holds at the start (:func:`load_scenario`)."""

    name: str
    description: str
    setting_from: str
    setting_to: str
    share: float
    from_year: int
    new_places: int
    file: str = ""

    def base_places(self, baseline: CohortResults) -> int:
        """Children in ``setting_to`` at the baseline's first January (its mean)."""
        by = baseline.by("setting")
        rows = by[(by["measure"] == "count") & (by["setting"] == self.setting_to)]
        if rows.empty:
            raise ConfigError(f"file {self.file}: settings.setting_to {self.setting_to!r} is not a "
                              "setting of the cohort model")
        return int(rows["mean"].iloc[0])

    def assumptions(self, start_year: int) -> dict[str, object]:
        """The redirect's terms with the absolute first year (for the page's sentences)."""
        return {"setting_from": self.setting_from, "setting_to": self.setting_to,
                "share": self.share, "from_year": start_year + self.from_year}

    def scenario(self, start_year: int, base_places: int) -> Scenario:
        """The :class:`Scenario` for a model starting at ``start_year`` whose receiving setting
        holds ``base_places`` children then (:meth:`base_places`)."""
        return Scenario(self.name, redirects=(
            Redirect(**self.assumptions(start_year), capacity=base_places + self.new_places),))


def _relative_year(value: object, where: str) -> int:
    """``"+k"`` (k >= 1) as k; anything else a ConfigError naming ``where``."""
    text = str(value).strip()
    if isinstance(value, str) and text.startswith("+") and text[1:].isdigit() and int(text[1:]) >= 1:
        return int(text[1:])
    raise ConfigError(f"{where}: {value!r} (expected {NEW_PLACES_SETTINGS['from_year']})")


def load_scenario(path: str | Path) -> NewPlacesScenario:
    """Read and check a cohort scenario file: ``name``, ``description`` and one ``settings`` block
    with the keys of :data:`NEW_PLACES_SETTINGS`. Errors name the file and the key."""
    data = read_user_yaml(path, "a cohort scenario (name, description, settings)")
    if not isinstance(data, dict):
        raise ConfigError(f"file {path}: expected a mapping with name, description and settings")
    extra = sorted(set(data) - {"name", "description", "settings"})
    if extra:
        raise ConfigError(f"file {path}: unknown key {extra[0]!r} (expected name, description, "
                          "settings)")
    for key in ("name", "description"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ConfigError(f"file {path}: {key} missing or empty (expected text)")
    settings = data.get("settings")
    if not isinstance(settings, dict):
        raise ConfigError(f"file {path}: settings missing (expected a block with "
                          f"{', '.join(NEW_PLACES_SETTINGS)})")
    for key in sorted(set(NEW_PLACES_SETTINGS) ^ set(settings)):
        state = "missing" if key in NEW_PLACES_SETTINGS else "unknown key"
        raise ConfigError(f"file {path}: settings.{key} {state} (expected "
                          f"{NEW_PLACES_SETTINGS.get(key, ', '.join(NEW_PLACES_SETTINGS))})")
    for key in ("setting_from", "setting_to"):
        if not isinstance(settings[key], str) or not settings[key]:
            raise ConfigError(f"file {path}: settings.{key} {settings[key]!r} "
                              f"(expected {NEW_PLACES_SETTINGS[key]})")
    share, places = settings["share"], settings["new_places"]
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
        raise ConfigError(f"file {path}: settings.share {share!r} "
                          f"(expected {NEW_PLACES_SETTINGS['share']})")
    if isinstance(places, bool) or not isinstance(places, int) or places < 0:
        raise ConfigError(f"file {path}: settings.new_places {places!r} "
                          f"(expected {NEW_PLACES_SETTINGS['new_places']})")
    return NewPlacesScenario(
        name=data["name"].strip(), description=" ".join(data["description"].split()),
        setting_from=settings["setting_from"], setting_to=settings["setting_to"],
        share=float(share), from_year=_relative_year(settings["from_year"],
                                                     f"file {path}: settings.from_year"),
        new_places=places, file=str(path))


def cohort_scenario_file(name: str) -> Path:
    """A cohort scenario shipped in the project's ``scenarios/cohort/`` folder, by file stem."""
    return project_root() / "scenarios" / "cohort" / f"{name}.yaml"
