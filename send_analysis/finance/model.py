"""Placement spend, High Needs Block income and the DSG balance, draw by draw.

The model (decision record ``docs/decisions/0046-dsg-balance-model.md``):

- placements by setting group come in as simulated paths by January census year (one frame per
  draw, ``send_analysis.demand.simulate_paths``) and are turned into financial years by the rule
  in :mod:`send_analysis.finance.years`;
- expenditure line for each setting group = placements x unit cost, the unit cost inflated from
  the price year at ``unit_costs.inflation`` a year;
- the high-cost tail (placements above a threshold) is taken out of ``special_indep_nm`` and
  costed at its own average cost, inflated the same way; its count is held constant;
- other lines (SEN support services, hospital education, ...) grow at their own rate from the
  price year;
- income = HNB allocation (the years given, then the announced settlement's years,
  ``rules.hnb_settlement``, then ``growth_rate`` a year) plus block transfers;
- in-year balance = income - expenditure; cumulative = opening cumulative balance + the running
  sum of in-year balances (negative = deficit).

Every draw of placements gives a draw of expenditure and balances, so the spread of the
cumulative balance carries the demand uncertainty (a fan chart). The assumptions the sensitivity
analysis varies (:class:`Assumptions`) may be scalars or one value per draw.
"""

from __future__ import annotations

import copy
import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from send_analysis.data.tables import Tables
from send_analysis.data.taxonomy import GROUP_LABELS, GROUP_OF, SETTING_GROUPS
from send_analysis.errors import ConfigError, DataError
from send_analysis.finance.inputs import OTHER_DSG_LINE
from send_analysis.finance.years import census_to_financial_years, fy_label, fy_start
from send_analysis.report import money_m  # noqa: F401  (used by the finance pages)
from send_analysis.report.labels import OTHER_LINE_WORDS
from send_analysis.report.shared import per_la

#: Quantiles reported in summaries (10th, 50th, 90th percentiles).
QUANTILES: tuple[float, ...] = (0.1, 0.5, 0.9)

PATH_COLUMNS: tuple[str, ...] = ("year", "setting_group", "draw", "plans")


@dataclass(frozen=True)
class Assumptions:
    """Assumptions the sensitivity analysis varies; ``None`` means "as in the inputs".

    Each may be a scalar or an array with one value per draw.

    - ``demand_growth``: multiplies each group's change in placements since the first forecast
      year (1.0 = as forecast; 1.2 = 20% more growth);
    - ``inflation``: annual unit-cost inflation (replaces ``unit_costs.inflation``);
    - ``income_growth``: HNB growth after the last allocation given and the settled years of
      ``rules.hnb_settlement`` (replaces ``income.growth_rate``);
    - ``delivery``: share of each mitigation's placement effect that is delivered (costs are paid
      in full whatever is delivered).
    """

    demand_growth: float | np.ndarray = 1.0
    inflation: float | np.ndarray | None = None
    income_growth: float | np.ndarray | None = None
    delivery: float | np.ndarray = 1.0


#: Display names of the usual ``other_expenditure`` lines (S251 high-needs lines): the words of
#: :data:`send_analysis.report.labels.OTHER_LINE_WORDS`, so the pages' inputs tables and the
#: model's lines name them alike.
OTHER_LINE_LABELS: dict[str, str] = dict(OTHER_LINE_WORDS)
assert OTHER_DSG_LINE in OTHER_LINE_LABELS

#: Seed of the income draws' order (independent of the placement draws).
INCOME_SEED = 20260331

#: The assumptions as given in the inputs (no override).
AS_GIVEN = Assumptions()


