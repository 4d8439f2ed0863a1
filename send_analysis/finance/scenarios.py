"""Mitigation scenarios: small YAML files of levers applied to the placement forecast.

A scenario file (``scenarios/*.yaml``)::

    name: Solihull 100-place autism school
    description: ...
    source: Cabinet report 17 June 2021, para 5.3
    discount_rate: 0.035          # optional; for the NPV (default DEFAULT_DISCOUNT_RATE)
    levers:
      - type: new_special_school  # see LEVER_KEYS for every type and its keys
        places: 100
        opens: 2023               # September 2023
        ...

Levers (decision record ``docs/decisions/0047-mitigation-levers.md``) act on the financial-year
placements of every draw, in the order given, and scenarios combine by applying their levers one
after another. Each lever moves placements between setting groups or into new provision, removes
placements (early help), and may carry costs by financial year funded from the DSG (in the DSG
balance), the council's budget or capital (outside the DSG balance, but part of the investment).

Results (:class:`ScenarioResult`): the mitigated DSG trajectory, savings against unmitigated by
year (reduction in placement spend), investment (every mitigation cost, whoever pays), net
benefit, payback year and NPV at a discount rate.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from send_analysis.errors import ConfigError
from send_analysis.finance.inputs import (
    MAX_TEXT,
    SETTING_GROUPS,
    Problems,
    check_count,
    check_fy,
    check_keys,
    check_money,
    check_rate,
    check_share,
    check_year_series,
    read_yaml,
)
from send_analysis.finance.model import (
    AS_GIVEN,
    Assumptions,
    DSGProjection,
    PlacementState,
    _per_draw,
    baseline_state,
    first_mitigation_year,
    growth_factors,
    project_from_state,
)
from send_analysis.finance.years import academic_to_financial, fy_label, fy_start, is_fy_label

#: Discount rate for NPVs when a scenario gives none: HM Treasury Green Book, 3.5% a year.
DEFAULT_DISCOUNT_RATE: float = 0.035

FUNDING = ("dsg", "council", "capital")

_COMMON = {"type", "name", "costs", "funding", "ongoing", "source", "notes"}

#: Keys allowed for each lever type (besides name, costs, funding, ongoing, source, notes).
LEVER_KEYS: dict[str, set[str]] = {
    "isp_step_down": {"share", "start", "ramp_years", "capacity", "from_group", "to_group",
                      "cost_per_place"},
    "new_special_school": {"places", "opens", "fill", "displaces", "cost_per_place", "to_group"},
    "resourced_provision": {"places", "opens", "fill", "displaces", "cost_per_place", "to_group"},
    "inclusion_target": {"target_share", "target_increase", "start", "reach_by", "from_groups",
                         "extra_cost_per_pupil"},
    "early_help": {"reduction", "start", "ramp_years", "new_plans_share", "exit_rate", "mix"},
    "invest_to_save": {"avoided_placements", "from_group", "to_group", "posts_from_inputs"},
}

_REQUIRED: dict[str, set[str]] = {
    "isp_step_down": {"share", "start"},
    "new_special_school": {"places", "opens", "fill", "displaces"},
    "resourced_provision": {"places", "opens", "fill", "displaces"},
    "inclusion_target": {"start", "reach_by"},
    "early_help": {"reduction", "start", "new_plans_share", "exit_rate"},
    "invest_to_save": {"avoided_placements"},
}

_DEFAULT_TO = {"new_special_school": "special_state", "resourced_provision": "resourced_unit"}


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: a name, levers (dicts as in the file) and where it came from."""

    name: str
    levers: tuple[dict, ...]
    description: str = ""
    source: str = ""
    discount_rate: float | None = None
    file: str = "<scenario>"
    #: The levers as written (relative years unresolved), for binding to another first year.
    raw_levers: tuple[dict, ...] = ()

    def to_dict(self) -> dict:
        """The scenario as a mapping in the file's format (levers as written)."""
        d: dict = {"name": self.name, "levers": [dict(lv) for lv in (self.raw_levers or self.levers)]}
        if self.description:
            d["description"] = self.description
        if self.source:
            d["source"] = self.source
        if self.discount_rate is not None:
            d["discount_rate"] = self.discount_rate
        return d


