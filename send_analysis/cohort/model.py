"""A cohort (Markov transition) model of children and young people with EHC plans.

State: (academic year, need, setting). Each January-to-January step:

1. every child ages one academic year;
2. leaves with probability ``p_leave`` (Beta posterior per state);
3. otherwise moves setting with probability ``p_move`` (Beta posterior per state), to a destination
   drawn from a Dirichlet posterior over the settings the valid-states file allows;
4. joiners arrive per academic year at a rate of the population (Beta posterior), spread over
   (need, setting) by a Dirichlet posterior.

Priors pool sparse cells towards the academic-year rate, which is itself pooled towards the overall
rate (``prior_strength`` pseudo-observations at each level; see
``docs/decisions/0060-cohort-smoothing.md``). A small uniform floor over valid destinations makes an
unseen but valid transition improbable rather than impossible; invalid states get zero mass.

Need is kept when a child moves or stays (``docs/decisions/0061-cohort-need-fixed.md``).

Simulation works on counts: each simulation's state vector is advanced with binomial and
multinomial draws vectorised over simulations and states, never child by child.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from send_analysis.cohort.io import (
    NONSEND,
    ValidStates,
    cost_matrix,
    population_matrix,
)
from send_analysis.cohort.results import CohortResults, group_codes
from send_analysis.cohort.scenarios import Scenario
from send_analysis.errors import DataError

#: Weight of the uniform floor inside each prior mean (share of prior mass spread evenly over
#: the valid outcomes). See docs/decisions/0060-cohort-smoothing.md.
UNIFORM_FLOOR = 0.02


def _pooled_beta(events: np.ndarray, exposure: np.ndarray, st_a: np.ndarray, n_a: int,
                 k: float) -> tuple[np.ndarray, np.ndarray]:
    """Beta(a, b) per state for an event rate, with its prior pooled overall -> academic year.

    The overall rate is shrunk into each academic year's rate (:func:`_shrink_rate`), which is the
    prior mean for every state of that year, with strength ``k`` pseudo-observations.
    """
    overall = events.sum() / max(exposure.sum(), 1.0)
    by_ay = _shrink_rate(np.bincount(st_a, weights=events, minlength=n_a),
                         np.bincount(st_a, weights=exposure, minlength=n_a), overall, k)
    prior = by_ay[st_a]
    return events + k * prior, (exposure - events) + k * (1 - prior)


def _shrink_rate(events: np.ndarray, trials: np.ndarray, prior: np.ndarray | float,
                 strength: float) -> np.ndarray:
    """Posterior mean of a rate under a Beta prior with mean ``prior`` and ``strength`` pseudo-trials."""
    return (events + strength * prior) / (trials + strength)


def _normalise(weights: np.ndarray, axis: int = -1) -> np.ndarray:
    """Rows scaled to sum to one (rows of zeros stay zero)."""
    total = weights.sum(axis=axis, keepdims=True)
    return np.divide(weights, total, out=np.zeros_like(weights, dtype=float), where=total > 0)


def _floored(shares: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Prior mean: shares restricted to allowed outcomes, mixed with a uniform floor over them."""
    restricted = _normalise(np.where(allowed, shares, 0.0))
    uniform = _normalise(allowed.astype(float))
    has = restricted.sum(axis=-1, keepdims=True) > 0
    mixed = np.where(has, (1 - UNIFORM_FLOOR) * restricted + UNIFORM_FLOOR * uniform, uniform)
    return np.where(allowed, mixed, 0.0)