def per_draw(value: float | np.ndarray, n_draws: int) -> np.ndarray:
    """A scalar, or one value per draw, shaped ``(n_draws, 1)`` to broadcast over years."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return np.full((n_draws, 1), float(arr))
    if arr.shape != (n_draws,):
        raise ValueError(f"expected a scalar or {n_draws} values (one per draw), got shape {arr.shape}")
    return arr.reshape(n_draws, 1)


def growth_factors(rate: float | np.ndarray, fys: list[str], base_fy: str, n_draws: int) -> np.ndarray:
    """``(1 + rate) ** (years since base_fy)`` for each draw and financial year."""
    t = np.array([fy_start(y) - fy_start(base_fy) for y in fys], dtype=float)
    return (1.0 + per_draw(rate, n_draws)) ** t[None, :]


@dataclass
class PlacementState:
    """Placements by line for each draw and financial year, with each line's cost per placement.

    ``placements[line]`` and ``unit_costs[line]`` are arrays ``(n_draws, n_fys)``. Lines are the
    setting groups, plus ``high_cost_tail``, plus provision that mitigations add (a new school's
    places). ``labels`` are the names shown in tables.
    """

    fys: list[str]
    draws: np.ndarray
    placements: dict[str, np.ndarray]
    unit_costs: dict[str, np.ndarray]
    labels: dict[str, str] = field(default_factory=dict)
    #: Cost uncertainty: multiplies every expenditure line, ``(n_draws, n_fys)`` (decision 0067).
    cost_factor: np.ndarray | None = None

    @property
    def n_draws(self) -> int:
        return len(self.draws)

    def copy(self) -> PlacementState:
        return PlacementState(
            list(self.fys), self.draws.copy(),
            {k: v.copy() for k, v in self.placements.items()},
            {k: v.copy() for k, v in self.unit_costs.items()}, dict(self.labels),
            None if self.cost_factor is None else self.cost_factor.copy(),
        )

    def fy_index(self, label: str) -> int:
        return self.fys.index(label)

    def spend(self) -> dict[str, np.ndarray]:
        """Expenditure on each placement line: placements x unit cost."""
        return {k: self.placements[k] * self.unit_costs[k] for k in self.placements}


def check_paths(paths: pd.DataFrame, source: str = "placement paths") -> pd.DataFrame:
    """Check the placement paths contract; return the frame with the expected dtypes."""
    missing = [c for c in PATH_COLUMNS if c not in paths.columns]
    if missing:
        raise DataError(f"missing column(s) {missing}", file=source,
                        expected="columns year, setting_group, draw, plans")
    unknown = sorted(set(paths["setting_group"]) - set(SETTING_GROUPS))
    if unknown:
        raise DataError(f"unknown setting group(s) {unknown}", file=source, column="setting_group",
                        expected=", ".join(SETTING_GROUPS))
    if paths["plans"].isna().any() or (paths["plans"] < 0).any():
        raise DataError("plans must be 0 or more and not missing", file=source, column="plans")
    if paths.duplicated(["year", "setting_group", "draw"]).any():
        raise DataError("a (year, setting_group, draw) appears twice", file=source)
    out = paths[list(PATH_COLUMNS)].copy()
    out["year"] = out["year"].astype(int)
    out["draw"] = out["draw"].astype(int)
    out["plans"] = out["plans"].astype(float)
    return out


def forecast_years(paths: pd.DataFrame, first_fy: str, last_fy: str | None = None) -> list[str]:
    """Financial years from ``first_fy`` that the census years in ``paths`` cover (both Januaries)."""
    census = set(int(y) for y in paths["year"].unique())
    years: list[str] = []
    y = fy_start(first_fy)
    while y in census and y + 1 in census and (last_fy is None or y <= fy_start(last_fy)):
        years.append(fy_label(y))
        y += 1
    if not years:
        raise DataError(
            f"the placement paths do not cover the first forecast year {first_fy}: it needs the "
            f"January {fy_start(first_fy)} and January {fy_start(first_fy) + 1} counts, the paths "
            f"hold census years {sorted(census)}", file="placement paths", column="year")
    return years


def placements_by_fy(paths: pd.DataFrame, fys: list[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Placements by setting group as ``(n_draws, n_fys)`` arrays (groups absent are zero)."""
    fy_frame = census_to_financial_years(paths, value="plans")
    fy_frame = fy_frame[fy_frame["financial_year"].isin(fys)]
    draws = np.sort(paths["draw"].unique())
    out: dict[str, np.ndarray] = {}
    for g in SETTING_GROUPS:
        sub = fy_frame[fy_frame["setting_group"] == g]
        wide = sub.pivot(index="draw", columns="financial_year", values="plans")
        wide = wide.reindex(index=draws, columns=fys).fillna(0.0)
        out[g] = wide.to_numpy(dtype=float)
    return draws, out


#: Placements by financial year of the last few path frames (see :func:`_placements`).
_PLACEMENTS: OrderedDict[tuple, tuple[list[str], np.ndarray, dict[str, np.ndarray]]] = OrderedDict()
_PLACEMENTS_KEEP = 4


def paths_digest(paths: pd.DataFrame) -> str:
    """sha256 of a paths frame's columns, dtypes and values (index included): equal frames,
    equal digests, whichever object holds them."""
    h = hashlib.sha256(repr((list(paths.columns), [str(t) for t in paths.dtypes])).encode())
    h.update(pd.util.hash_pandas_object(paths, index=True).to_numpy().tobytes())
    return h.hexdigest()


def _placements(paths: pd.DataFrame, first_fy: str, last_fy: str | None
                ) -> tuple[list[str], np.ndarray, dict[str, np.ndarray]]:
    """:func:`check_paths`, :func:`forecast_years` and :func:`placements_by_fy` for ``paths``,
    remembered for the last few frames by their content (:func:`paths_digest`): a page's
    sensitivity runs twenty projections on the same paths, and reshaping them each time was
    about a tenth of the costs page. Every call gets its own arrays."""
    key = (paths_digest(paths), first_fy, last_fy)
    hit = _PLACEMENTS.get(key)
    if hit is None:
        checked = check_paths(paths)
        fys = forecast_years(checked, first_fy, last_fy)
        hit = (fys, *placements_by_fy(checked, fys))
        _PLACEMENTS[key] = hit
        while len(_PLACEMENTS) > _PLACEMENTS_KEEP:
            _PLACEMENTS.popitem(last=False)
    else:
        _PLACEMENTS.move_to_end(key)
    fys, draws, groups = hit
    return list(fys), draws.copy(), {g: a.copy() for g, a in groups.items()}