# ------------------------------------------------------------------------------ relative years

_REL_RE = re.compile(r"^\+(\d+)$")


def is_relative(value: object) -> bool:
    """True for a relative year such as ``"+1"`` (years after the first forecast year)."""
    return isinstance(value, str) and bool(_REL_RE.match(value))


def resolve_years(lever: Mapping, first_fy: str) -> dict:
    """A copy of ``lever`` with relative years made absolute against ``first_fy``.

    ``start``/``reach_by: "+k"`` become the financial year k after ``first_fy``; ``opens: "+k"``
    becomes September of the year in which that financial year starts; ``"+k"`` keys of
    ``costs`` and ``avoided_placements`` likewise. Absolute values are left as they are, so a
    file can be written for any LA and any first forecast year.
    """
    first = fy_start(first_fy)
    out = dict(lever)
    for k in ("start", "reach_by"):
        if is_relative(out.get(k)):
            out[k] = fy_label(first + int(out[k][1:]))
    if is_relative(out.get("opens")):
        out["opens"] = first + int(out["opens"][1:])
    for k in ("costs", "avoided_placements"):
        if isinstance(out.get(k), Mapping):
            out[k] = {(fy_label(first + int(y[1:])) if is_relative(y) else y): v for y, v in out[k].items()}
    return out


# ----------------------------------------------------------------------------------- validation


def _check_group(p: Problems, key: str, value: object, allow_none: bool = False) -> None:
    if allow_none and value == "none":
        return
    if value not in SETTING_GROUPS:
        p.add(key, f"unknown setting group {value!r} (expected one of {', '.join(SETTING_GROUPS)})")


def _check_start(p: Problems, key: str, value: object, first_fy: str | None) -> None:
    if is_relative(value):
        return
    if check_fy(p, key, value) and first_fy and fy_start(value) < fy_start(first_fy):
        p.add(key, f"starts in {value}, before the first forecast year {first_fy}: a mitigation "
                   "cannot act on years whose placements or spend are already actuals")


def _check_mix(p: Problems, key: str, value: object) -> None:
    if not isinstance(value, Mapping) or not value:
        p.add(key, f"expected a mapping of setting group to share, got {value!r}")
        return
    for g, share in value.items():
        _check_group(p, f"{key}.{g}", g)
        check_share(p, f"{key}.{g}", share)
    total = sum(v for v in value.values() if isinstance(v, int | float))
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        p.add(key, f"shares must add up to 1, they add up to {total:g}")


def _check_year_map(p: Problems, key: str, value: object) -> None:
    """Financial year (or relative ``"+k"``) -> amount of 0 or more."""
    if isinstance(value, Mapping):
        absolute = {y: v for y, v in value.items() if not is_relative(y)}
        for y, v in value.items():
            if is_relative(y):
                check_money(p, f"{key}.{y}", v)
        check_year_series(p, key, absolute, contiguous=False)
    else:
        check_year_series(p, key, value, contiguous=False)