@dataclass
class CohortModel:
    """Fitted parameters of the cohort model (Beta and Dirichlet posteriors), ready to simulate.

    Build with :func:`fit`. Arrays are indexed by the model's list of valid states
    (``self.states``: DataFrame with ``academic-year``, ``need``, ``setting``).
    """

    valid: ValidStates
    states: pd.DataFrame
    start_year: int
    initial: np.ndarray            # counts per valid state at January start_year
    leave_a: np.ndarray            # Beta posterior of p_leave per state
    leave_b: np.ndarray
    move_a: np.ndarray             # Beta posterior of p_move (given not leaving) per state
    move_b: np.ndarray
    dest_alpha: np.ndarray         # [state, setting] Dirichlet posterior of the destination
    stay_next: np.ndarray          # [state] index of the same need/setting a year older, or -1
    move_next: np.ndarray          # [state, setting] index of the destination state, or -1
    joiner_a: np.ndarray           # [academic year] Beta posterior of the joiner rate
    joiner_b: np.ndarray
    joiner_alpha: np.ndarray       # [academic year, need*setting] Dirichlet posterior
    joiner_index: np.ndarray       # [academic year, need*setting] state index, or -1
    population: pd.DataFrame
    cost: np.ndarray               # [state] annual cost
    fit_years: list[int] = field(default_factory=list)
    prior_strength: float = 5.0
    #: Calibration (``send_analysis.cohort.calibrate``): multipliers of the joiner rate and of the
    #: leaving probability by January census year, applied before any scenario. Empty: none.
    joiner_scale: dict[int, float] = field(default_factory=dict)
    leave_scale: dict[int, float] = field(default_factory=dict)

    @property
    def n_states(self) -> int:
        return len(self.states)

    def leave_probability(self) -> np.ndarray:
        """Posterior mean probability of leaving per state."""
        return self.leave_a / (self.leave_a + self.leave_b)

    def move_probability(self) -> np.ndarray:
        """Posterior mean probability of moving setting (given staying) per state."""
        return self.move_a / (self.move_a + self.move_b)

    def joiner_rate(self) -> pd.Series:
        """Posterior mean joiner rate per academic year (joiners / population)."""
        return pd.Series(self.joiner_a / (self.joiner_a + self.joiner_b),
                         index=self.valid.academic_years, name="joiner_rate")

    def simulate(self, years: int, simulations: int = 1000, seed: int | None = None,
                 scenario: Scenario | None = None, chunk: int = 250,
                 keep_states: bool = False, skip: int = 0) -> CohortResults:
        """Simulate ``simulations`` futures for ``years`` January censuses after ``start_year``
        (only those from ``skip`` on: see :func:`simulate`)."""
        return simulate(self, years, simulations, seed, scenario, chunk, keep_states, skip)


def _state_table(valid: ValidStates) -> tuple[pd.DataFrame, np.ndarray]:
    """Valid states in order, and a lookup array [ay, need, setting] -> index (or -1)."""
    mask = valid.mask()
    idx = np.full(mask.shape, -1, dtype=np.int64)
    a_i, n_i, s_i = np.nonzero(mask)
    idx[a_i, n_i, s_i] = np.arange(len(a_i))
    ays = valid.academic_years
    states = pd.DataFrame({
        "academic-year": ays[a_i],
        "need": np.array(valid.needs, dtype=object)[n_i],
        "setting": np.array(valid.settings, dtype=object)[s_i],
    })
    return states, idx


def _codes(values: pd.Series, labels: tuple[str, ...]) -> np.ndarray:
    lookup = {v: i for i, v in enumerate(labels)}
    return values.map(lookup).fillna(-1).to_numpy().astype(np.int64)


