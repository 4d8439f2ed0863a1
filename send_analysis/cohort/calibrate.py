"""One answer: the cohort projection made consistent with the demand forecast (decision 0071).

The demand forecast (``send_analysis.demand.forecast``) is the project's forecast of the total:
chosen and calibrated by the all-LA backtest (decisions 0030-0032). The cohort model is for
mechanics by age, need and setting (who joins, leaves, moves; what a scenario changes). Left to
itself it projects its own total, with bands that only reflect its fitted rates. So:

1. :func:`calibrate` scales the joiner rate (and, if joiners alone cannot bring the total down,
   the leaving probability) year by year so the model's expected total follows the demand
   forecast's mean, re-based to the casework's starting count (:func:`demand_target`);
2. :func:`reconcile` scales each simulation's counts and costs to one draw of the demand
   forecast, so the total's band is the demand forecast's band and every group's band carries
   the total's uncertainty as well as the mix's (top-down, as decision 0033 does for the
   demand components);
3. :func:`consistent_backtest` runs the same on the censuses up to an origin and compares with
   what followed; :func:`band_factor` is how much the group bands must widen to cover the share
   of outcomes they claim, which :class:`CohortResults` applies (``band_scale``).

:func:`consistent_projection` does all of it for a page; :func:`relation_text` says on both
pages how the two models relate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from send_analysis.cohort.io import population_matrix
from send_analysis.cohort.model import CohortModel, _normalise, fit
from send_analysis.cohort.results import CohortResults
from send_analysis.cohort.scenarios import Scenario
from send_analysis.cohort.validation import against_actual
from send_analysis.errors import DataError
from send_analysis.montecarlo import DEFAULT, Figure, Precision, error_text, until_precise

#: Interval the cohort page shows (its bands are 95% intervals).
LEVEL = 0.95
#: Largest widening of the group bands the backtest may ask for (beyond it the page says so).
MAX_FACTOR = 5.0


def _mean_rates(model: CohortModel) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Posterior-mean leaving and moving probabilities (with the forced leaves and moves of
    :func:`send_analysis.cohort.model.simulate`), destination shares and joiner mix."""
    stay_ok = model.stay_next >= 0
    can_move = (model.move_next >= 0).any(axis=1)
    pl = np.where(~stay_ok & ~can_move, 1.0, model.leave_probability())
    pm = np.where(~stay_ok & can_move, 1.0, np.where(can_move, model.move_probability(), 0.0))
    return pl, pm, _normalise(model.dest_alpha), _normalise(model.joiner_alpha)


def _expected_step(model: CohortModel, e: np.ndarray, pl: np.ndarray, pm: np.ndarray,
                   dest: np.ndarray) -> np.ndarray:
    """Expected counts a year on, before joiners (children who stay in SEND)."""
    out = np.zeros_like(e)
    stay = e * (1 - pl) * (1 - pm)
    ok = model.stay_next >= 0
    np.add.at(out, model.stay_next[ok], stay[ok])
    flow = (e * (1 - pl) * pm)[:, None] * dest
    tgt = model.move_next
    hit = (tgt >= 0) & (flow > 0)
    np.add.at(out, tgt[hit], flow[hit])
    return out


def _expected_joiners(model: CohortModel, pop: np.ndarray, mix: np.ndarray) -> np.ndarray:
    """Expected joiners by state for one year's population by academic year."""
    rate = model.joiner_a / (model.joiner_a + model.joiner_b)
    per_ay = rate * pop
    out = np.zeros(model.n_states)
    idx = model.joiner_index
    w = per_ay[:, None] * mix
    ok = (idx >= 0) & (w > 0)
    np.add.at(out, idx[ok], w[ok])
    return out


def expected_totals(model: CohortModel, years: int) -> np.ndarray:
    """Expected total at each of the next ``years`` censuses at the posterior-mean rates, with
    the model's calibration multipliers (no scenario)."""
    cal = [model.start_year + i for i in range(1, years + 1)]
    pop = population_matrix(model.population, cal, model.valid.academic_years)
    pl, pm, dest, mix = _mean_rates(model)
    e = model.initial.astype(float)
    out = []
    for t, y in enumerate(cal):
        e = (_expected_step(model, e, np.minimum(pl * model.leave_scale.get(y, 1.0), 1.0), pm,
                            dest)
             + model.joiner_scale.get(y, 1.0) * _expected_joiners(model, pop[t], mix))
        out.append(e.sum())
    return np.array(out)