def baseline_state(
    inputs: Mapping, paths: pd.DataFrame, assumptions: Assumptions = AS_GIVEN,
    last_fy: str | None = None,
) -> PlacementState:
    """Unmitigated placements and unit costs from the inputs and the placement paths."""
    fys, draws, groups = _placements(paths, inputs["first_forecast_year"], last_fy)
    n = len(draws)
    factor = per_draw(assumptions.demand_growth, n)
    groups = {g: arr[:, :1] + factor * (arr - arr[:, :1]) for g, arr in groups.items()}
    groups = {g: np.clip(arr, 0.0, None) for g, arr in groups.items()}
    uc = inputs["unit_costs"]
    inflation = uc["inflation"] if assumptions.inflation is None else assumptions.inflation
    infl = growth_factors(inflation, fys, uc["price_year"], n)
    unit_costs = {g: float(uc["by_setting_group"][g]) * infl for g in SETTING_GROUPS}
    labels = {g: f"Placements: {GROUP_LABELS.get(g, g)}" for g in SETTING_GROUPS}
    tail = inputs.get("high_cost_tail")
    if tail and float(tail["placements"]) > 0:
        count = float(tail["placements"])
        available = groups["special_indep_nm"]
        taken = np.minimum(available, count)
        groups["special_indep_nm"] = available - taken
        groups["high_cost_tail"] = taken
        unit_costs["high_cost_tail"] = float(tail["average_cost"]) * infl
        labels["high_cost_tail"] = (
            f"High-cost placements (above £{float(tail['threshold']):,.0f})")
    state = PlacementState(fys, draws, groups, unit_costs, labels)
    spread = (inputs.get("uncertainty") or {}).get("spend_log_error")
    if spread:
        other = sum((v for k, v in other_lines(inputs, fys, n).items()
                     if not k.endswith(OTHER_DSG_LINE)), np.zeros((n, len(fys))))
        total = sum(state.spend().values(), np.zeros((n, len(fys)))) + other
        state.cost_factor = cost_factors(total, fys, uc["price_year"], spread)
        state.unit_costs = {k: v * state.cost_factor for k, v in state.unit_costs.items()}
    return state


def spread_quantile(spread: Mapping, h: int, u: np.ndarray) -> np.ndarray:
    """The log error of projected spend at ``h`` years ahead for probabilities ``u``: normal on
    each side of the median, matching the backtest's 10th/50th/90th percentiles (beyond the
    longest horizon tested, its deviations grow in proportion to ``h``)."""
    from scipy.stats import norm

    keys = sorted(int(k) for k in spread)
    k = min(max(int(h), keys[0]), keys[-1])
    q = spread.get(k, spread.get(str(k)))
    scale = max(float(h), 1.0) / k if h > keys[-1] else 1.0
    z = norm.ppf(np.clip(u, 1e-6, 1 - 1e-6))
    lower = (q["p50"] - q["p10"]) / 1.2815515655446004
    upper = (q["p90"] - q["p50"]) / 1.2815515655446004
    return scale * (q["p50"] + np.where(z < 0, lower, upper) * z)


def cost_factors(total: np.ndarray, fys: list[str], base_fy: str, spread: Mapping) -> np.ndarray:
    """Per draw and year, the factor that moves the draw's projected spend onto the backtest's
    error distribution: draws keep their order (a high-placement draw stays a high-spend draw)
    and the spread across draws becomes the calibrated one (decision 0067). Years at or before
    ``base_fy`` (known) get 1."""
    n = total.shape[0]
    out = np.ones_like(total, dtype=float)
    ranks = (total.sum(axis=1).argsort().argsort() + 0.5) / n
    centre = total.mean(axis=0)
    for j, fy in enumerate(fys):
        h = fy_start(fy) - fy_start(base_fy)
        if h <= 0:
            continue
        target = centre[j] * np.exp(spread_quantile(spread, h, ranks))
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:, j] = np.where(total[:, j] > 0, target / total[:, j], 1.0)
    return out


def income_lines(inputs: Mapping, fys: list[str], n_draws: int,
                 income_growth: float | np.ndarray | None = None) -> dict[str, np.ndarray]:
    """HNB allocation (given years, then grown) and block transfers, ``(n_draws, n_fys)``."""
    from send_analysis.finance.rules import hnb_path, settled_growth

    inc = inputs["income"]
    alloc = {k: float(v) for k, v in inc["hnb_allocation"].items()}
    growth = inc["growth_rate"] if income_growth is None else income_growth
    # the allocations given, then the announced settlement, then the growth rule (decision 0091)
    hnb, ahead = hnb_path(alloc, fys, settled_growth(inputs), per_draw(growth, n_draws))
    spread = (inputs.get("uncertainty") or {}).get("income_log_error")
    if spread:
        u = (np.random.default_rng(INCOME_SEED).permutation(n_draws) + 0.5) / n_draws
        for j, _fy in enumerate(fys):
            h = int(ahead[j])
            if h > 0:
                hnb[:, j] = hnb[:, j] * np.exp(spread_quantile(spread, h, u))
    out = {"hnb_allocation": hnb}
    for key in ("block_transfers", "support", "la_contributions"):
        series = inc.get(key) or {}
        beyond = [y for y in series if fy_start(y) > fy_start(fys[-1])]
        if beyond:
            raise ConfigError(f"key 'income.{key}': {', '.join(sorted(beyond))} after the last "
                              f"projected year {fys[-1]}: lengthen the projection (--horizon) or "
                              "drop those years")
        out[key] = np.tile(np.array([float(series.get(y, 0.0)) for y in fys]), (n_draws, 1))
    return out