def fit(transitions: pd.DataFrame, population: pd.DataFrame, valid: ValidStates,
        costs: pd.DataFrame, *, prior_strength: float = 5.0,
        fit_years: list[int] | None = None) -> CohortModel:
    """Fit the cohort model to a checked transitions table (see :mod:`send_analysis.cohort.io`).

    ``fit_years`` restricts the transition years used for rates (default: all). The starting
    population is state 2 of the latest transition year. ``prior_strength`` is the number of
    pseudo-observations each pooled level adds to the level below it.
    """
    if transitions.empty:
        raise DataError("the transitions table has no rows", file="transitions")
    k = float(prior_strength)
    ays = valid.academic_years
    a0 = int(ays[0])
    n_a, n_n, n_s = len(ays), len(valid.needs), len(valid.settings)
    states, idx = _state_table(valid)
    n_v = len(states)
    mask = valid.mask()
    moves_ok = valid.move_matrix()

    t = transitions
    years_all = sorted(t["calendar-year"].unique().tolist())
    last = years_all[-1]
    use = t if fit_years is None else t[t["calendar-year"].isin(fit_years)]
    if use.empty:
        raise DataError(f"no transitions in the fitting years {fit_years}", file="transitions")
    w = use["count"].to_numpy().astype(float)
    a1 = use["academic-year-1"].to_numpy() - a0
    a2 = use["academic-year-2"].to_numpy() - a0
    n1, n2 = _codes(use["need-1"], valid.needs), _codes(use["need-2"], valid.needs)
    s1, s2 = _codes(use["setting-1"], valid.settings), _codes(use["setting-2"], valid.settings)
    in1, in2 = s1 >= 0, s2 >= 0

    # ---- continuing and leaving: counts per origin state ----
    orig = np.where(in1, idx[np.clip(a1, 0, n_a - 1), np.maximum(n1, 0), np.maximum(s1, 0)], -1)
    total = np.bincount(orig[in1], weights=w[in1], minlength=n_v)
    leave = np.bincount(orig[in1 & ~in2], weights=w[in1 & ~in2], minlength=n_v)
    cont = in1 & in2
    moved = cont & (s1 != s2)
    stay_cnt = total - leave
    move_cnt = np.bincount(orig[moved], weights=w[moved], minlength=n_v)
    dest_cnt = np.zeros((n_v, n_s))
    np.add.at(dest_cnt, (orig[moved], s2[moved]), w[moved])

    st_a = states["academic-year"].to_numpy() - a0
    st_n = _codes(states["need"], valid.needs)
    st_s = _codes(states["setting"], valid.settings)

    # structural possibilities a year older
    older = st_a + 1
    has_older = older < n_a
    stay_next = np.full(n_v, -1, dtype=np.int64)
    stay_next[has_older] = idx[older[has_older], st_n[has_older], st_s[has_older]]
    move_next = np.full((n_v, n_s), -1, dtype=np.int64)
    move_next[has_older] = idx[older[has_older], st_n[has_older], :]
    move_next = np.where(moves_ok[st_s], move_next, -1)
    can_stay = stay_next >= 0
    can_move = (move_next >= 0).any(axis=1)
    forced_leave = ~can_stay & ~can_move

    # leaving: overall -> academic year -> cell
    leave_a, leave_b = _pooled_beta(leave, total, st_a, n_a, k)
    leave_a = np.where(forced_leave, 1.0, leave_a)
    leave_b = np.where(forced_leave, 0.0, leave_b)

    # moving (given staying in SEND): overall -> academic year -> cell
    move_a, move_b = _pooled_beta(move_cnt, stay_cnt, st_a, n_a, k)
    move_a = np.where(~can_stay & can_move, 1.0, np.where(can_move, move_a, 0.0))
    move_b = np.where(~can_stay & can_move, 0.0, np.where(can_move, move_b, 1.0))

    # destinations: from-setting overall -> (academic year, from-setting) -> cell
    allowed = move_next >= 0
    by_s = np.zeros((n_s, n_s))
    np.add.at(by_s, st_s, dest_cnt)
    base = _floored(_normalise(by_s), moves_ok)                    # [from, to]
    by_as = np.zeros((n_a, n_s, n_s))
    np.add.at(by_as, (st_a, st_s), dest_cnt)
    ay_share = (by_as + k * base[None]) / (by_as.sum(-1, keepdims=True) + k)
    prior_dest = _floored(ay_share[st_a, st_s], allowed)
    dest_alpha = np.where(allowed, dest_cnt + k * prior_dest, 0.0)

    # ---- joiners ----
    join = ~in1 & in2
    fit_ys = sorted(use["calendar-year"].unique().tolist())
    pop_fit = population_matrix(population, [y + 1 for y in fit_ys], ays)
    j_ay = np.bincount(a2[join], weights=w[join], minlength=n_a)
    pop_ay = pop_fit.sum(axis=0)
    r_all = j_ay.sum() / max(pop_ay.sum(), 1.0)
    joiner_a = j_ay + k * r_all
    joiner_b = np.maximum(pop_ay - j_ay, 0) + k * (1 - r_all)
    j_cells = np.zeros((n_a, n_n * n_s))
    np.add.at(j_cells, (a2[join], n2[join] * n_s + s2[join]), w[join])
    valid_ns = mask.reshape(n_a, n_n * n_s)
    j_base = _floored(_normalise(j_cells.sum(axis=0)), valid_ns.any(axis=0))
    j_prior = _floored(np.broadcast_to(j_base, j_cells.shape), valid_ns)
    joiner_alpha = np.where(valid_ns, j_cells + k * j_prior, 0.0)
    joiner_index = idx.reshape(n_a, n_n * n_s)

    # ---- starting population: state 2 of the latest year ----
    latest = t[(t["calendar-year"] == last) & (t["setting-2"] != NONSEND)]
    la2 = latest["academic-year-2"].to_numpy() - a0
    li = idx[la2, _codes(latest["need-2"], valid.needs), _codes(latest["setting-2"], valid.settings)]
    initial = np.bincount(li, weights=latest["count"].to_numpy(), minlength=n_v).astype(np.int64)

    cm = cost_matrix(costs, valid)
    return CohortModel(
        valid=valid, states=states, start_year=int(last) + 1, initial=initial,
        leave_a=leave_a, leave_b=leave_b, move_a=move_a, move_b=move_b, dest_alpha=dest_alpha,
        stay_next=stay_next, move_next=move_next, joiner_a=joiner_a, joiner_b=joiner_b,
        joiner_alpha=joiner_alpha, joiner_index=joiner_index, population=population,
        cost=cm[st_n, st_s], fit_years=fit_ys, prior_strength=k,
    )