def calibrate(model: CohortModel, target: pd.Series) -> CohortModel:
    """A copy of ``model`` whose expected total equals ``target`` (January census year ->
    plans) in every year: each year the joiner rate is multiplied by the factor that closes the
    gap between the children staying in SEND and the target; when even no joiners would leave
    too many children, joiners stop and the leaving probability is raised instead.

    Raises :class:`DataError` when a target year is not the next census after the previous one.
    """
    years = [int(y) for y in target.index]
    if years != list(range(model.start_year + 1, model.start_year + 1 + len(years))):
        raise DataError(f"calibration target years {years}",
                        expected=f"consecutive January censuses from {model.start_year + 1}")
    pop = population_matrix(model.population, years, model.valid.academic_years)
    pl, pm, dest, mix = _mean_rates(model)
    e = model.initial.astype(float)
    js, ls = {}, {}
    for t, y in enumerate(years):
        goal = float(target.loc[y])
        stay = _expected_step(model, e, pl, pm, dest)
        join = _expected_joiners(model, pop[t], mix)
        f = (goal - stay.sum()) / max(join.sum(), 1e-9)
        if f >= 0:
            js[y], ls[y] = float(f), 1.0
            e = stay + f * join
            continue
        # more children stay than the target allows: no joiners, raise leaving (bisection)
        lo, hi = 1.0, 1.0 / max(float(pl[pl < 1].min(initial=1.0)), 1e-6)
        for _ in range(60):
            g = 0.5 * (lo + hi)
            if _expected_step(model, e, np.minimum(pl * g, 1.0), pm, dest).sum() > goal:
                lo = g
            else:
                hi = g
        js[y], ls[y] = 0.0, float(hi)
        e = _expected_step(model, e, np.minimum(pl * hi, 1.0), pm, dest)
    return replace(model, joiner_scale=js, leave_scale=ls)


def demand_target(start_total: float, history_at_origin: float, mean: pd.Series,
                  draws: np.ndarray | None = None) -> tuple[pd.Series, np.ndarray | None]:
    """The demand forecast re-based to the casework: each year's mean (and each draw) times
    ``start_total / history_at_origin`` (the casework's count at the origin over the published
    one; 1 for synthetic casework calibrated to the published figures)."""
    if history_at_origin <= 0:
        raise DataError("the demand history at the origin is not positive",
                        expected="a published EHC plan count at the cohort model's start year")
    k = float(start_total) / float(history_at_origin)
    return mean * k, (None if draws is None else draws * k)


def reconcile(res: CohortResults, totals: np.ndarray, band_scale: dict[str, float] | None = None
              ) -> CohortResults:
    """Scale each simulation's counts and costs (every dimension) so its total equals
    ``totals[sim, year]`` for the projected years (the starting year is left as it is).

    ``totals`` has one row per simulation (paired by index, so a scenario run with the same
    seed is scaled with the same draws) and one column per projected year.
    """
    n, m = res.count.shape
    if totals.shape != (n, m - 1):
        raise ValueError(f"reconcile: totals are {totals.shape}, results need {(n, m - 1)}")
    ratio = np.ones((n, m))
    cnt = res.count.astype(float)
    ratio[:, 1:] = np.divide(totals, cnt[:, 1:], out=np.ones_like(totals, dtype=float),
                             where=cnt[:, 1:] > 0)
    groups = {dim: (labels, counts * ratio[:, :, None], costs * ratio[:, :, None])
              for dim, (labels, counts, costs) in res.groups.items()}
    return replace(res, count=cnt * ratio, cost=res.cost * ratio, groups=groups,
                   band_scale=dict(band_scale or res.band_scale))


def _draws_for(mean: pd.Series, draws: pd.DataFrame, simulations: int, seed: int) -> np.ndarray:
    """``simulations`` paths of the demand total (simulations x years): the forecast's draws in
    order (resampled with a fixed seed when more are needed), each year scaled so the paths'
    mean is the forecast's point (the draws are skewed: their mean is above the point)."""
    wide = draws.pivot(index="draw", columns="year", values="plans")[list(mean.index)].to_numpy()
    if simulations <= len(wide):
        out = wide[:simulations]
    else:
        out = wide[np.random.default_rng(seed).integers(0, len(wide), size=simulations)]
    return out * (mean.to_numpy() / out.mean(axis=0))[None, :]