def other_lines(inputs: Mapping, fys: list[str], n_draws: int) -> dict[str, np.ndarray]:
    """Lines not driven by plan counts: amount at price-year prices grown at each line's rate."""
    price_year = inputs["unit_costs"]["price_year"]
    out: dict[str, np.ndarray] = {}
    for name, line in (inputs.get("other_expenditure") or {}).items():
        out[f"other.{name}"] = float(line["amount"]) * growth_factors(
            float(line.get("growth", 0.0)), fys, price_year, n_draws)
    return out


@dataclass
class DSGProjection:
    """Income, expenditure by line and the DSG balance for each draw and financial year.

    Arrays are ``(n_draws, n_fys)``; money in £; balances negative = deficit.
    ``outside_dsg`` holds mitigation costs paid from the council's budget or capital: they are
    part of a scenario's investment but not of the DSG balance.
    """

    label: str
    la_code: str
    fys: list[str]
    draws: np.ndarray
    opening_fy: str
    opening_cumulative: float
    income: dict[str, np.ndarray]
    expenditure: dict[str, np.ndarray]
    placements: dict[str, np.ndarray]
    line_labels: dict[str, str] = field(default_factory=dict)
    outside_dsg: dict[str, np.ndarray] = field(default_factory=dict)
    #: The opening balance per draw when it is an estimate with a band (else None).
    opening_draws: np.ndarray | None = None
    #: Per financial year, how much the finance backtest's spend factor raises the projected
    #: spend lines it scales (placements and the other high-needs lines; not place funding and
    #: the other blocks, nor a scenario's new provision) in total over the draws: 0.05 = +5%
    #: (decision 0067). Empty when the inputs carry no spend uncertainty.
    spend_uplift: dict[str, float] = field(default_factory=dict)

    @property
    def income_total(self) -> np.ndarray:
        return sum(self.income.values(), np.zeros((len(self.draws), len(self.fys))))

    @property
    def expenditure_total(self) -> np.ndarray:
        return sum(self.expenditure.values(), np.zeros((len(self.draws), len(self.fys))))

    @property
    def in_year(self) -> np.ndarray:
        """In-year balance, income - expenditure (negative = overspend)."""
        return self.income_total - self.expenditure_total

    @property
    def cumulative(self) -> np.ndarray:
        """Cumulative balance at 31 March of each year (negative = deficit)."""
        opening = (self.opening_cumulative if self.opening_draws is None
                   else self.opening_draws.reshape(-1, 1))
        return opening + np.cumsum(self.in_year, axis=1)

    def label_of(self, line: str) -> str:
        return self.line_labels.get(line, line)

    def summary_frame(self) -> pd.DataFrame:
        """One row per financial year: income and expenditure lines (means), totals, and the
        in-year and cumulative balance (mean and 10/50/90th percentiles across draws)."""
        data: dict[str, np.ndarray] = {}
        for name, arr in self.income.items():
            data[f"income.{name}"] = arr.mean(axis=0)
        data["income_total"] = self.income_total.mean(axis=0)
        for name, arr in self.expenditure.items():
            data[f"expenditure.{name}"] = arr.mean(axis=0)
        data["expenditure_total"] = self.expenditure_total.mean(axis=0)
        for what, arr in (("in_year", self.in_year), ("cumulative", self.cumulative)):
            data[f"{what}_mean"] = arr.mean(axis=0)
            for q in QUANTILES:
                data[f"{what}_p{round(q * 100)}"] = np.quantile(arr, q, axis=0)
        frame = pd.DataFrame(data, index=pd.Index(self.fys, name="financial_year"))
        return frame

    def by(self, dimension: str) -> pd.DataFrame:
        """The projection by financial year and a line of ``dimension`` (``"income"``,
        ``"expenditure"``, ``"placements"`` or ``"outside_dsg"``), long: ``financial_year``, the
        line's key (column named ``dimension``), its label, and its mean and 10/50/90th
        percentiles across draws."""
        lines = {"income": self.income, "expenditure": self.expenditure, "placements": self.placements,
                 "outside_dsg": self.outside_dsg}
        if dimension not in lines:
            raise KeyError(f"{dimension!r} is not one of {list(lines)}")
        stats = ["mean", *(f"p{round(q * 100)}" for q in QUANTILES)]
        frames = []
        for name, arr in lines[dimension].items():
            arr = np.broadcast_to(arr, (len(self.draws), len(self.fys)))
            frame = pd.DataFrame({"financial_year": self.fys, dimension: name, "label": self.label_of(name),
                                  "mean": arr.mean(axis=0)})
            for q in QUANTILES:
                frame[f"p{round(q * 100)}"] = np.quantile(arr, q, axis=0)
            frames.append(frame)
        columns = ["financial_year", dimension, "label", *stats]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

    def to_dict(self) -> dict:
        """JSON-ready: per financial year income, expenditure, in-year and cumulative balance
        (mean, p10, p50, p90 across draws; £, rounded to the pound), and the opening balance."""
        def stats(arr: np.ndarray) -> dict:
            return {"mean": round(float(arr.mean())), **{f"p{q}": round(float(np.percentile(arr, q)))
                                                         for q in (10, 50, 90)}}

        years = [{"financial_year": fy, "income": stats(self.income_total[:, j]),
                  "expenditure": stats(self.expenditure_total[:, j]),
                  "in_year": stats(self.in_year[:, j]), "cumulative": stats(self.cumulative[:, j])}
                 for j, fy in enumerate(self.fys)]
        return {"label": self.label, "la_code": self.la_code, "opening_fy": self.opening_fy,
                "opening_cumulative": round(float(self.opening_cumulative)), "years": years}

    def placements_frame(self) -> pd.DataFrame:
        """Mean placements by line and financial year (financial-year equivalents)."""
        return pd.DataFrame({k: v.mean(axis=0) for k, v in self.placements.items()},
                            index=pd.Index(self.fys, name="financial_year"))

    def draws_frame(self) -> pd.DataFrame:
        """Long frame: draw, financial_year, in_year, cumulative (for fan charts and exports)."""
        n, m = self.in_year.shape
        return pd.DataFrame({
            "draw": np.repeat(self.draws, m),
            "financial_year": np.tile(self.fys, n),
            "in_year": self.in_year.ravel(),
            "cumulative": self.cumulative.ravel(),
        })

    def horizon_cumulative(self) -> np.ndarray:
        """Cumulative balance at the end of the last year, one value per draw."""
        return self.cumulative[:, -1]