def _dirichlet(rng: np.random.Generator, alpha: np.ndarray, size: int) -> np.ndarray:
    """``size`` Dirichlet draws per row of ``alpha`` (zeros stay zero), shape (size, *alpha.shape)."""
    g = rng.standard_gamma(np.broadcast_to(alpha, (size, *alpha.shape)))
    underflow = (g.sum(axis=-1, keepdims=True) == 0) & (alpha.sum(axis=-1, keepdims=True) > 0)
    g = np.where(underflow, alpha, g)
    return _normalise(g)


def _beta(rng: np.random.Generator, a: np.ndarray, b: np.ndarray, size: int) -> np.ndarray:
    """Beta draws that accept a or b equal to zero (a point mass at 0 or 1)."""
    ga = rng.standard_gamma(np.broadcast_to(a, (size, *a.shape)))
    gb = rng.standard_gamma(np.broadcast_to(b, (size, *b.shape)))
    tot = ga + gb
    return np.divide(ga, tot, out=(a / np.maximum(a + b, 1e-300)) * np.ones_like(ga), where=tot > 0)


def _laid_end_to_end(cum: np.ndarray) -> np.ndarray:
    """Cumulative probabilities [..., K] as one increasing array: row r spans (r, r + 1]."""
    k = cum.shape[-1]
    return (cum.reshape(-1, k) + np.arange(cum.size // k)[:, None]).ravel()


#: Buckets per row of a :func:`_guide` table, per category (more: shorter scans, bigger table).
GUIDE_BUCKETS = 2
#: How far below a bucket's lower edge its guide starts (far above any rounding of ``row + u``).
_GUIDE_MARGIN = 1e-7


def _guide(flat: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """A guide table for :func:`_categorical` over ``flat`` (rows of K cumulative probabilities
    laid end to end): for row r and bucket b of B = K * :data:`GUIDE_BUCKETS`, the number of
    entries of ``flat`` at or below ``r + b / B`` (less a margin), so that every entry before it
    is at or below any draw ``r + u`` with ``u`` in the bucket; with it :func:`_past_equal` and
    ``flat`` padded with infinity. ``None`` when ``flat`` is not sorted (then only a binary
    search over all of it gives the answer it always gave)."""
    if flat.size and np.any(flat[1:] < flat[:-1]):
        return None
    rows, b = flat.size // k, k * GUIDE_BUCKETS
    lower = (np.arange(rows)[:, None] + np.arange(b)[None, :] / b - _GUIDE_MARGIN).ravel()
    return (np.searchsorted(flat, lower, side="right").reshape(rows, b), _past_equal(flat),
            np.append(flat, np.inf))


def _past_equal(flat: np.ndarray) -> np.ndarray:
    """For each entry of a sorted ``flat``, the position after the last entry equal to it (so a
    scan steps over a run of impossible categories, whose cumulative probabilities repeat, at
    once); one more entry at the end, past it."""
    return np.append(np.searchsorted(flat, flat, side="right"), len(flat))


def _categorical(rng: np.random.Generator, flat: np.ndarray, k: int, row: np.ndarray,
                 guide: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Category drawn for each entry of ``row`` (a row of K cumulative probabilities laid end to
    end in ``flat``, see :func:`_laid_end_to_end`): one uniform per draw, inverse CDF.

    The draw ``x = row + u`` falls after every entry of ``flat`` at or below it (a binary search
    over all of ``flat``). With a :func:`_guide` table the same position is found by starting at
    the guide of ``x``'s row and bucket and stepping forward over the entries at or below ``x``
    (a step or two, inside the row): the same comparisons on the same numbers, so the same
    categories, faster (about a third less time) for millions of draws.
    """
    u = rng.random(len(row))
    x = row + u
    if guide is None:
        idx = np.searchsorted(flat, x, side="right")
    else:
        # u's bucket: its lower edge, less the guide's margin, is below x whatever the rounding
        table, past, padded = guide
        b = table.shape[1]
        idx = table.ravel()[row * b + np.minimum((u * b).astype(np.int64), b - 1)]
        todo = np.flatnonzero(padded[idx] <= x)
        while todo.size:
            at = past[idx[todo]]
            idx[todo] = at
            todo = todo[padded[at] <= x[todo]]
    return np.minimum(idx - row * k, k - 1)


def _step(rng: np.random.Generator, model: CohortModel, counts: np.ndarray, pl: np.ndarray,
          pm: np.ndarray, jr: np.ndarray, j_cum: np.ndarray, dest_w: np.ndarray | None,
          pop: np.ndarray, dest_cum: np.ndarray,
          dest_guide: tuple | None = None, j_guide: tuple | None = None) -> tuple[np.ndarray, ...]:
    """One January-to-January step for a chunk of simulations, on occupied states only.

    ``dest_guide`` and ``j_guide`` are the :func:`_guide` tables of ``dest_cum`` and ``j_cum``
    (optional: they make the movers' destination and the joiners' draws faster, never different).

    Returns the new counts [sim, state], the arrivals (movers in and joiners) [sim, state] and
    the number of joiners, leavers and movers per simulation.
    """
    c, n_v = counts.shape
    flat = np.flatnonzero(counts)
    n = counts.ravel()[flat]
    sim, v = np.divmod(flat, n_v)
    leavers = rng.binomial(n, pl.ravel()[flat])
    movers = rng.binomial(n - leavers, pm.ravel()[flat])
    stayers = n - leavers - movers
    size = c * n_v
    keep = stayers > 0
    new = np.bincount(sim[keep] * n_v + model.stay_next[v[keep]], weights=stayers[keep],
                      minlength=size)
    arrivals = np.zeros(size)
    m = movers > 0
    if m.any():
        # each mover's destination setting: one categorical draw at the posterior mean shares
        n_s = model.dest_alpha.shape[1]
        from_v = np.repeat(v[m], movers[m])
        if dest_w is None:
            flat_cum, row, guide = dest_cum, from_v, dest_guide
        else:
            w = _normalise(model.dest_alpha[v[m]] * dest_w[v[m]])
            cum = np.cumsum(w, axis=1)
            cum[:, -1] = np.where(cum[:, -1] > 0, 1.0, 0.0)
            flat_cum, row = _laid_end_to_end(cum), np.repeat(np.arange(int(m.sum())), movers[m])
            guide = None
        k = _categorical(rng, flat_cum, n_s, row, guide)
        who = np.repeat(sim[m] * n_v, movers[m])
        arrivals += np.bincount(who + model.move_next[from_v, k], minlength=size)
    joiners = rng.binomial(np.round(pop).astype(np.int64)[None, :], jr)
    if joiners.any():
        # each joiner's (need, setting): one categorical draw per joiner by inverse CDF
        n_a = joiners.shape[1]
        row = np.repeat(np.arange(c * n_a), joiners.ravel())
        k = _categorical(rng, j_cum, model.joiner_alpha.shape[1], row, j_guide)
        si, ai = np.divmod(row, n_a)
        arrivals += np.bincount(si * n_v + model.joiner_index[ai, k], minlength=size)
    new = (new + arrivals).astype(np.int64).reshape(c, n_v)
    return (new, arrivals.astype(np.int64).reshape(c, n_v), joiners.sum(axis=1),
            np.bincount(sim, weights=leavers, minlength=c).astype(np.int64),
            np.bincount(sim, weights=movers, minlength=c).astype(np.int64))


def _record(model: CohortModel, counts: np.ndarray, t: int, codes: dict, groups: dict,
            states: np.ndarray | None) -> None:
    """Add one year's counts and costs per group (from occupied cells only) into ``groups``."""
    c, n_v = counts.shape
    flat = np.flatnonzero(counts)
    sim, v = np.divmod(flat, n_v)
    n = counts.ravel()[flat].astype(float)
    spend = n * model.cost[v]
    for dim, (labels, code) in codes.items():
        g = len(labels)
        key = sim * g + code[v]
        groups[dim][0][:, t] = np.bincount(key, weights=n, minlength=c * g).reshape(c, g)
        groups[dim][1][:, t] = np.bincount(key, weights=spend, minlength=c * g).reshape(c, g)
    if states is not None:
        states[:, t] = counts


@dataclass
class _ChunkParameters:
    """One chunk's parameter draws (see :func:`simulate`), read-only, and the generator's state
    after them."""

    p_leave: np.ndarray
    p_move: np.ndarray
    j_rate: np.ndarray
    j_mix: np.ndarray  # cumulative joiner mixes laid end to end
    rng_state: dict
    _guide: tuple | None = None

    def guide(self, k: int) -> tuple | None:
        if self._guide is None:
            self._guide = _guide(self.j_mix, k)
        return self._guide


#: The last few chunks' parameter draws, by model posterior, seed, chunk and size.
_PARAMETERS: dict[tuple, _ChunkParameters] = {}
_PARAMETERS_KEEP = 4


def _posterior_digest(model: CohortModel) -> str:
    """sha256 of the posteriors the parameter draws come from."""
    h = hashlib.sha256()
    for a in (model.leave_a, model.leave_b, model.move_a, model.move_b, model.joiner_a,
              model.joiner_b, model.joiner_alpha):
        arr = np.ascontiguousarray(a, dtype=float)
        h.update(repr(arr.shape).encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def _chunk_parameters(model: CohortModel, rng: np.random.Generator, c: int,
                      stream: tuple[int, int] | None) -> _ChunkParameters:
    """Leaving, moving and joiner rates and joiner mixes for ``c`` simulations, drawn from
    ``rng`` (which is left as the draws leave it).

    The draws depend only on the posteriors and the chunk's random stream, not on the joiner
    calibration or a scenario, so a page's runs that share them (the baseline and its scenario;
    a backtest's raw and calibrated runs) reuse the last few: the same arrays, and ``rng`` set to
    the state the draws left it in, so every later draw is the same too. ``stream`` (the seed
    and chunk number) is ``None`` for an unseeded run, never reused."""
    key = None if stream is None else (_posterior_digest(model), *stream, c)
    hit = _PARAMETERS.get(key) if key is not None else None
    if hit is not None:
        rng.bit_generator.state = hit.rng_state
        return hit
    p_leave = _beta(rng, model.leave_a, model.leave_b, c)
    p_move = _beta(rng, model.move_a, model.move_b, c)
    j_rate = _beta(rng, model.joiner_a, model.joiner_b, c)
    j_mix = np.cumsum(_dirichlet(rng, model.joiner_alpha, c), axis=-1)
    j_mix[..., -1] = np.where(j_mix[..., -1] > 0, 1.0, 0.0)
    j_mix = _laid_end_to_end(j_mix)
    for a in (p_leave, p_move, j_rate, j_mix):
        a.setflags(write=False)
    params = _ChunkParameters(p_leave, p_move, j_rate, j_mix, rng.bit_generator.state)
    if key is not None:
        _PARAMETERS[key] = params
        while len(_PARAMETERS) > _PARAMETERS_KEEP:
            del _PARAMETERS[next(iter(_PARAMETERS))]
    return params


def simulate(model: CohortModel, years: int, simulations: int = 1000, seed: int | None = None,
             scenario: Scenario | None = None, chunk: int = 250,
             keep_states: bool = False, skip: int = 0) -> CohortResults:
    """Simulate futures of the model; see :class:`CohortModel` and :class:`Scenario`.

    Leaving and moving probabilities, joiner rates and joiner mixes are drawn once per simulation
    from their posteriors (parameter uncertainty); movers' destinations use the posterior mean
    of their Dirichlet (``docs/decisions/0062-cohort-counts-simulation.md``); counts are drawn
    each year (process uncertainty). Same seed, same inputs: same results.
    ``keep_states`` keeps the per-state counts [sim, year, state] in ``results.state_counts``.

    ``skip`` (a multiple of ``chunk``) leaves out the first ``skip`` simulations: the results
    are simulations ``skip`` to ``simulations - 1``, the same numbers as those rows of the full
    run, since each chunk has its own random stream. A run in batches
    (:func:`send_analysis.montecarlo.until_precise`) simulates each batch once this way.
    """
    if years < 1 or simulations < 1:
        raise ValueError("years and simulations must be at least 1")
    if skip < 0 or skip % chunk or skip >= simulations:
        raise ValueError(f"skip {skip}: expected a multiple of the chunk ({chunk}) below "
                         f"the simulations ({simulations})")
    # one independent stream per chunk, so a scenario that changes one chunk's draws from a
    # year on leaves the other chunks (and every earlier year) identical to the baseline
    streams = np.random.SeedSequence(seed).spawn(-(-simulations // chunk))
    valid = model.valid
    ays = valid.academic_years
    cal = [model.start_year + i for i in range(1, years + 1)]
    pop = population_matrix(model.population, cal, ays)
    scenario = scenario or Scenario()
    st_s = _codes(model.states["setting"], valid.settings)
    n_v = model.n_states
    scenario.check(valid)
    codes = group_codes(model)
    parts: dict[str, list] = {dim: [] for dim in codes}
    kept: list[np.ndarray] = []
    flows = np.zeros((simulations - skip, years, 3), dtype=np.int64)  # joiners, leavers, movers
    stay_ok = model.stay_next >= 0
    can_move = (model.move_next >= 0).any(axis=1)
    must_leave = ~stay_ok & ~can_move
    must_move = ~stay_ok & can_move

    dest_mean = _normalise(model.dest_alpha)
    dest_cum = np.cumsum(dest_mean, axis=1)
    dest_cum[:, -1] = np.where(dest_cum[:, -1] > 0, 1.0, 0.0)
    dest_cum = _laid_end_to_end(dest_cum)
    dest_guide = _guide(dest_cum, dest_mean.shape[1])
    joiners_per_sim = float((pop * (model.joiner_a / np.maximum(model.joiner_a + model.joiner_b,
                                                                1e-300))).sum())
    for start in range(skip, simulations, chunk):
        c = min(chunk, simulations - start)
        rng = np.random.default_rng(streams[start // chunk])
        params = _chunk_parameters(model, rng, c, None if seed is None else (seed, start // chunk))
        p_leave, p_move, j_rate, j_mix = params.p_leave, params.p_move, params.j_rate, params.j_mix
        # a guide to the chunk's joiner mixes pays off when the joiners outnumber its entries
        j_guide = (params.guide(model.joiner_alpha.shape[1])
                   if c * joiners_per_sim > j_mix.size * GUIDE_BUCKETS else None)
        counts = np.broadcast_to(model.initial, (c, n_v)).astype(np.int64)
        chunk_counts = np.zeros((c, years + 1, n_v), dtype=np.int32) if keep_states else None
        chunk_groups = {dim: (np.zeros((c, years + 1, len(lab))), np.zeros((c, years + 1, len(lab))))
                        for dim, (lab, _) in codes.items()}
        _record(model, counts, 0, codes, chunk_groups, chunk_counts)
        for t, year in enumerate(cal):
            pl0 = np.minimum(p_leave * model.leave_scale.get(year, 1.0), 1.0)
            jr0 = np.minimum(j_rate * model.joiner_scale.get(year, 1.0), 1.0)
            pl, pm, jr, dest_w = scenario.adjust(year, valid, st_s, pl0, p_move, jr0, dest_mean)
            pl = np.where(must_leave, 1.0, pl)
            pm = np.where(must_move, 1.0, np.where(can_move, pm, 0.0))
            new, arrivals, n_join, n_leave, n_move = _step(
                rng, model, counts, pl, pm, jr, j_mix, dest_w, pop[t], dest_cum, dest_guide, j_guide)
            new = scenario.redirect(year, model, new, arrivals, rng)
            counts = new
            _record(model, counts, t + 1, codes, chunk_groups, chunk_counts)
            flows[start - skip:start - skip + c, t] = np.stack([n_join, n_leave, n_move], axis=1)
        for dim in codes:
            parts[dim].append(chunk_groups[dim])
        if keep_states:
            kept.append(chunk_counts)
    groups = {dim: (codes[dim][0], np.concatenate([p[0] for p in parts[dim]]),
                    np.concatenate([p[1] for p in parts[dim]])) for dim in codes}
    return CohortResults.from_groups([model.start_year, *cal], groups, flows, scenario,
                                     np.concatenate(kept) if keep_states else None)
