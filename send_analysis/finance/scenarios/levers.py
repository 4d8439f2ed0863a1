"""The levers: one kernel per lever type, chosen from the registry :data:`LEVERS`.

A kernel takes ``(state, lever, inputs, delivery, assumptions, tag)``, moves or removes
placements of the :class:`~send_analysis.finance.model.PlacementState` in place and returns a
:class:`LeverEffect`; :func:`lever_costs` gives a lever's cost lines and :func:`apply_scenarios`
applies every lever of every scenario in order (decision record 0047).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from send_analysis.data.taxonomy import SETTING_GROUPS
from send_analysis.errors import ConfigError
from send_analysis.finance.model import (
    AS_GIVEN,
    Assumptions,
    PlacementState,
    growth_factors,
    per_draw,
)
from send_analysis.finance.scenarios.schema import Scenario
from send_analysis.finance.years import academic_to_financial, fy_start

_DEFAULT_TO = {"new_special_school": "special_state", "resourced_provision": "resourced_unit"}


@dataclass
class LeverEffect:
    """What a lever did: cost lines by funding, and placements moved or avoided (for reporting)."""

    name: str
    costs: dict[str, np.ndarray] = field(default_factory=dict)  # funding -> (n_fys,)
    moved: np.ndarray | None = None  # (n_draws, n_fys) placements moved/avoided


def _ramp(fys: list[str], start: str, ramp_years: float) -> np.ndarray:
    """0 before ``start``; then rising linearly to 1 over ``ramp_years`` years (0 or 1 = at once)."""
    k = np.array([fy_start(y) - fy_start(start) for y in fys], dtype=float)
    n = max(float(ramp_years), 1.0)
    return np.where(k < 0, 0.0, np.minimum(1.0, (k + 1) / n))


def _series(mapping: Mapping[str, float] | None, fys: list[str], ongoing: bool) -> np.ndarray:
    """A year map on ``fys``; with ``ongoing`` the last year given continues afterwards."""
    mapping = mapping or {}
    out = np.array([float(mapping.get(y, 0.0)) for y in fys])
    if ongoing and mapping:
        last = max(mapping, key=fy_start)
        out = np.where(np.array([fy_start(y) > fy_start(last) for y in fys]), float(mapping[last]), out)
    return out


def _take(state: PlacementState, group: str, amount: np.ndarray) -> np.ndarray:
    """Remove up to ``amount`` placements from ``group`` (never below zero); return what was taken."""
    taken = np.minimum(state.placements[group], np.clip(amount, 0.0, None))
    state.placements[group] = state.placements[group] - taken
    return taken


def _add(state: PlacementState, line: str, amount: np.ndarray, unit_cost: np.ndarray | None = None,
         label: str | None = None) -> None:
    """Add placements to a line, creating it (with its unit cost) if new."""
    if line in state.placements:
        state.placements[line] = state.placements[line] + amount
    else:
        state.placements[line] = amount.copy()
        state.unit_costs[line] = unit_cost
        state.labels[line] = label or line


def _price_factor(inputs: Mapping, state: PlacementState, assumptions: Assumptions) -> np.ndarray:
    uc = inputs["unit_costs"]
    infl = uc["inflation"] if assumptions.inflation is None else assumptions.inflation
    return growth_factors(infl, state.fys, uc["price_year"], state.n_draws)


def _base_index(state: PlacementState, start: str) -> int:
    """Index of the year before ``start`` within the projection (the first year if none)."""
    return max(0, state.fy_index(start) - 1) if start in state.fys else len(state.fys) - 1


def lever_isp_step_down(state, lever, inputs, delivery, assumptions, tag) -> LeverEffect:
    """Move a share of the growth in ``from_group`` placements since the year before ``start``
    into local places (``to_group``), ramping up, up to ``capacity`` places."""
    src = lever.get("from_group", "special_indep_nm")
    dst = lever.get("to_group", "special_state")
    if lever["start"] not in state.fys:
        return LeverEffect(tag, moved=np.zeros_like(state.placements[src]))
    base = state.placements[src][:, [_base_index(state, lever["start"])]]
    growth = np.clip(state.placements[src] - base, 0.0, None)
    target = float(lever["share"]) * _ramp(state.fys, lever["start"], lever.get("ramp_years", 1))[None, :] * growth
    if "capacity" in lever:
        target = np.minimum(target, float(lever["capacity"]))
    moved = _take(state, src, target * delivery)
    if "cost_per_place" in lever:
        _add(state, f"provision.{tag}", moved, float(lever["cost_per_place"]) * _price_factor(inputs, state, assumptions),
             f"Local places ({tag})")
    else:
        state.placements[dst] = state.placements[dst] + moved
    return LeverEffect(tag, moved=moved)


def lever_new_places(state, lever, inputs, delivery, assumptions, tag) -> LeverEffect:
    """Places in a new school or resourced provision opening in September ``opens``, filling by
    academic year (``fill``: share of places filled in each year from opening; the last holds),
    taking children who would otherwise be placed in the ``displaces`` groups."""
    kind = lever["type"]
    dst = lever.get("to_group", _DEFAULT_TO[kind])
    fill = list(lever["fill"])
    opens = int(lever["opens"])
    last_ay = fy_start(state.fys[-1])
    by_ay = {ay: float(lever["places"]) * fill[min(ay - opens, len(fill) - 1)]
             for ay in range(opens, last_ay + 1)}
    filled = np.array([academic_to_financial(by_ay, y) for y in state.fys])[None, :]
    moved_total = np.zeros((state.n_draws, len(state.fys)))
    for group, share in lever["displaces"].items():
        moved_total += _take(state, group, filled * float(share) * delivery)
    per_place = float(lever.get("cost_per_place", inputs["unit_costs"]["by_setting_group"][dst]))
    _add(state, f"provision.{tag}", moved_total, per_place * _price_factor(inputs, state, assumptions),
         f"New places: {tag} ({dst})")
    return LeverEffect(tag, moved=moved_total)


def lever_inclusion_target(state, lever, inputs, delivery, assumptions, tag) -> LeverEffect:
    """Move placements from specialist groups into mainstream so that the mainstream share of all
    placements rises linearly from its level the year before ``start`` to ``target_share`` (or
    that level plus ``target_increase``) by ``reach_by`` (never moving children out of mainstream)."""
    from_groups = lever.get("from_groups", ["special_state", "special_indep_nm"])
    total = sum(state.placements.values())
    share_now = np.divide(state.placements["mainstream"], total, out=np.zeros_like(total), where=total > 0)
    if lever["start"] not in state.fys:
        return LeverEffect(tag, moved=np.zeros_like(total))
    base = share_now[:, [_base_index(state, lever["start"])]]
    years = fy_start(lever["reach_by"]) - fy_start(lever["start"]) + 1
    progress = _ramp(state.fys, lever["start"], years)[None, :]
    goal = float(lever["target_share"]) if "target_share" in lever else np.clip(
        base + float(lever["target_increase"]), 0.0, 1.0)
    target_share = base + (goal - base) * progress
    needed = np.clip(target_share * total - state.placements["mainstream"], 0.0, None) * delivery
    needed = np.where(progress > 0, needed, 0.0)  # nothing moves before the start year
    pool = sum(state.placements[g] for g in from_groups)
    moved = np.zeros_like(total)
    for g in from_groups:
        weight = np.divide(state.placements[g], pool, out=np.zeros_like(pool), where=pool > 0)
        moved += _take(state, g, np.minimum(needed, pool) * weight)
    state.placements["mainstream"] = state.placements["mainstream"] + moved
    effect = LeverEffect(tag, moved=moved)
    if "extra_cost_per_pupil" in lever:
        extra = float(lever["extra_cost_per_pupil"]) * _price_factor(inputs, state, assumptions)
        _add(state, f"provision.{tag}", moved, extra, f"Enhanced mainstream support: {tag}")
    return effect


def lever_early_help(state, lever, inputs, delivery, assumptions, tag) -> LeverEffect:
    """Early help avoids ``reduction`` of new plans from ``start`` (ramping over ``ramp_years``).
    New plans a year = ``new_plans_share`` x caseload; avoided plans would have ended at
    ``exit_rate`` a year, so the avoided caseload builds up as
    ``avoided(t) = avoided(t-1) x (1 - exit_rate) + reduction(t) x new_plans_share x caseload(t)``.
    The avoided plans are taken from groups by ``mix`` (default: the caseload's own mix)."""
    groups = [g for g in SETTING_GROUPS if g in state.placements]
    total = sum(state.placements[g] for g in groups)
    ramp = _ramp(state.fys, lever["start"], lever.get("ramp_years", 1))
    avoided = np.zeros_like(total)
    prev = np.zeros(state.n_draws)
    for j in range(len(state.fys)):
        prev = prev * (1 - float(lever["exit_rate"])) + float(lever["reduction"]) * ramp[j] * float(
            lever["new_plans_share"]) * total[:, j]
        avoided[:, j] = prev
    avoided = avoided * delivery
    moved = np.zeros_like(total)
    for g in groups:
        if "mix" in lever:
            weight = float(lever["mix"].get(g, 0.0))
        else:
            weight = np.divide(state.placements[g], total, out=np.zeros_like(total), where=total > 0)
        moved += _take(state, g, avoided * weight)
    return LeverEffect(tag, moved=moved)


def lever_invest_to_save(state, lever, inputs, delivery, assumptions, tag) -> LeverEffect:
    """Posts whose work avoids ``avoided_placements`` (placement-years by financial year) in
    ``from_group``; the children go to ``to_group`` instead (``none``: no placement needed)."""
    src = lever.get("from_group", "special_indep_nm")
    dst = lever.get("to_group", "special_state")
    avoided = _series(lever["avoided_placements"], state.fys, bool(lever.get("ongoing", False)))
    moved = _take(state, src, np.broadcast_to(avoided[None, :], state.placements[src].shape) * delivery)
    if dst != "none":
        state.placements[dst] = state.placements[dst] + moved
    return LeverEffect(tag, moved=moved)


LEVERS = {
    "isp_step_down": lever_isp_step_down,
    "new_special_school": lever_new_places,
    "resourced_provision": lever_new_places,
    "inclusion_target": lever_inclusion_target,
    "early_help": lever_early_help,
    "invest_to_save": lever_invest_to_save,
}


def lever_costs(lever: Mapping, inputs: Mapping, fys: list[str]) -> dict[str, np.ndarray]:
    """A lever's costs by funding source on ``fys`` (cash, as given; not inflated).

    ``costs`` continue after their last year only with ``ongoing: true``; posts taken from the
    inputs' ``invest_to_save`` block always continue at their last year's cost (a post whose
    funding ends shows 0 in its last year), since the block describes on-going posts.
    """
    ongoing = bool(lever.get("ongoing", False))
    out: dict[str, np.ndarray] = {}
    if "costs" in lever:
        out[lever.get("funding", "dsg")] = _series(lever["costs"], fys, ongoing)
    which = lever.get("posts_from_inputs")
    if which:
        block = inputs.get("invest_to_save")
        if not block:
            raise ConfigError("posts_from_inputs is set but the inputs have no invest_to_save block")
        for post in block["posts"]:
            if which in ("all", post["funding"]):
                cost = _series(post["costs"], fys, ongoing=True)
                out[post["funding"]] = out.get(post["funding"], np.zeros(len(fys))) + cost
    return out


def apply_scenarios(
    inputs: Mapping, state: PlacementState, scenarios: Sequence[Scenario],
    assumptions: Assumptions = AS_GIVEN,
) -> tuple[PlacementState, dict[str, np.ndarray], dict[str, np.ndarray], dict[str, str], list[LeverEffect]]:
    """Apply every lever of every scenario in order to a copy of ``state``.

    Returns the mitigated state, DSG-funded cost lines, cost lines outside the DSG, labels, and
    each lever's effect.
    """
    state = state.copy()
    delivery = per_draw(assumptions.delivery, state.n_draws)
    dsg: dict[str, np.ndarray] = {}
    outside: dict[str, np.ndarray] = {}
    labels: dict[str, str] = {}
    effects: list[LeverEffect] = []
    for s_i, scenario in enumerate(scenarios):
        for l_i, lever in enumerate(scenario.levers):
            tag = str(lever.get("name") or f"{scenario.name} #{l_i + 1}")
            if any(e.name == tag for e in effects):
                tag = f"{tag} ({s_i + 1}.{l_i + 1})"
            effect = LEVERS[lever["type"]](state, lever, inputs, delivery, assumptions, tag)
            effect.costs = lever_costs(lever, inputs, state.fys)
            for funding, cost in effect.costs.items():
                key = f"mitigation.{tag}.{funding}"
                if funding == "dsg":
                    dsg[f"mitigation.{tag}"] = cost[None, :]
                    labels[f"mitigation.{tag}"] = f"Mitigation cost (DSG): {tag}"
                else:
                    outside[key] = cost[None, :]
            effects.append(effect)
    return state, dsg, outside, labels, effects