def required_factor(actual: np.ndarray, mean: np.ndarray, lower: np.ndarray,
                    upper: np.ndarray) -> np.ndarray:
    """For each outcome: the factor by which its band must widen around the mean to cover it
    (<= 1 when already covered)."""
    up = np.divide(actual - mean, upper - mean, out=np.full_like(mean, np.inf),
                   where=upper > mean)
    down = np.divide(mean - actual, mean - lower, out=np.full_like(mean, np.inf),
                     where=mean > lower)
    need = np.where(actual >= mean, up, down)
    return np.where(actual == mean, 0.0, need)


def band_factor(bt: pd.DataFrame, level: float = LEVEL) -> float:
    """The smallest widening (at least 1) under which the group bands of a backtest cover
    ``level`` of the outcomes; capped at :data:`MAX_FACTOR`."""
    g = bt[bt["setting-group"] != "total"]
    if g.empty:
        return 1.0
    need = required_factor(g["actual"].to_numpy(float), g["mean"].to_numpy(float),
                           g["lower95"].to_numpy(float), g["upper95"].to_numpy(float))
    k = int(np.ceil(level * len(need) - 1e-9))  # outcomes that must be covered
    return float(min(max(np.sort(need)[k - 1], 1.0), MAX_FACTOR))


def widen(frame: pd.DataFrame, factor: float) -> pd.DataFrame:
    """``lower95``/``upper95`` moved away from the mean by ``factor`` (lower bound >= 0)."""
    out = frame.copy()
    lo, hi = np.minimum(out["lower95"], out["mean"]), np.maximum(out["upper95"], out["mean"])
    out["lower95"] = np.maximum(out["mean"] - factor * (out["mean"] - lo), 0.0)
    out["upper95"] = out["mean"] + factor * (hi - out["mean"])
    return out


def _demand(la_code: str, origin: int, horizon: int, panel=None):
    from send_analysis.demand import default_panel, forecast

    panel = panel or default_panel()
    return forecast(str(la_code), horizon=horizon, as_of=origin, panel=panel), panel


def consistent_backtest(la_code: str, transitions: pd.DataFrame, population: pd.DataFrame,
                        valid, costs: pd.DataFrame, origin: int, *, simulations: int = 300,
                        seed: int = 0, panel=None) -> pd.DataFrame:
    """Like :func:`send_analysis.cohort.validation.backtest`, for the consistent projection:
    fit on censuses up to ``origin``, calibrate to the demand forecast made at ``origin``,
    reconcile to its draws, compare with the later censuses. Columns as that backtest, plus
    ``lower95_raw``/``upper95_raw`` (the model's own bands, uncalibrated)."""
    from send_analysis.cohort.validation import backtest, check_origin

    last_census = check_origin(transitions, origin)
    past = transitions[transitions["calendar-year"] <= origin - 1]
    model = fit(past, population, valid, costs)  # fitted once: the raw backtest's model too
    raw = backtest(transitions, population, valid, costs, origin, simulations=simulations,
                   seed=seed, model=model)
    horizon = last_census - origin
    fc, _ = _demand(la_code, origin, horizon, panel)
    mean, draws = demand_target(model.initial.sum(), float(fc.history.loc[origin]), fc.mean,
                                _draws_for(fc.mean, fc.draws[fc.draws.component_type == "total"],
                                           simulations, seed))
    res = reconcile(calibrate(model, mean).simulate(horizon, simulations, seed=seed), draws)
    out = against_actual(res, transitions, valid, origin, "setting-group")
    out = out.merge(raw[["calendar-year", "setting-group", "lower95", "upper95", "covered"]]
                    .rename(columns={"lower95": "lower95_raw", "upper95": "upper95_raw",
                                     "covered": "covered_raw"}),
                    on=["calendar-year", "setting-group"], how="left")
    return out[["origin", "calendar-year", "setting-group", "actual", "mean", "lower95", "upper95",
                "error", "pct_error", "covered", "lower95_raw", "upper95_raw",
                "covered_raw"]].reset_index(drop=True)