def project_from_state(
    inputs: Mapping, state: PlacementState, label: str,
    extra_expenditure: Mapping[str, np.ndarray] | None = None,
    outside_dsg: Mapping[str, np.ndarray] | None = None,
    extra_labels: Mapping[str, str] | None = None,
    assumptions: Assumptions = AS_GIVEN,
) -> DSGProjection:
    """Build the DSG projection for a placement state plus any extra DSG-funded lines."""
    n = state.n_draws
    income = income_lines(inputs, state.fys, n, assumptions.income_growth)
    expenditure: dict[str, np.ndarray] = {}
    labels: dict[str, str] = {}
    for key, arr in state.spend().items():
        expenditure[f"placements.{key}"] = arr
        labels[f"placements.{key}"] = state.labels.get(key, key)
    for key, arr in other_lines(inputs, state.fys, n).items():
        scaled = not key.endswith(OTHER_DSG_LINE) and state.cost_factor is not None
        expenditure[key] = arr * state.cost_factor if scaled else arr
        name = key.split(".", 1)[1]
        labels[key] = OTHER_LINE_LABELS.get(name, name.replace("_", " ").capitalize())
    uplift = spend_uplift(expenditure, state)
    apply_monitoring(inputs, state.fys, income, expenditure)
    for key, arr in (extra_expenditure or {}).items():
        expenditure[key] = np.broadcast_to(arr, (n, len(state.fys))).astype(float)
    labels.update(extra_labels or {})
    labels.update({"hnb_allocation": "High Needs Block allocation",
                   "block_transfers": "Block transfers (in + / out -)",
                   "support": "DfE deficit support (safety valve and similar)",
                   "la_contributions": "LA contributions to the DSG deficit"})
    ob = inputs["opening_balance"]
    return DSGProjection(
        label=label, la_code=str(inputs.get("la_code", "")), fys=list(state.fys),
        draws=state.draws, opening_fy=ob["financial_year"],
        opening_cumulative=float(ob["cumulative"]), opening_draws=opening_draws(ob, n),
        income=income, expenditure=expenditure,
        placements={k: v.copy() for k, v in state.placements.items()}, line_labels=labels,
        outside_dsg={k: np.broadcast_to(v, (n, len(state.fys))).astype(float)
                     for k, v in (outside_dsg or {}).items()},
        spend_uplift=uplift,
    )


def uplifted_line(key: str) -> bool:
    """True for an expenditure line the finance backtest's spend factor scales: the setting
    groups' placements, the high-cost tail and the other high-needs lines (not place funding
    and the other blocks, nor a scenario's new provision)."""
    if key.startswith("placements."):
        return key.split(".", 1)[1] in (*SETTING_GROUPS, "high_cost_tail")
    return key.startswith("other.") and not key.endswith(OTHER_DSG_LINE)


def spend_uplift(expenditure: Mapping[str, np.ndarray], state: PlacementState) -> dict[str, float]:
    """Per financial year, the scaled lines' total over the draws against the same lines
    without the spend factor, less 1 (see :attr:`DSGProjection.spend_uplift`)."""
    if state.cost_factor is None:
        return {}
    lines = [arr for k, arr in expenditure.items() if uplifted_line(k)]
    if not lines:
        return {}
    scaled = sum(lines, np.zeros_like(lines[0], dtype=float))
    raw = scaled / state.cost_factor
    return {fy: (float(scaled[:, j].sum() / raw[:, j].sum() - 1) if raw[:, j].sum() > 0 else 0.0)
            for j, fy in enumerate(state.fys)}


def apply_monitoring(inputs: Mapping, fys: list[str], income: dict[str, np.ndarray],
                     expenditure: dict[str, np.ndarray]) -> None:
    """The LA's budget monitoring for the current year in place of the model's (in place,
    decision 0088): every high-needs expenditure line of that year (all but place funding and the
    other DSG blocks) is scaled, draw by draw, so that the year's high-needs spend is the
    monitoring forecast ``spend`` (the LA's own figure, with no band; the lines keep the model's
    mix), and ``income``, when given, replaces the High Needs Block allocation."""
    for fy, row in (inputs.get("monitoring") or {}).items():
        if fy not in fys:
            continue
        j = fys.index(fy)
        # high-needs spend (S251 1.2.x scope): not place funding and the other DSG blocks
        lines = [k for k in expenditure if not k.endswith(OTHER_DSG_LINE)]
        total = sum(expenditure[k][:, j] for k in lines)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(total > 0, float(row["spend"]) / total, 1.0)
        for key in lines:
            arr = np.array(expenditure[key], dtype=float)
            arr[:, j] = arr[:, j] * factor
            expenditure[key] = arr
        if row.get("income") is not None:
            hnb = np.array(income["hnb_allocation"], dtype=float)
            hnb[:, j] = float(row["income"])
            income["hnb_allocation"] = hnb