def _validate_lever(p: Problems, key: str, lever: Mapping, first_fy: str | None) -> None:
    kind = lever.get("type")
    if kind not in LEVER_KEYS:
        p.add(f"{key}.type", f"unknown lever type {kind!r} (expected one of {', '.join(LEVER_KEYS)})")
        return
    check_keys(p, key, lever, LEVER_KEYS[kind] | _COMMON)
    for k in sorted(_REQUIRED[kind] - set(lever)):
        p.add(f"{key}.{k}", "missing")
    if "costs" in lever:
        _check_year_map(p, f"{key}.costs", lever["costs"])
        for year in lever["costs"] if isinstance(lever["costs"], Mapping) else []:
            if first_fy and is_fy(year) and fy_start(year) < fy_start(first_fy):
                p.add(f"{key}.costs.{year}", f"before the first forecast year {first_fy}")
    if lever.get("funding", "dsg") not in FUNDING:
        p.add(f"{key}.funding", f"expected one of {', '.join(FUNDING)}, got {lever.get('funding')!r}")
    if kind == "inclusion_target" and ("target_share" in lever) == ("target_increase" in lever):
        p.add(f"{key}.target_share", "give either target_share (the mainstream share to reach) or "
                                     "target_increase (points to add to the share), not both or neither")
    for k in ("share", "reduction", "new_plans_share", "exit_rate", "target_share", "target_increase"):
        if k in lever:
            check_share(p, f"{key}.{k}", lever[k])
    for k in ("start", "reach_by"):
        if k in lever:
            _check_start(p, f"{key}.{k}", lever[k], first_fy)
    if "start" in lever and "reach_by" in lever and is_fy(lever["start"]) and is_fy(lever["reach_by"]):
        if fy_start(lever["reach_by"]) < fy_start(lever["start"]):
            p.add(f"{key}.reach_by", "must not be before start")
    for k in ("ramp_years", "capacity", "places"):
        if k in lever:
            check_count(p, f"{key}.{k}", lever[k])
    for k in ("cost_per_place", "extra_cost_per_pupil"):
        if k in lever:
            check_money(p, f"{key}.{k}", lever[k])
    for k in ("from_group", "to_group"):
        if k in lever:
            _check_group(p, f"{key}.{k}", lever[k], allow_none=(kind == "invest_to_save" and k == "to_group"))
    if "from_groups" in lever:
        fg = lever["from_groups"]
        if not isinstance(fg, list) or not fg:
            p.add(f"{key}.from_groups", f"expected a list of setting groups, got {fg!r}")
        else:
            for i, g in enumerate(fg):
                _check_group(p, f"{key}.from_groups[{i}]", g)
    for k in ("displaces", "mix"):
        if k in lever:
            _check_mix(p, f"{key}.{k}", lever[k])
    if "opens" in lever:
        opens = lever["opens"]
        if is_relative(opens):
            pass
        elif not isinstance(opens, int) or isinstance(opens, bool):
            p.add(f"{key}.opens", f"expected the calendar year of the opening September, got {opens!r}")
        elif first_fy and opens < fy_start(first_fy):
            p.add(f"{key}.opens", f"September {opens} is before the first forecast year {first_fy}")
    if "fill" in lever:
        fill = lever["fill"]
        if not isinstance(fill, list) or not fill:
            p.add(f"{key}.fill", "expected a list of shares of places filled, one per academic year")
        else:
            for i, v in enumerate(fill):
                check_share(p, f"{key}.fill[{i}]", v)
    if "avoided_placements" in lever:
        _check_year_map(p, f"{key}.avoided_placements", lever["avoided_placements"])
        av = lever["avoided_placements"]
        for year in av if isinstance(av, Mapping) else []:
            if first_fy and is_fy(year) and fy_start(year) < fy_start(first_fy):
                p.add(f"{key}.avoided_placements.{year}", f"before the first forecast year {first_fy}")
    if "posts_from_inputs" in lever and lever["posts_from_inputs"] not in ("dsg", "council", "all"):
        p.add(f"{key}.posts_from_inputs", "expected dsg, council or all")
    if "ongoing" in lever and not isinstance(lever["ongoing"], bool):
        p.add(f"{key}.ongoing", "expected true or false")


def is_fy(value: object) -> bool:
    """True for a financial year label (``"2021-22"``)."""
    return is_fy_label(value)


def validate_scenario(d: Mapping, source: str = "<scenario>", first_fy: str | None = None) -> Scenario:
    """Validate a scenario mapping; ``first_fy`` (the inputs' first forecast year) bounds the years."""
    p = Problems(source)
    check_keys(p, "", d, {"name", "description", "source", "discount_rate", "levers"})
    if not isinstance(d.get("name"), str) or not d.get("name"):
        p.add("name", "missing")
    for key in ("name", "description", "source"):
        if isinstance(d.get(key), str) and len(d[key]) > MAX_TEXT:
            p.add(key, f"expected text of at most {MAX_TEXT} characters")
        elif d.get(key) is not None and not isinstance(d[key], str):
            p.add(key, f"expected text, got a {type(d[key]).__name__}")
    if "discount_rate" in d:
        check_rate(p, "discount_rate", d["discount_rate"])
    levers = d.get("levers")
    if not isinstance(levers, list) or not levers:
        p.add("levers", "expected a list of at least one lever")
        levers = []
    resolved = []
    for i, lever in enumerate(levers):
        if not isinstance(lever, Mapping):
            p.add(f"levers[{i}]", f"expected a mapping, got {lever!r}")
            continue
        if first_fy is not None and is_fy_label(first_fy):
            lever = resolve_years(lever, first_fy)
        _validate_lever(p, f"levers[{i}]", lever, first_fy)
        resolved.append(dict(lever))
    p.raise_if_any()
    return Scenario(
        name=d["name"], levers=tuple(resolved), raw_levers=tuple(dict(lv) for lv in levers),
        description=str(d.get("description", "")), source=str(d.get("source", "")),
        discount_rate=d.get("discount_rate"), file=source,
    )


