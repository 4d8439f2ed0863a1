"""Scenario files: the schema (:data:`LEVER_KEYS`), relative years and validation.

Each lever is checked by the table :data:`LEVER_CHECKS` (key checks and rules across keys, in
the order their problems are reported) rather than by one long chain of conditions; a new lever
key gets a row there. Bad input raises :class:`~send_analysis.errors.ConfigError` naming the file
and the key (``levers[0].share``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from send_analysis.data.taxonomy import SETTING_GROUPS
from send_analysis.finance.inputs import (
    MAX_TEXT,
    Problems,
    check_count,
    check_fy,
    check_keys,
    check_money,
    check_rate,
    check_share,
    check_year_series,
)
from send_analysis.finance.years import fy_label, fy_start, is_fy_label

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
    #: The LA the file was written for (``la_code:`` in the file; ``None``: an example that runs
    #: for any LA). :func:`~send_analysis.finance.scenarios.load_applicable` applies it to that
    #: LA only.
    la_code: str | None = None

    def to_dict(self) -> dict:
        """The scenario as a mapping in the file's format (levers as written)."""
        d: dict = {"name": self.name, "levers": [dict(lv) for lv in (self.raw_levers or self.levers)]}
        if self.description:
            d["description"] = self.description
        if self.source:
            d["source"] = self.source
        if self.discount_rate is not None:
            d["discount_rate"] = self.discount_rate
        if self.la_code is not None:
            d["la_code"] = self.la_code
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


def _check_shares(p: Problems, key: str, lever: Mapping, k: str, first_fy: str | None) -> None:
    check_share(p, key, lever[k])


def _check_start_key(p: Problems, key: str, lever: Mapping, k: str, first_fy: str | None) -> None:
    _check_start(p, key, lever[k], first_fy)


def _check_count_key(p: Problems, key: str, lever: Mapping, k: str, first_fy: str | None) -> None:
    check_count(p, key, lever[k])


def _check_money_key(p: Problems, key: str, lever: Mapping, k: str, first_fy: str | None) -> None:
    check_money(p, key, lever[k])


def _check_group_key(p: Problems, key: str, lever: Mapping, k: str, first_fy: str | None) -> None:
    _check_group(p, key, lever[k], allow_none=(lever.get("type") == "invest_to_save" and k == "to_group"))


def _check_group_list(p: Problems, key: str, lever: Mapping, k: str, first_fy: str | None) -> None:
    fg = lever[k]
    if not isinstance(fg, list) or not fg:
        p.add(key, f"expected a list of setting groups, got {fg!r}")
        return
    for i, g in enumerate(fg):
        _check_group(p, f"{key}[{i}]", g)


def _check_mix_key(p: Problems, key: str, lever: Mapping, k: str, first_fy: str | None) -> None:
    _check_mix(p, key, lever[k])


def _check_opens(p: Problems, key: str, lever: Mapping, k: str, first_fy: str | None) -> None:
    opens = lever[k]
    if is_relative(opens):
        return
    if not isinstance(opens, int) or isinstance(opens, bool):
        p.add(key, f"expected the calendar year of the opening September, got {opens!r}")
    elif first_fy and opens < fy_start(first_fy):
        p.add(key, f"September {opens} is before the first forecast year {first_fy}")


def _check_fill(p: Problems, key: str, lever: Mapping, k: str, first_fy: str | None) -> None:
    fill = lever[k]
    if not isinstance(fill, list) or not fill:
        p.add(key, "expected a list of shares of places filled, one per academic year")
        return
    for i, v in enumerate(fill):
        check_share(p, f"{key}[{i}]", v)


def _check_year_map_key(p: Problems, key: str, lever: Mapping, k: str, first_fy: str | None) -> None:
    """A year map (``costs``, ``avoided_placements``) none of whose years is before ``first_fy``."""
    value = lever[k]
    _check_year_map(p, key, value)
    for year in value if isinstance(value, Mapping) else []:
        if first_fy and is_fy(year) and fy_start(year) < fy_start(first_fy):
            p.add(f"{key}.{year}", f"before the first forecast year {first_fy}")


def _check_posts(p: Problems, key: str, lever: Mapping, k: str, first_fy: str | None) -> None:
    if lever[k] not in ("dsg", "council", "all"):
        p.add(key, "expected dsg, council or all")