def opening_draws(opening: Mapping, n_draws: int, seed: int = 20250331) -> np.ndarray | None:
    """Draws of an estimated opening balance from its 10th/90th percentiles (normal on each side
    of the estimate), independent of the placement draws; None when the balance has no band."""
    if opening.get("p10") is None or opening.get("p90") is None:
        return None
    from scipy.stats import norm

    z = norm.ppf((np.arange(n_draws) + 0.5) / n_draws)
    z = np.random.default_rng(seed).permutation(z)
    mid = float(opening["cumulative"])
    lower = (mid - float(opening["p10"])) / 1.2815515655446004
    upper = (float(opening["p90"]) - mid) / 1.2815515655446004
    return mid + np.where(z < 0, lower, upper) * z


def project_dsg(
    inputs: Mapping, paths: pd.DataFrame, assumptions: Assumptions = AS_GIVEN,
    last_fy: str | None = None, label: str = "unmitigated",
) -> DSGProjection:
    """The unmitigated DSG projection: placement paths x unit costs against HNB income."""
    state = baseline_state(inputs, paths, assumptions, last_fy)
    return project_from_state(inputs, state, label, assumptions=assumptions)


def with_assumption_inputs(inputs: Mapping, assumptions: Assumptions) -> dict:
    """A copy of ``inputs`` with scalar assumption overrides written in (for the assumptions sheet)."""
    out = copy.deepcopy(dict(inputs))
    if assumptions.inflation is not None and np.ndim(assumptions.inflation) == 0:
        out["unit_costs"]["inflation"] = float(assumptions.inflation)
    if assumptions.income_growth is not None and np.ndim(assumptions.income_growth) == 0:
        out["income"]["growth_rate"] = float(assumptions.income_growth)
    return out


def prepend_actuals(paths: pd.DataFrame, actual: pd.DataFrame, year: int,
                    draws: np.ndarray | None = None) -> pd.DataFrame:
    """Add the actual January ``year`` count (``setting_group``, ``plans``) to every draw.

    Forecast paths usually start the year after the last census; the first financial year
    needs that last census too. Rows already present for ``year`` are kept as they are.
    """
    if (paths["year"] == year).any():
        return paths
    if actual.empty:
        raise ConfigError(f"no actual placements for January {year} to start the paths from")
    ds = np.sort(paths["draw"].unique()) if draws is None else np.asarray(draws)
    k = len(actual)
    first = pd.DataFrame({  # draw by draw, the actual rows in their order
        "year": year,
        "setting_group": np.tile(actual["setting_group"].to_numpy(), len(ds)),
        "draw": np.repeat(ds, k),
        "plans": np.tile(actual["plans"].to_numpy(dtype=float), len(ds)),
    })
    return pd.concat([first, paths] if len(paths) else [first], ignore_index=True)


#: A census year whose "not recorded" placements exceed this share of the total has no usable
#: split by setting (the publisher suppressed the settings, e.g. Cambridgeshire in January 2025).
MAX_NOT_RECORDED_SHARE: float = 0.5


#: The last few LAs' splits (:func:`_la_split`), by the ``plans_by_setting`` frame they come
#: from (kept with them, so a hit is on that very frame) and the LA: the pages of one LA and its
#: summary ask for its split about forty times.
_SPLITS: OrderedDict[tuple[int, str], tuple[pd.DataFrame, pd.DataFrame]] = OrderedDict()
_SPLITS_KEEP = 4


def _la_split(la_code: str, tables: Tables | None = None) -> pd.DataFrame:
    """The LA's plans by setting group (columns) and census year (rows), with ``total`` (a
    copy: computed once per LA and table, decision 0086)."""
    table = (tables or Tables.default()).get("plans_by_setting")
    key = (id(table), str(la_code))
    hit = _SPLITS.get(key)
    if hit is not None and hit[0] is table:
        _SPLITS.move_to_end(key)
        return hit[1].copy()
    groups = _split_of(table, str(la_code))
    _SPLITS[key] = (table, groups)
    while len(_SPLITS) > _SPLITS_KEEP:
        _SPLITS.popitem(last=False)
    return groups.copy()


def _split_of(table: pd.DataFrame, la_code: str) -> pd.DataFrame:
    """:func:`_la_split` computed from the table."""
    rows = table[table["la_code"] == str(la_code)]
    if rows.empty:
        raise DataError(f"no plans_by_setting rows for LA {la_code}", file="plans_by_setting",
                        column="la_code")
    total = rows[rows["setting"] == "total"].groupby("year")["value"].sum(min_count=1)
    parts = rows[rows["setting"] != "total"]
    groups = (parts.assign(setting_group=parts["setting"].map(GROUP_OF))
              .pivot_table(index="year", columns="setting_group", values="value", aggfunc="sum")
              .reindex(columns=list(SETTING_GROUPS)).fillna(0.0))
    # a year given by its total only (an LA's own January without a split) has no usable split
    groups = groups.reindex(groups.index.union(total.index)).fillna(0.0)
    groups["total"] = total
    groups["not_recorded"] = (parts[parts["setting"] == "not_recorded"].groupby("year")["value"].sum()
                              .reindex(groups.index).fillna(0.0))
    unsplit = ~groups.index.isin(parts["year"].unique())
    groups.loc[unsplit, "not_recorded"] = groups.loc[unsplit, "total"]
    return groups