def bind(scenario: Scenario, first_fy: str) -> Scenario:
    """Re-validate a scenario against the inputs' first forecast year (resolving relative years)."""
    return validate_scenario(scenario.to_dict(), source=scenario.file, first_fy=first_fy)


def load_scenario(path: str | Path, first_fy: str | None = None) -> Scenario:
    """Read and validate a scenario YAML file."""
    return validate_scenario(read_yaml(path), source=str(path), first_fy=first_fy)


# ------------------------------------------------------------------------------------- levers


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


# ------------------------------------------------------------------------------------ results


@dataclass
class ScenarioResult:
    """Unmitigated and mitigated projections (same draws) and the scenario's economics."""

    name: str
    unmitigated: DSGProjection
    mitigated: DSGProjection
    discount_rate: float
    effects: list[LeverEffect]
    scenarios: tuple[Scenario, ...] = ()

    @property
    def fys(self) -> list[str]:
        return self.mitigated.fys

    def _dsg_costs(self) -> np.ndarray:
        keys = [k for k in self.mitigated.expenditure if k.startswith("mitigation.")]
        return sum((self.mitigated.expenditure[k] for k in keys), np.zeros_like(self.mitigated.in_year))

    def savings(self) -> np.ndarray:
        """Reduction in placement and provision spend against unmitigated, ``(n_draws, n_fys)``."""
        return self.unmitigated.expenditure_total - (self.mitigated.expenditure_total - self._dsg_costs())

    def investment(self) -> np.ndarray:
        """Every mitigation cost, DSG-funded or not, ``(n_draws, n_fys)``."""
        outside = sum(self.mitigated.outside_dsg.values(), np.zeros_like(self.mitigated.in_year))
        return self._dsg_costs() + outside

    def net_benefit(self) -> np.ndarray:
        return self.savings() - self.investment()

    def dsg_improvement(self) -> np.ndarray:
        """Mitigated minus unmitigated in-year DSG balance (positive = better)."""
        return self.mitigated.in_year - self.unmitigated.in_year

    @property
    def has_investment(self) -> bool:
        """True when the scenario costs anything (payback is meaningless otherwise)."""
        return bool(self.investment().mean(axis=0).sum() > 0)

    def payback_year(self) -> str | None:
        """First year from which the cumulative mean net benefit stays at 0 or more (None: not
        within the horizon, or no investment to pay back: see :attr:`has_investment`)."""
        if not self.has_investment:
            return None
        return payback_year(self.fys, self.net_benefit().mean(axis=0))

    def payback_text(self) -> str:
        """The payback year, "not within the horizon" or "no investment"."""
        if not self.has_investment:
            return "no investment"
        return self.payback_year() or "not within the horizon"

    def npv(self) -> float:
        """NPV of the mean net benefit, the first year undiscounted."""
        return npv(self.net_benefit().mean(axis=0), self.discount_rate)

    def payback_probability(self) -> float:
        """Share of draws whose cumulative net benefit is 0 or more by the last year."""
        return float((self.net_benefit().sum(axis=1) >= 0).mean())

    def table(self) -> pd.DataFrame:
        """By financial year: savings, investment, net benefit, its running total and discounted
        value, the DSG improvement, and the unmitigated and mitigated balances (means)."""
        net = self.net_benefit().mean(axis=0)
        disc = discount_factors(len(self.fys), self.discount_rate)
        return pd.DataFrame({
            "savings": self.savings().mean(axis=0),
            "investment": self.investment().mean(axis=0),
            "net_benefit": net,
            "cumulative_net_benefit": np.cumsum(net),
            "discounted_net_benefit": net * disc,
            "dsg_in_year_improvement": self.dsg_improvement().mean(axis=0),
            "unmitigated_in_year": self.unmitigated.in_year.mean(axis=0),
            "mitigated_in_year": self.mitigated.in_year.mean(axis=0),
            "unmitigated_cumulative": self.unmitigated.cumulative.mean(axis=0),
            "mitigated_cumulative": self.mitigated.cumulative.mean(axis=0),
            "mitigated_cumulative_p10": np.quantile(self.mitigated.cumulative, 0.1, axis=0),
            "mitigated_cumulative_p90": np.quantile(self.mitigated.cumulative, 0.9, axis=0),
        }, index=pd.Index(self.fys, name="financial_year"))

    def to_dict(self) -> dict:
        """JSON-ready summary (money in £, rounded to the pound)."""
        t = self.table()
        return {
            "name": self.name,
            "la_code": self.mitigated.la_code,
            "scenario_files": [s.file for s in self.scenarios],
            "discount_rate": self.discount_rate,
            "payback_year": self.payback_year(),
            "payback": self.payback_text(),
            "investment_total": round(float(t["investment"].sum())),
            "savings_total": round(float(t["savings"].sum())),
            "npv": round(self.npv()),
            "payback_probability": round(self.payback_probability(), 3),
            "by_year": [
                {"financial_year": fy, **{c: round(float(t.loc[fy, c])) for c in t.columns}}
                for fy in t.index
            ],
        }


