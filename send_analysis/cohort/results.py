"""Results of cohort simulations, in the style of a statsmodels results object.

``res.summary_frame()`` gives total count and cost per calendar year (mean, sd, median, quartiles,
95% bounds); ``res.by("setting")`` the same by academic year, need, setting or setting group;
``res.samples()`` the raw simulated totals; ``res.to_csv(dir)`` writes all of them and
``res.to_dict()`` gives the totals as plain data (the results vocabulary, decision 0084; the old
names ``summary()`` and ``to_json()`` are gone, decision 0085).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd


class StateSpace(Protocol):
    """What results and scenarios read of a fitted model (a
    :class:`~send_analysis.cohort.model.CohortModel`): its states (one row per academic year,
    need and setting) and its valid states. Named here so that this module and
    :mod:`.scenarios` need not import :mod:`.model`, which imports them (decision 0085)."""

    states: pd.DataFrame
    valid: Any  # a send_analysis.cohort.io.ValidStates


class Named(Protocol):
    """A scenario as the results see it: its name (a :class:`~.scenarios.Scenario`)."""

    name: str

DIMENSIONS = ("academic-year", "need", "setting", "setting-group")
STAT_COLUMNS = ["mean", "sd", "median", "q1", "q3", "lower95", "upper95"]


def describe(samples: np.ndarray) -> dict[str, np.ndarray]:
    """Summary statistics over the first axis (simulations)."""
    q = np.quantile(samples, [0.025, 0.25, 0.5, 0.75, 0.975], axis=0)
    return {
        "mean": samples.mean(axis=0), "sd": samples.std(axis=0, ddof=1) if len(samples) > 1
        else np.zeros(samples.shape[1:]), "median": q[2], "q1": q[1], "q3": q[3],
        "lower95": q[0], "upper95": q[4],
    }


def group_codes(model: StateSpace) -> dict[str, tuple[list, np.ndarray]]:
    """For each dimension: its labels and each state's group index."""
    st = model.states
    labels_all = {
        "academic-year": st["academic-year"].to_numpy(),
        "need": st["need"].to_numpy(),
        "setting": st["setting"].to_numpy(),
        "setting-group": st["setting"].map(model.valid.setting_group).to_numpy(),
    }
    out = {}
    for dim, labels in labels_all.items():
        uniq, code = np.unique(labels, return_inverse=True)
        out[dim] = ([v.item() if hasattr(v, "item") else v for v in uniq], code.astype(np.int64))
    return out