def known_census_years(la_code: str, tables: Tables | None = None) -> set[int]:
    """January census years with a total for the LA (published, or the LA's own)."""
    return {int(y) for y in _la_split(la_code, tables)["total"].dropna().index}


def usable_split_years(la_code: str, tables: Tables | None = None) -> list[int]:
    """Census years whose placements are split by setting (``not_recorded`` at most
    :data:`MAX_NOT_RECORDED_SHARE` of the total)."""
    g = _la_split(la_code, tables)
    ok = g["total"].notna() & (g["not_recorded"] <= MAX_NOT_RECORDED_SHARE * g["total"])
    flagged = flagged_years(la_code, tables)
    return [int(y) for y in g.index[ok] if int(y) not in flagged]


def flagged_years(la_code: str, tables: Tables | None = None) -> set[int]:
    """January censuses whose published total for the LA breaks implausibly (decision 0075):
    never used as actual placements; the demand forecast stands in for them."""
    from send_analysis.data.quality import boundary_changed_codes, implausible_totals

    total = _la_split(la_code, tables)["total"].dropna()
    wide = pd.DataFrame([total.to_numpy()], index=[str(la_code)],
                        columns=[int(y) for y in total.index])
    f = implausible_totals(wide, exempt=boundary_changed_codes())
    return {int(y) for y in f["year"]}


def actual_groups(la_code: str, year: int, tables: Tables | None = None) -> pd.DataFrame:
    """Actual January ``year`` plans by setting group for an LA, from the ``plans_by_setting`` table.

    Returns ``setting_group``, ``plans``; suppressed settings count as 0 (the table's
    ``not_recorded`` residual, in ``other``, keeps the groups summing to the total). When the year
    has no usable split by setting (:func:`usable_split_years`), its total is apportioned by the
    mix of the nearest year that has one (the earlier one on a tie).
    """
    g = _la_split(la_code, tables)
    if int(year) not in g.index or pd.isna(g.loc[int(year), "total"]):
        raise DataError(f"no plans_by_setting rows for LA {la_code} at January {year}",
                        file="plans_by_setting", column="year")
    usable = usable_split_years(la_code, tables)
    row = g.loc[int(year), list(SETTING_GROUPS)].astype(float)
    if int(year) not in usable:
        if not usable:
            raise DataError(f"LA {la_code} has no census year with placements split by setting",
                            file="plans_by_setting", column="setting")
        donor = min(usable, key=lambda y: (abs(y - int(year)), y))
        mix = g.loc[donor, list(SETTING_GROUPS)].astype(float)
        row = mix / mix.sum() * float(g.loc[int(year), "total"])
    return pd.DataFrame({"setting_group": list(SETTING_GROUPS), "plans": row.to_numpy(dtype=float)})


def first_mitigation_year(inputs: Mapping, paths: pd.DataFrame) -> str:
    """The first financial year a mitigation can act in: the first forecast year, or, when the
    paths hold actual census counts after it (``paths.attrs["as_of"]``), the financial year
    starting in April of the last actual census year (the first with forecast placements)."""
    y0 = fy_start(inputs["first_forecast_year"])
    return fy_label(max(y0, int(paths.attrs.get("as_of", y0))))


def horizon_for(inputs: Mapping, as_of: int, ahead: int = 3, minimum: int = 5) -> int:
    """Financial years to project: at least ``minimum``, and far enough to forecast ``ahead``
    census years beyond ``as_of`` (so a late as-of year still shows a forecast)."""
    return max(int(minimum), int(as_of) + int(ahead) - fy_start(inputs["first_forecast_year"]))


# ------------------------------------------------------------------------- tables and charts


def uplift_words(uplift: Mapping[str, float]) -> str:
    """The spend factor of :attr:`DSGProjection.spend_uplift` in words, for a line's source.

    >>> uplift_words({"2024-25": 0.0, "2025-26": 0.0123, "2026-27": 0.0561})
    "x the finance backtest's spend factor: projected spend raised by +1.2% in 2025-26, +5.6% in 2026-27 (decision 0067)"
    """
    shown = [f"{100 * u:+.1f}% in {fy}" for fy, u in uplift.items() if abs(u) >= 0.0005]
    if not shown:
        return ""
    return ("x the finance backtest's spend factor: projected spend raised by "
            + ", ".join(shown) + " (decision 0067)")


def positions_table(projection: DSGProjection, scale: float = 1e6) -> pd.DataFrame:
    """End-of-year positions by financial year (rows), in £m by default: income, expenditure,
    in-year balance, cumulative balance (mean) and its 10th and 90th percentiles."""
    s = projection.summary_frame()
    out = pd.DataFrame({
        "Income": s["income_total"], "Expenditure": s["expenditure_total"],
        "In-year balance": s["in_year_mean"], "Cumulative balance": s["cumulative_mean"],
        "Cumulative, 10th pct": s["cumulative_p10"], "Cumulative, 90th pct": s["cumulative_p90"],
    }) / scale
    out.index.name = None
    return out