def discount_factors(n_years: int, rate: float) -> np.ndarray:
    """``1 / (1 + rate) ** t`` for t = 0 .. n_years-1 (the first year undiscounted)."""
    return 1.0 / (1.0 + rate) ** np.arange(n_years)


def npv(net: Sequence[float], rate: float) -> float:
    """Net present value of a yearly net benefit series, the first year undiscounted."""
    net = np.asarray(net, dtype=float)
    return float((net * discount_factors(len(net), rate)).sum())


def payback_year(fys: Sequence[str], net: Sequence[float]) -> str | None:
    """First year in which the running total of net benefit reaches 0 (None if it never does).

    A series that never goes below zero pays back in its first year.
    """
    cum = np.cumsum(np.asarray(net, dtype=float))
    hits = np.nonzero(cum >= -1e-9)[0]
    # payback is the first year from which the running total stays non-negative
    for i in hits:
        if (cum[i:] >= -1e-9).all():
            return fys[i]
    return None


def apply_scenarios(
    inputs: Mapping, state: PlacementState, scenarios: Sequence[Scenario],
    assumptions: Assumptions = AS_GIVEN,
) -> tuple[PlacementState, dict[str, np.ndarray], dict[str, np.ndarray], dict[str, str], list[LeverEffect]]:
    """Apply every lever of every scenario in order to a copy of ``state``.

    Returns the mitigated state, DSG-funded cost lines, cost lines outside the DSG, labels, and
    each lever's effect.
    """
    state = state.copy()
    delivery = _per_draw(assumptions.delivery, state.n_draws)
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


def evaluate(
    inputs: Mapping, paths: pd.DataFrame, scenarios: Sequence[Scenario],
    assumptions: Assumptions = AS_GIVEN, discount_rate: float | None = None,
    last_fy: str | None = None, name: str | None = None,
) -> ScenarioResult:
    """Unmitigated and mitigated DSG projections for one scenario or several combined."""
    if not scenarios:
        raise ConfigError("no scenario given")
    scenarios = [bind(s, first_mitigation_year(inputs, paths)) for s in scenarios]
    base = baseline_state(inputs, paths, assumptions, last_fy)
    unmitigated = project_from_state(inputs, base, "unmitigated", assumptions=assumptions)
    state, dsg, outside, labels, effects = apply_scenarios(inputs, base, scenarios, assumptions)
    label = name or " + ".join(s.name for s in scenarios)
    mitigated = project_from_state(inputs, state, label, extra_expenditure=dsg, outside_dsg=outside,
                                   extra_labels=labels, assumptions=assumptions)
    if discount_rate is None:
        rates = {s.discount_rate for s in scenarios if s.discount_rate is not None}
        discount_rate = rates.pop() if len(rates) == 1 else DEFAULT_DISCOUNT_RATE
    return ScenarioResult(label, unmitigated, mitigated, float(discount_rate), effects, tuple(scenarios))