#: Band edges the cohort page reports (95% intervals).
EDGES = ((1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2)


#: Simulations per batch of the cohort page's runs: the model's chunk, so that a run stopped
#: at the cap is the same simulations as one run of that size (decision 0101).
BATCH = 250


def projection_figures(res: CohortResults, draws: np.ndarray) -> list[Figure]:
    """The cohort page's headline figures of a reconciled projection: total plans and total
    cost in each projected year, with the 95% band the page reports. Each simulation was scaled
    to a demand path (``draws``, whose mean is the demand forecast's point), so each mean's
    error is the ratio estimator's (:func:`send_analysis.montecarlo.mcse_ratio`): none for
    the plans, whose mean is the forecast's point in every run."""
    out = []
    for j, year in enumerate(res.years[1:], start=1):
        d = draws[:, j - 1]
        out.append(Figure(f"plans {year}", res.count[:, j], EDGES, d))
        out.append(Figure(f"cost {year}", res.cost[:, j], EDGES, d))
    return out


def saving_figures(base: CohortResults, alt: CohortResults, draws: np.ndarray) -> list[Figure]:
    """A scenario's saving (baseline cost less the scenario's) in each projected year, with the
    95% band of :func:`~send_analysis.cohort.results.compare`."""
    return [Figure(f"saving {year}", base.cost[:, j] - alt.cost[:, j], EDGES, draws[:, j - 1])
            for j, year in enumerate(base.years[1:], start=1)]


def scenario_reconciled(own: CohortResults, base_count: np.ndarray, draws: np.ndarray,
                        band_scale: dict[str, float] | None = None) -> CohortResults:
    """A scenario's own run scaled with the baseline's demand draws times the scenario's effect
    on each simulation's total (scenario total / the baseline's own total, ``base_count``), so
    it differs from the reconciled baseline only by what the scenario changes."""
    n = own.simulations
    base = base_count[:n, 1:].astype(float)
    effect = np.divide(own.count[:, 1:].astype(float), base, out=np.ones_like(base),
                       where=base > 0)
    return reconcile(own, draws[:n] * effect, band_scale)


@dataclass
class ConsistentProjection:
    """The cohort page's projection: calibrated model, reconciled (and widened) results, the
    demand forecast it follows, and the backtest that set the band widening.

    With a ``precision`` rule (:func:`consistent_projection`): ``cap``, the most simulations a
    run may use, and ``assessment``, the Monte Carlo errors of the projection's figures and of
    the saving of the scenario it was given (``scenario_results``)."""

    model: CohortModel
    results: CohortResults
    demand: object
    target: pd.Series
    draws: np.ndarray
    backtests: pd.DataFrame
    factor: float
    seed: int
    base_count: np.ndarray  # the calibrated model's own totals [sim, year], before reconciling
    precision: Precision | None = None
    cap: int | None = None
    assessment: pd.DataFrame | None = None
    #: The scenario given to :func:`consistent_projection`, run with the baseline, reconciled.
    scenario_results: CohortResults | None = None

    def simulate(self, scenario: Scenario | None = None) -> CohortResults:
        """A scenario on the calibrated model (same years, simulations and seed as the
        baseline), scaled with the same demand draws times the scenario's own effect on each
        simulation's total (scenario total / baseline total), so it differs from the baseline
        only by what the scenario changes (:func:`scenario_reconciled`). A page's own scenario
        is better given to :func:`consistent_projection`, so that the precision rule covers its
        saving too."""
        n, m = self.base_count.shape
        own = self.model.simulate(m - 1, n, seed=self.seed, scenario=scenario)
        return scenario_reconciled(own, self.base_count, self.draws, self.results.band_scale)


def consistent_projection(la_code: str, transitions: pd.DataFrame, population: pd.DataFrame,
                          valid, costs: pd.DataFrame, horizon: int, simulations: int, seed: int,
                          origins: list[int] | None = None, panel=None,
                          precision: Precision | None = DEFAULT,
                          scenario: Callable[[CohortResults], Scenario] | None = None,
                          tables=None, own_januarys=()) -> ConsistentProjection:
    """Fit, calibrate to the demand forecast, simulate, reconcile to its draws, and widen the
    group bands by the consistent backtest at ``origins`` (default: the two censuses before the
    last, where the casework allows). The demand forecast is made on ``panel``, default the
    demand panel of the processed tables ``tables`` (default :meth:`Tables.default`; with the
    LA's own Januarys written in, ``finance.inputs.own_census_tables``).

    ``own_januarys``: the Januarys the LA's inputs give (decision 0104). The model needs each
    child's state at its start, which a total does not give, so it starts from the casework's
    last January whatever the inputs say; an own January after it is a calibration target: every
    simulation's total equals it that year (it is known), and the demand forecast made from the
    latest own January follows, for ``horizon`` Januarys after it.

    ``scenario`` makes the page's scenario from the baseline's first batch (its first January
    is the casework's, the same in every simulation); it runs beside the baseline, simulation
    for simulation (``scenario_results``). With ``precision`` (the default: the pack's rule,
    decision 0101) both run in batches of :data:`BATCH` simulations until the projection's
    figures (:func:`projection_figures`) and the scenario's saving (:func:`saving_figures`)
    meet the rule, at most ``simulations``; with ``None``, exactly ``simulations``. Batches are
    the model's chunks, so a run stopped after k batches is the same simulations as one run of
    ``k x BATCH``. The backtests run their own 300 (or ``simulations``, if fewer)."""
    from send_analysis.demand import default_panel

    panel = panel if panel is not None else default_panel(tables)
    model = fit(transitions, population, valid, costs)
    start = model.start_year
    later = [int(y) for y in own_januarys if int(y) > start]
    origin = max(later, default=start)
    fc, panel = _demand(la_code, origin, horizon, panel)
    missing = [y for y in (start, origin) if y not in fc.history.index]
    if missing:
        raise DataError(f"no published EHC plan count for LA {la_code} in January "
                        f"{missing[0]}", expected="the casework's last census in SEN2")
    tot = fc.draws[fc.draws.component_type == "total"]
    start_total, at_start = model.initial.sum(), float(fc.history.loc[start])
    # the Januarys between the casework's and the latest own one: known totals, no spread
    known = fc.history.loc[start + 1:origin].astype(float) if origin > start else None

    def with_known(mean: pd.Series, paths: np.ndarray | None = None):
        if known is None:
            return mean, paths
        return (pd.concat([known, mean]),
                None if paths is None else
                np.hstack([np.tile(known.to_numpy(), (len(paths), 1)), paths]))

    def draws_for(n: int) -> np.ndarray:
        m, paths = with_known(fc.mean, _draws_for(fc.mean, tot, n, seed))
        return demand_target(start_total, at_start, m, paths)[1]

    mean, _ = demand_target(start_total, at_start, with_known(fc.mean)[0])
    cal = calibrate(model, mean)
    years = sorted(int(y) for y in transitions["calendar-year"].unique())
    last_census = years[-1] + 1
    if origins is None:
        origins = [o for o in (last_census - 2, last_census - 1) if o - 1 >= years[0] + 1]
    bts = [consistent_backtest(la_code, transitions, population, valid, costs, o,
                               simulations=min(simulations, 300), seed=seed, panel=panel)
           for o in origins]
    bt = pd.concat(bts, ignore_index=True) if bts else pd.DataFrame(
        columns=["origin", "calendar-year", "setting-group", "actual", "mean", "lower95",
                 "upper95", "covered"])
    factor = band_factor(bt) if len(bt) else 1.0
    bands = {"setting-group": factor, "setting": factor}
    made: list[Scenario] = []

    def run(start: int, stop: int) -> tuple[CohortResults, CohortResults | None]:
        raw = cal.simulate(len(mean), stop, seed=seed, skip=start)
        if scenario is None:
            return raw, None
        if not made:
            made.append(scenario(raw))
        return raw, cal.simulate(len(mean), stop, seed=seed, scenario=made[0], skip=start)

    def combine(parts: list) -> tuple[CohortResults, CohortResults | None]:
        return (CohortResults.concat([p[0] for p in parts]),
                None if scenario is None else CohortResults.concat([p[1] for p in parts]))

    def figures(pair: tuple[CohortResults, CohortResults | None]) -> list[Figure]:
        raw, own = pair
        d = draws_for(raw.simulations)
        res = reconcile(raw, d)
        out = projection_figures(res, d)
        if own is not None:
            out += saving_figures(res, scenario_reconciled(own, raw.count, d), d)
        return out

    if precision is None:
        (raw, own), table = run(0, simulations), None
    else:
        mc = until_precise(run, combine, figures, cap=simulations, batch=BATCH,
                           precision=precision)
        (raw, own), table = mc.result, mc.assessment
    draws = draws_for(raw.simulations)
    res = reconcile(raw, draws, bands)
    alt = None if own is None else scenario_reconciled(own, raw.count, draws, bands)
    return ConsistentProjection(cal, res, fc, mean, draws, bt, factor, seed, raw.count.copy(),
                                precision, simulations, table, alt)


def own_januarys_text(cp: ConsistentProjection, own_januarys, replaced=None) -> str:
    """What the cohort page does with the LA's own January census figures (its inputs file):
    empty without any. ``replaced``: year -> the published total an own figure replaces."""
    from send_analysis.report import fmt_int

    years = sorted(int(y) for y in own_januarys)
    if not years:
        return ""
    replaced = replaced or {}
    hist = cp.demand.history
    shown = "; ".join(f"January {y} ({fmt_int(float(hist.loc[y]))}"
                      + (f", in place of the published {fmt_int(replaced[y])})" if y in replaced
                         else ")") for y in years if y in hist.index)
    start = cp.model.start_year
    text = f"The LA's own census figure{'s' if len(years) > 1 else ''} from its inputs file: {shown}. "
    later = [y for y in years if y > start]
    if later:
        text += (f"The cohort model follows each child by age, need and setting, so where it starts "
                 f"it needs every child's state, which a total does not give: it starts from "
                 f"January {start}, the last January of the casework, and its total is calibrated "
                 f"to the LA's own January {', '.join(map(str, later))} (every simulation equals "
                 f"it{' each year' if len(later) > 1 else ''}; the split by age, need and setting "
                 f"is the model's); from there it follows the demand forecast made from January "
                 f"{max(later)} (page 02). Decision 0104.")
    else:
        text += (f"They enter through the demand forecast, whose growth the model follows from the "
                 f"casework's January {start} ({fmt_int(float(cp.model.initial.sum()))} plans); "
                 "the casework is not rebuilt from them. Decision 0104.")
    return text


def coverage(bt: pd.DataFrame, factor: float = 1.0, groups: bool = True) -> tuple[int, int]:
    """(covered, outcomes) of a consistent backtest's group (or total) bands widened by
    ``factor``."""
    sub = bt[(bt["setting-group"] != "total") if groups else (bt["setting-group"] == "total")]
    if sub.empty:
        return 0, 0
    w = widen(sub, factor) if groups else sub
    ok = (w["actual"] >= w["lower95"]) & (w["actual"] <= w["upper95"])
    return int(ok.sum()), len(sub)


def relation_text(page: str, la_name: str, cp: ConsistentProjection | None = None) -> str:
    """How the demand forecast and the cohort model relate, for ``page`` ``"demand"`` or
    ``"cohort"`` (the cohort page gives its figures)."""
    common = ("Two pages project EHC plans and they give one answer. The **demand forecast** "
              "(page 02) is the forecast of the total: its model and its intervals were chosen "
              "and checked on every LA's past forecasts. The **cohort model** (page 08) is for "
              "the mechanics by age, need and setting (who joins, leaves and moves, and what a "
              "scenario such as a new special school changes); its joiner rates are calibrated "
              "so that its total follows the demand forecast, and each of its simulations is "
              "scaled to a simulated path of the demand forecast, so its mean total is the "
              "demand forecast and its band for the total is the spread of the demand "
              "forecast's paths (close to, not exactly, page 02's interval, which comes from the "
              "error quantiles directly).")
    if page == "demand" or cp is None:
        return common + (" Use this page's figures for the number of plans; use the cohort page "
                         "for how they split and for scenarios." if page == "demand" else "")
    end = cp.results.years[-1]
    s = cp.results.summary_frame().set_index(["calendar-year", "measure"])
    fs = cp.demand.summary_frame().set_index("year")
    js = ", ".join(f"{y}: x{f:.2f}" for y, f in cp.model.joiner_scale.items())
    cov_raw = (int(cp.backtests["covered_raw"].fillna(False).astype(bool)
                   [cp.backtests["setting-group"] != "total"].sum()),
               int((cp.backtests["setting-group"] != "total").sum())) if len(cp.backtests) else (0, 0)
    c1, n1 = coverage(cp.backtests, 1.0)
    cw, nw = coverage(cp.backtests, cp.factor)
    text = (common + f" For {la_name} the demand forecast for January {end} is "
            f"{fs.loc[end, 'mean']:,.0f} plans (95% interval {fs.loc[end, 'lower95']:,.0f} to "
            f"{fs.loc[end, 'upper95']:,.0f}); the cohort model, re-based to its casework's "
            f"{int(cp.model.initial.sum()):,} plans at January {cp.model.start_year}, projects "
            f"{s.loc[(end, 'count'), 'mean']:,.0f} (95% interval "
            f"{s.loc[(end, 'count'), 'lower95']:,.0f} to {s.loc[(end, 'count'), 'upper95']:,.0f}). "
            f"Joiner-rate multipliers by census year: {js}.")
    if n1:
        text += (f" Checked on the casework's own recent years (origins "
                 f"{', '.join(str(o) for o in sorted(cp.backtests['origin'].unique()))}), the "
                 f"model's own setting-group bands covered {cov_raw[0]} of {cov_raw[1]} outcomes; "
                 f"made consistent with the demand forecast they cover {c1} of {n1}, and widened "
                 f"by a factor of {cp.factor:.2f} they cover {cw} of {nw} "
                 f"(they claim {LEVEL:.0%}).")
        if cp.factor >= MAX_FACTOR:
            text += (f" The widening is capped at {MAX_FACTOR:.0f}: read the setting-group bands "
                     "as a lower bound on the uncertainty.")
    return text


def backtest_text(bt: pd.DataFrame, factor: float) -> str:
    """The cohort page's validation paragraph for a :func:`consistent_backtest` frame."""
    tot = bt[bt["setting-group"] == "total"]
    groups = bt[bt["setting-group"] != "total"]
    c_w, n_w = coverage(bt, factor)
    origins = ", ".join(str(o) for o in sorted(bt["origin"].unique()))
    return (f"Fitted only to censuses up to each origin (January {origins}) and made consistent "
            f"with the demand forecast made then, the projection of the total is within "
            f"{tot['pct_error'].abs().max():.1f}% of what the casework shows in each later year, "
            f"and its 95% interval covers {int(tot['covered'].sum())} of {len(tot)} years. By "
            f"setting group the model's own interval covered "
            f"{int(groups['covered_raw'].fillna(False).astype(bool).sum())} of {len(groups)} "
            f"year-group figures; made consistent it covers {int(groups['covered'].sum())}, and "
            f"widened by {factor:.2f} it covers {c_w} of {n_w}: the model assumes rates stay as "
            "they were, so shifts in placement patterns after the fitting years show up here.")


def precision_text(cp: ConsistentProjection) -> str:
    """The cohort page's statement of its Monte Carlo error (decision 0101): simulations used
    and the largest errors of the projection's figures and of its scenario's saving."""
    if cp.assessment is None:
        return (f"The projection uses {cp.results.simulations:,} simulations (a fixed number: "
                "no precision rule was applied).")
    money = lambda v: f"£{v / 1e6:,.2f}m"  # noqa: E731
    a = cp.assessment
    saving = a["figure"].str.startswith("saving")
    rule = cp.precision or DEFAULT
    text = error_text(a[~saving].reset_index(drop=True),
                      "The projection (total plans and cost by year)", cp.cap, money, rule)
    if saving.any():
        text += " " + error_text(a[saving].reset_index(drop=True),
                                 "The scenario's saving by year", cp.cap, money, rule)
    return text + (" The plans' means have no Monte Carlo error: each simulation is scaled to a "
                   "path of the demand forecast whose mean is its point forecast.")


def backtest_table(bt: pd.DataFrame) -> pd.DataFrame:
    """Table 2 of the cohort page: the backtest rounded for display, each row naming its origin
    (the last January census the model was fitted to), rows in order of origin and year."""
    out = bt.sort_values(["origin", "calendar-year"], kind="stable")
    return out.round({"mean": 0, "lower95": 0, "upper95": 0, "error": 0, "pct_error": 1,
                      "lower95_raw": 0, "upper95_raw": 0}).reset_index(drop=True)


__all__ = ["BATCH", "EDGES", "backtest_table", "backtest_text", "precision_text",
           "projection_figures", "saving_figures", "scenario_reconciled","ConsistentProjection", "band_factor", "calibrate", "consistent_backtest",
           "consistent_projection", "coverage", "demand_target", "expected_totals",
           "own_januarys_text",
           "reconcile", "relation_text", "required_factor", "widen"]