def _check_bool(p: Problems, key: str, lever: Mapping, k: str, first_fy: str | None) -> None:
    if not isinstance(lever[k], bool):
        p.add(key, "expected true or false")


def _check_funding(p: Problems, key: str, lever: Mapping) -> None:
    if lever.get("funding", "dsg") not in FUNDING:
        p.add(f"{key}.funding", f"expected one of {', '.join(FUNDING)}, got {lever.get('funding')!r}")


def _check_target(p: Problems, key: str, lever: Mapping) -> None:
    if lever.get("type") == "inclusion_target" and ("target_share" in lever) == ("target_increase" in lever):
        p.add(f"{key}.target_share", "give either target_share (the mainstream share to reach) or "
                                     "target_increase (points to add to the share), not both or neither")


def _check_order(p: Problems, key: str, lever: Mapping) -> None:
    if "start" in lever and "reach_by" in lever and is_fy(lever["start"]) and is_fy(lever["reach_by"]):
        if fy_start(lever["reach_by"]) < fy_start(lever["start"]):
            p.add(f"{key}.reach_by", "must not be before start")


#: A check of one key of a lever: ``(problems, "levers[i].key", lever, key, first_fy)``.
KeyCheck = Callable[[Problems, str, Mapping, str, str | None], None]
#: A check of a rule across keys: ``(problems, "levers[i]", lever)``.
LeverCheck = Callable[[Problems, str, Mapping], None]

#: The checks of a lever, in the order their problems are reported: ``(keys, check)`` runs the
#: key check on each of ``keys`` the lever has; ``(None, check)`` runs a rule across keys.
LEVER_CHECKS: tuple[tuple[tuple[str, ...] | None, KeyCheck | LeverCheck], ...] = (
    (("costs",), _check_year_map_key),
    (None, _check_funding),
    (None, _check_target),
    (("share", "reduction", "new_plans_share", "exit_rate", "target_share", "target_increase"), _check_shares),
    (("start", "reach_by"), _check_start_key),
    (None, _check_order),
    (("ramp_years", "capacity", "places"), _check_count_key),
    (("cost_per_place", "extra_cost_per_pupil"), _check_money_key),
    (("from_group", "to_group"), _check_group_key),
    (("from_groups",), _check_group_list),
    (("displaces", "mix"), _check_mix_key),
    (("opens",), _check_opens),
    (("fill",), _check_fill),
    (("avoided_placements",), _check_year_map_key),
    (("posts_from_inputs",), _check_posts),
    (("ongoing",), _check_bool),
)


def _validate_lever(p: Problems, key: str, lever: Mapping, first_fy: str | None) -> None:
    """Check one lever: its type and keys, then every entry of :data:`LEVER_CHECKS`."""
    kind = lever.get("type")
    if kind not in LEVER_KEYS:
        p.add(f"{key}.type", f"unknown lever type {kind!r} (expected one of {', '.join(LEVER_KEYS)})")
        return
    check_keys(p, key, lever, LEVER_KEYS[kind] | _COMMON)
    for k in sorted(_REQUIRED[kind] - set(lever)):
        p.add(f"{key}.{k}", "missing")
    for keys, check in LEVER_CHECKS:
        if keys is None:
            check(p, key, lever)
            continue
        for k in keys:
            if k in lever:
                check(p, f"{key}.{k}", lever, k, first_fy)


def is_fy(value: object) -> bool:
    """True for a financial year label (``"2021-22"``)."""
    return is_fy_label(value)


def validate_scenario(d: Mapping, source: str = "<scenario>", first_fy: str | None = None) -> Scenario:
    """Validate a scenario mapping; ``first_fy`` (the inputs' first forecast year) bounds the years."""
    p = Problems(source)
    check_keys(p, "", d, {"name", "description", "source", "discount_rate", "levers", "la_code"})
    if "la_code" in d and not (isinstance(d["la_code"], str) and re.fullmatch(r"\d{3}", d["la_code"])):
        p.add("la_code", f"expected a 3-digit DfE LA code in quotes, e.g. \"334\", got {d['la_code']!r}")
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
        discount_rate=d.get("discount_rate"), file=source, la_code=d.get("la_code"),
    )


def bind(scenario: Scenario, first_fy: str) -> Scenario:
    """Re-validate a scenario against the inputs' first forecast year (resolving relative years)."""
    return validate_scenario(scenario.to_dict(), source=scenario.file, first_fy=first_fy)