def step_down_saving(inputs: Mapping, fys: Sequence[str]) -> np.ndarray:
    """£ saved a year by one placement moved from independent/non-maintained to state special,
    at each year's prices (unit costs inflated from the price year)."""
    uc = inputs["unit_costs"]
    diff = float(uc["by_setting_group"]["special_indep_nm"]) - float(uc["by_setting_group"]["special_state"])
    return diff * growth_factors(float(uc["inflation"]), list(fys), uc["price_year"], 1)[0]


def required_savings(projection: DSGProjection, unit_saving: float | Sequence[float] | None = None) -> pd.DataFrame:
    """What must be true for balance: the further saving each year needs for an in-year balance,
    and (with ``unit_saving``, £ saved a year per placement moved, e.g. :func:`step_down_saving`,
    one value or one per year) how many placements that is."""
    gap = np.clip(-projection.in_year, 0.0, None)
    frame = pd.DataFrame({
        "in_year_gap_mean": gap.mean(axis=0),
        "in_year_gap_p90": np.quantile(gap, 0.9, axis=0),
        "cumulative_mean": projection.cumulative.mean(axis=0),
    }, index=pd.Index(projection.fys, name="financial_year"))
    if unit_saving is not None:
        frame["placements_to_move"] = frame["in_year_gap_mean"] / np.asarray(unit_saving, dtype=float)
    return frame


# ----------------------------------------------------------------------- comparing scenarios


def default_scenario_files() -> list[Path]:
    """The scenario files shipped in the project's ``scenarios/`` folder."""
    from send_analysis.paths import project_root

    return sorted((project_root() / "scenarios").glob("*.yaml"))


def load_applicable(files: Sequence[str | Path], inputs: Mapping, paths: pd.DataFrame | None = None
                    ) -> tuple[list[Scenario], list[tuple[str, str]]]:
    """Load the scenario files that are valid for these inputs (and paths: mitigations start no
    earlier than :func:`~send_analysis.finance.model.first_mitigation_year`); list the others with
    the reason (e.g. a start before that year, or no invest_to_save block)."""
    first = first_mitigation_year(inputs, paths) if paths is not None else inputs["first_forecast_year"]
    ok: list[Scenario] = []
    skipped: list[tuple[str, str]] = []
    for f in files:
        try:
            s = load_scenario(f, first_fy=first)
            if any(lv.get("posts_from_inputs") for lv in s.levers) and not inputs.get("invest_to_save"):
                raise ConfigError(f"file {f}: uses the inputs' invest_to_save posts, which these inputs do not have")
            ok.append(s)
        except ConfigError as exc:
            skipped.append((str(f), str(exc)))
    return ok, skipped


def compare(inputs: Mapping, paths: pd.DataFrame, scenarios: Sequence[Scenario],
            discount_rate: float | None = None, assumptions: Assumptions = AS_GIVEN) -> list[ScenarioResult]:
    """Each scenario alone, then (with more than one) all of them combined, on the same draws."""
    results = [evaluate(inputs, paths, [s], assumptions, discount_rate) for s in scenarios]
    if len(scenarios) > 1:
        results.append(evaluate(inputs, paths, scenarios, assumptions, discount_rate,
                                name="All scenarios combined"))
    return results


def first_balanced_year(projection: DSGProjection) -> str | None:
    """First financial year from which the mean in-year balance stays at or above zero."""
    m = projection.in_year.mean(axis=0)
    for i in range(len(m)):
        if (m[i:] >= 0).all():
            return projection.fys[i]
    return None