@dataclass
class CohortResults:
    """Simulated futures: counts and costs per simulation, calendar year and group."""

    years: list[int]                       # January censuses, the first is the starting year
    count: np.ndarray                      # [sim, year] total count
    cost: np.ndarray                       # [sim, year] total annual cost (pounds)
    groups: dict[str, tuple[list, np.ndarray, np.ndarray]]  # dim -> labels, counts, costs
    flows: np.ndarray                      # [sim, step, (joiners, leavers, movers)]
    scenario_name: str = "baseline"
    state_counts: np.ndarray | None = None  # [sim, year, state]
    #: Widening of the 95% bands of :meth:`by` per dimension (``send_analysis.cohort.calibrate``,
    #: set by the backtest so the bands cover what they claim). Empty: the simulations' spread.
    band_scale: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_groups(cls, years: list[int], groups: dict, flows: np.ndarray,
                    scenario: Named | None = None,
                    state_counts: np.ndarray | None = None) -> CohortResults:
        """Results from already aggregated groups (any dimension's groups sum to the total)."""
        _, counts, costs = groups["setting"]
        return cls(
            years=list(years), count=counts.sum(axis=2), cost=costs.sum(axis=2), groups=groups,
            flows=flows, scenario_name=scenario.name if scenario is not None else "baseline",
            state_counts=state_counts,
        )

    @classmethod
    def concat(cls, parts: list[CohortResults]) -> CohortResults:
        """Simulations of several runs of one model and scenario (same years and groups), in
        order: the batches of a run in batches (:func:`send_analysis.montecarlo.until_precise`).
        Bands are widened as the first part's."""
        first = parts[0]
        if any(p.years != first.years for p in parts):
            raise ValueError("concat results with the same years")
        states = ([p.state_counts for p in parts] if all(p.state_counts is not None for p in parts)
                  else None)
        groups = {dim: (labels, np.concatenate([p.groups[dim][1] for p in parts]),
                        np.concatenate([p.groups[dim][2] for p in parts]))
                  for dim, (labels, _, _) in first.groups.items()}
        return cls(years=list(first.years), count=np.concatenate([p.count for p in parts]),
                   cost=np.concatenate([p.cost for p in parts]), groups=groups,
                   flows=np.concatenate([p.flows for p in parts]),
                   scenario_name=first.scenario_name,
                   state_counts=None if states is None else np.concatenate(states),
                   band_scale=dict(first.band_scale))

    @property
    def simulations(self) -> int:
        return self.count.shape[0]

    def summary_frame(self) -> pd.DataFrame:
        """Total count and cost per calendar year: one row per (calendar-year, measure)."""
        rows = []
        for measure, arr in (("count", self.count), ("cost", self.cost)):
            stats = describe(arr.astype(float))
            for i, y in enumerate(self.years):
                rows.append({"calendar-year": y, "measure": measure,
                             **{k: float(v[i]) for k, v in stats.items()}})
        return pd.DataFrame(rows, columns=["calendar-year", "measure", *STAT_COLUMNS])

    def by(self, dimension: str) -> pd.DataFrame:
        """Count and cost per calendar year and group of ``dimension`` (see DIMENSIONS); the 95%
        bounds widened around the mean by ``band_scale[dimension]`` when set."""
        if dimension not in self.groups:
            raise KeyError(f"{dimension!r} is not one of {list(self.groups)}")
        labels, counts, costs = self.groups[dimension]
        frames = []
        for measure, arr in (("count", counts), ("cost", costs)):
            stats = describe(arr.astype(float))            # [year, group]
            yy, gg = np.meshgrid(self.years, labels, indexing="ij")
            df = pd.DataFrame({"calendar-year": yy.ravel(), dimension: gg.ravel(),
                               "measure": measure})
            for k, v in stats.items():
                df[k] = v.ravel()
            f = self.band_scale.get(dimension, 1.0)
            if f != 1.0:
                lo = np.minimum(df["lower95"], df["mean"])
                hi = np.maximum(df["upper95"], df["mean"])
                df["lower95"] = np.maximum(df["mean"] - f * (df["mean"] - lo), 0.0)
                df["upper95"] = df["mean"] + f * (hi - df["mean"])
            frames.append(df)
        return pd.concat(frames, ignore_index=True)

    def samples(self, measure: str = "count") -> pd.DataFrame:
        """Simulated totals, one column per calendar year."""
        arr = {"count": self.count, "cost": self.cost}[measure]
        return pd.DataFrame(arr, columns=self.years)

    def mean(self, measure: str = "count") -> pd.Series:
        """Mean total per calendar year."""
        return self.samples(measure).mean().rename(f"mean_{measure}")

    def to_csv(self, directory: str | Path) -> list[Path]:
        """Write summary.csv and by_<dimension>.csv into ``directory``; returns the paths."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "summary.csv"]
        self.summary_frame().to_csv(paths[0], index=False)
        for dim in self.groups:
            p = out / f"by_{dim.replace('-', '_')}.csv"
            self.by(dim).to_csv(p, index=False)
            paths.append(p)
        return paths

    def to_dict(self) -> dict[str, Any]:
        """Total count and cost summaries as plain data (for ``--json``)."""
        s = self.summary_frame()
        return {
            "scenario": self.scenario_name,
            "simulations": self.simulations,
            **{m: json.loads(s[s["measure"] == m].drop(columns="measure").to_json(orient="records"))
               for m in ("count", "cost")},
        }

    def table(self) -> pd.DataFrame:
        """Reviewer table: per calendar year, plans and cost (mean and 95% interval), rounded."""
        s = self.summary_frame().set_index(["calendar-year", "measure"])
        out = pd.DataFrame({
            "plans (mean)": s.xs("count", level="measure")["mean"].round(0),
            "plans 95% low": s.xs("count", level="measure")["lower95"].round(0),
            "plans 95% high": s.xs("count", level="measure")["upper95"].round(0),
            "cost £m (mean)": (s.xs("cost", level="measure")["mean"] / 1e6).round(1),
            "cost £m 95% low": (s.xs("cost", level="measure")["lower95"] / 1e6).round(1),
            "cost £m 95% high": (s.xs("cost", level="measure")["upper95"] / 1e6).round(1),
        })
        out.index.name = "January census"
        return out

    def __repr__(self) -> str:
        return (f"CohortResults({self.scenario_name!r}, {self.simulations} simulations, "
                f"years {self.years[0]}-{self.years[-1]})")


def compare(base: CohortResults, other: CohortResults, measure: str = "cost") -> pd.DataFrame:
    """Per calendar year: each scenario's mean, the difference (other - base) and its 95%
    interval. Simulations are paired by index (same seed: common random numbers)."""
    a = {"count": base.count, "cost": base.cost}[measure].astype(float)
    b = {"count": other.count, "cost": other.cost}[measure].astype(float)
    if a.shape != b.shape:
        raise ValueError("compare results with the same simulations and years")
    d = b - a
    lo, hi = np.quantile(d, [0.025, 0.975], axis=0)
    return pd.DataFrame({"calendar-year": base.years, base.scenario_name: a.mean(axis=0),
                         other.scenario_name: b.mean(axis=0), "difference": d.mean(axis=0),
                         "difference lower95": lo, "difference upper95": hi})