def lines_table(projection: DSGProjection, scale: float = 1e6) -> pd.DataFrame:
    """Income and expenditure lines (rows, labelled) by financial year (columns), mean, £m."""
    rows = {projection.label_of(k): v.mean(axis=0) for k, v in projection.income.items()}
    rows["Total income"] = projection.income_total.mean(axis=0)
    rows.update({projection.label_of(k): v.mean(axis=0) for k, v in projection.expenditure.items()})
    rows["Total expenditure"] = projection.expenditure_total.mean(axis=0)
    return pd.DataFrame(rows, index=projection.fys).T / scale


__all__ = [
    "AS_GIVEN", "Assumptions", "DSGProjection", "MAX_NOT_RECORDED_SHARE", "actual_groups", "usable_split_years", "money_m", "first_mitigation_year", "horizon_for", "lines_table", "placement_paths",
    "positions_table", "PlacementState", "QUANTILES", "baseline_state", "spend_uplift", "uplifted_line", "uplift_words",
    "check_paths", "forecast_years", "income_lines", "other_lines", "placements_by_fy",
    "prepend_actuals", "project_dsg", "project_from_state", "with_assumption_inputs",
]


def _paths_key(inputs: Mapping, horizon: int = 5, n_draws: int = 1000, seed: int = 0,
               as_of: int | None = None, tables: Tables | None = None) -> tuple | None:
    """What the placement paths depend on: the LA, its first forecast year, the options and the
    folder of the tables (none for hand-made frames: their paths are not kept)."""
    from send_analysis.data.own_plans import with_own_plans

    if tables is not None and tables.given_frames and tables.overlay_key is None:
        return None
    tables = with_own_plans(tables, inputs)  # the LA's own Januarys, if the inputs give any
    return (str(inputs["la_code"]), str(inputs["first_forecast_year"]), int(horizon),
            int(n_draws), int(seed), None if as_of is None else int(as_of),
            tables.overlay_key or str(tables.folder))


@per_la("placement_paths", _paths_key)  # pages 03, 04 and 05 use the same paths
def placement_paths(inputs: Mapping, horizon: int = 5, n_draws: int = 1000, seed: int = 0,
                    as_of: int | None = None, tables: Tables | None = None) -> pd.DataFrame:
    """Placement paths by January census year for the inputs' LA, covering ``horizon`` financial
    years from the first forecast year (census years ``Y0`` .. ``Y0 + horizon``, ``Y0`` = the
    January of the first forecast year).

    ``as_of`` is the latest census year to use (default: all); the last year treated as known is
    the latest year up to it whose placements are split by setting (:func:`usable_split_years`),
    and not before ``Y0``. Known years come from the
    table, the same in every draw; later years from ``send_analysis.demand.simulate_paths``
    forecast from ``as_of``. So a forecast made with data to January 2025 uses the actual 2023-25
    counts for financial years 2022-23 to 2024-25, while ``as_of=2021`` re-creates what was known
    in 2021. The frame's ``attrs["as_of"]`` records the last known census year: mitigations can
    act only from the financial year it starts (:func:`first_mitigation_year`).
    """

    try:
        from send_analysis.demand import simulate_paths
    except ImportError as exc:
        raise DataError(f"the demand forecast is not available ({exc})",
                        file="send_analysis.demand.simulate_paths") from exc
    from send_analysis.data.own_plans import with_own_plans

    la = str(inputs["la_code"])
    tables = with_own_plans(tables, inputs)  # the LA's own Januarys (plans keys), if any
    y0 = fy_start(inputs["first_forecast_year"])
    last = y0 + int(horizon)
    usable = [y for y in usable_split_years(la, tables) if as_of is None or y <= int(as_of)]
    if not usable:
        raise DataError(f"LA {la} has no census year{'' if as_of is None else f' to {as_of}'} with "
                        "placements split by setting", file="plans_by_setting", column="setting")
    # the first forecast year's January is taken as known, unless its published total was
    # left out as implausible (then the forecast from the last usable census stands in)
    # (nor when it is not yet published and the LA has not given it: an opening balance at a
    # later 31 March without the LA's January census)
    unknown = y0 in flagged_years(la, tables) or y0 not in known_census_years(la, tables)
    as_of = max(usable) if unknown else max(max(usable), y0)
    known = list(range(y0, min(as_of, last) + 1))
    forecast = pd.DataFrame(columns=list(PATH_COLUMNS))
    if last > as_of:
        forecast = simulate_paths(la, last - as_of, n_draws=n_draws, as_of=as_of, seed=seed,
                                  tables=tables)
        forecast = forecast[(forecast["year"] > as_of) & (forecast["year"] <= last)]
        draws = np.sort(forecast["draw"].unique())
    else:
        draws = np.arange(1)
    paths = forecast[list(PATH_COLUMNS)]
    for year in known:
        paths = prepend_actuals(paths, actual_groups(la, year, tables), year, draws=draws)
    out = check_paths(paths.sort_values(["draw", "year", "setting_group"]).reset_index(drop=True),
                      source="send_analysis.demand.simulate_paths")
    out.attrs["as_of"] = as_of
    return out