def comparison_table(results: Sequence[ScenarioResult], scale: float = 1e6) -> pd.DataFrame:
    """One row per scenario: total savings, investment and net benefit over the horizon (£m),
    payback year, NPV (£m), cumulative balance at the horizon unmitigated and mitigated (£m),
    the first year of in-year balance, and the share of draws that pay back."""
    rows = []
    for r in results:
        t = r.table()
        rows.append({
            "Scenario": r.name,
            "Savings": t["savings"].sum() / scale,
            "Investment": t["investment"].sum() / scale,
            "Net benefit": t["net_benefit"].sum() / scale,
            "Payback year": r.payback_text(),
            "NPV": r.npv() / scale,
            "Cumulative, unmitigated": t["unmitigated_cumulative"].iloc[-1] / scale,
            "Cumulative, mitigated": t["mitigated_cumulative"].iloc[-1] / scale,
            "In-year balance from": first_balanced_year(r.mitigated) or "not in horizon",
            "Draws paying back": r.payback_probability(),
        })
    return pd.DataFrame(rows).set_index("Scenario")


def _scenario_colours() -> list[str]:
    """The pack's palette without the unmitigated/mitigated colours (and the pale yellow)."""
    from send_analysis.plots import COLOURS, PALETTE

    taken = {COLOURS["unmitigated"], COLOURS["mitigated"], "#F0E442"}
    return [c for c in PALETTE if c not in taken]


def plot_trajectories(results: Sequence[ScenarioResult], ax=None, title: str | None = None):
    """Mean cumulative balance: unmitigated, each scenario, and the combination (if any)."""
    import matplotlib.pyplot as plt

    from send_analysis.plots import COLOURS, balance_axes

    if ax is None:
        _, ax = plt.subplots()
    base = results[0].unmitigated
    palette = _scenario_colours()
    x = [base.opening_fy, *base.fys]
    ax.plot(x, [base.opening_cumulative, *base.cumulative.mean(axis=0)], color=COLOURS["unmitigated"],
            lw=2.5, marker="o", ms=3, label="Unmitigated")
    for i, r in enumerate(results):
        combined = len(results) > 1 and i == len(results) - 1
        colour = COLOURS["mitigated"] if combined or len(results) == 1 else palette[i % len(palette)]
        ax.plot(x, [base.opening_cumulative, *r.mitigated.cumulative.mean(axis=0)], color=colour,
                lw=2.5 if combined else 1.5, ls="-" if combined or len(results) == 1 else "--",
                marker="o", ms=3, label=r.name)
    return balance_axes(ax, "Cumulative DSG balance (mean)", title or "Cumulative balance with and without mitigations")


def plot_savings(results: Sequence[ScenarioResult], ax=None, title: str | None = None):
    """Savings against unmitigated by financial year, one bar group per scenario (mean)."""
    import matplotlib.pyplot as plt

    from send_analysis.plots import COLOURS, pounds_m

    if ax is None:
        _, ax = plt.subplots()
    fys = results[0].fys
    palette = _scenario_colours()
    width = 0.8 / len(results)
    for i, r in enumerate(results):
        combined = len(results) > 1 and i == len(results) - 1
        xs = np.arange(len(fys)) + (i - (len(results) - 1) / 2) * width
        ax.bar(xs, r.savings().mean(axis=0), width=width, label=r.name,
               color=COLOURS["mitigated"] if combined else palette[i % len(palette)])
    ax.set_xticks(np.arange(len(fys)), fys)
    pounds_m(ax)
    ax.set_xlabel("Financial year")
    ax.set_ylabel("Saving against unmitigated (£ a year)")
    ax.set_title(title or "Savings by scenario and year")
    ax.legend(loc="upper left", fontsize=8)
    return ax


__all__ = [
    "DEFAULT_DISCOUNT_RATE", "LEVERS", "compare", "comparison_table", "default_scenario_files",
    "first_balanced_year", "load_applicable", "plot_savings", "plot_trajectories", "LEVER_KEYS", "LeverEffect", "Scenario", "ScenarioResult",
    "apply_scenarios", "discount_factors", "evaluate", "load_scenario", "npv",
    "payback_year", "required_savings", "step_down_saving", "validate_scenario",
]
