"""The national rules for DSG deficits and High Needs Block income as they stand (February 2026),
as inputs with defaults (``rules:`` in the inputs file; ``docs/finance_rules.md`` gives each
rule's source; decision 0091).

- ``rules.statutory_override_end``: the last financial year the statutory override covers (its
  31 March is the override's end): ``"2027-28"`` (31 March 2028). From 2028-29 SEND costs are to
  be met within central government's spending limits.
- ``rules.writeoff``: the High Needs Stability Grant: ``share`` (0.9) of the DSG deficit at
  31 March of ``base_year`` (``"2025-26"``: 31 March 2026), paid in ``paid_in`` (``"2026-27"``,
  autumn 2026), conditional on the DfE approving the LA's local SEND reform plan. The optional
  ``base_deficit`` is the LA's own figure (the lowest it reported, high-needs overspends only,
  a positive amount of pounds); without it the base is the projected whole-DSG deficit.
- ``rules.hnb_settlement``: England's announced change in the High Needs Block by financial
  year (a fraction), used for a year after the last allocation the inputs give and before the
  income growth rule: 2024-25 +4.3%, 2025-26 about +9% (about £1bn on about £11bn),
  2026-27 0 (allocations rolled over at 2025-26 levels).

:func:`writeoff_view` turns a projection into the balance with and without the grant and the
deficit accrued since the base year. Pure: numbers in, numbers out.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from send_analysis.finance.years import fy_start

#: The rules as announced, February 2026 (sources: docs/finance_rules.md).
DEFAULT_RULES: dict[str, Any] = {
    "statutory_override_end": "2027-28",
    "writeoff": {"share": 0.9, "base_year": "2025-26", "paid_in": "2026-27"},
    "hnb_settlement": {"2024-25": 0.043, "2025-26": 0.09, "2026-27": 0.0},
}

#: ``sources`` entries of the defaults (the inputs file's provenance column).
RULE_SOURCES: dict[str, str] = {
    "rules.statutory_override_end": (
        "RULE (February 2026): the statutory override (DSG deficits kept off councils' general "
        "reserves) extended to 31 March 2028; from 2028-29 SEND costs to be met within central "
        "government's spending limits; docs/finance_rules.md, decision 0091"),
    "rules.writeoff": (
        "RULE (February 2026): 90% of each LA's historic high-needs deficit up to 2025-26 "
        "written off through a High Needs Stability Grant, paid autumn 2026, conditional on the "
        "DfE approving the LA's local SEND reform plan; base: the DSG deficit at 31 March 2026 "
        "(the lowest of the LA's reported figures, high-needs overspends only). Public data "
        "give the whole-DSG balance only: give rules.writeoff.base_deficit for the LA's own "
        "high-needs figure; docs/finance_rules.md, decision 0091"),
    "rules.hnb_settlement": (
        "RULE (announced settlements): England's High Needs Block 2024-25 +4.3% (DfE, national "
        "funding formulae 2024-25: +£440m to £10.5bn), 2025-26 about +9% (about £1bn to over "
        "£12bn), 2026-27 0% (allocations rolled over at 2025-26 levels, the formula suspended); "
        "applied after the last allocation given, before income.growth_rate; "
        "docs/finance_rules.md, decision 0091"),
}


def default_rules() -> dict[str, Any]:
    """A fresh copy of :data:`DEFAULT_RULES`."""
    return copy.deepcopy(DEFAULT_RULES)


def rules_of(inputs: Mapping) -> dict[str, Any]:
    """The inputs' ``rules`` over the defaults, section by section (an inputs mapping without
    ``rules`` gets the defaults; ``rules.writeoff: null`` means no write-off)."""
    out = default_rules()
    given = inputs.get("rules")
    if not isinstance(given, Mapping):
        return out
    for key, value in given.items():
        if key == "writeoff" and isinstance(value, Mapping):
            out["writeoff"] = {**out["writeoff"], **dict(value)}
        else:
            out[key] = copy.deepcopy(value)
    return out


def settled_growth(inputs: Mapping) -> dict[str, float]:
    """``rules.hnb_settlement`` as ``{financial year: rate}`` (empty when switched off)."""
    s = rules_of(inputs).get("hnb_settlement") or {}
    return {str(k): float(v) for k, v in s.items()}


def hnb_path(alloc: Mapping[str, float], fys: list[str], settlement: Mapping[str, float],
             growth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """HNB by draw and year: the allocation where given; after the last given year, each year
    the previous one x (1 + the settlement's rate) where the settlement names the year, else x
    (1 + ``growth``, ``(n_draws, 1)``). Returns the path ``(n_draws, n_fys)`` and, per year, the
    years since the last year given or settled (0 for those years: no income spread)."""
    n = growth.shape[0]
    last_given = max(alloc, key=fy_start)
    out = np.empty((n, len(fys)))
    ahead = np.zeros(len(fys), dtype=int)
    # start from the last given allocation and walk year by year to each projected year
    value = np.full((n, 1), float(alloc[last_given]))
    announced = fy_start(last_given)
    y = fy_start(last_given)
    by_start = {fy_start(f): f for f in fys}
    end = max(fy_start(f) for f in fys)
    for j, f in enumerate(fys):
        if f in alloc:
            out[:, j] = float(alloc[f])
        elif fy_start(f) < y:  # before the last given year and not given: grown back from it
            out[:, j] = float(alloc[last_given]) * (1.0 + growth[:, 0]) ** (fy_start(f) - y)
    while y < end:
        y += 1
        label = f"{y}-{(y + 1) % 100:02d}"
        if label in settlement:
            value = value * (1.0 + settlement[label])
            announced = y
        else:
            value = value * (1.0 + growth)
        if y in by_start:
            j = fys.index(by_start[y])
            out[:, j] = value[:, 0]
            ahead[j] = y - announced
    return out, ahead


# ------------------------------------------------------------------------- the write-off


def balance_at(projection, fy: str) -> np.ndarray | None:
    """The cumulative balance at 31 March of ``fy`` per draw: a projected year, or the opening
    balance (its draws when it is an estimate with a band); None before the opening year or
    after the last projected year."""
    n = len(projection.draws)
    if fy == projection.opening_fy:
        if projection.opening_draws is not None:
            return np.asarray(projection.opening_draws, dtype=float)
        return np.full(n, float(projection.opening_cumulative))
    if fy in projection.fys:
        return projection.cumulative[:, projection.fys.index(fy)]
    return None


def writeoff_grant(projection, rules: Mapping) -> np.ndarray | None:
    """The High Needs Stability Grant per draw: ``share`` x the deficit at 31 March of
    ``base_year`` (the LA's own ``base_deficit`` when given, else the projected whole-DSG
    balance's deficit, 0 for a surplus); None without a write-off rule or when the base year's
    balance is not known (before the opening year, with no ``base_deficit``)."""
    w = rules.get("writeoff")
    if not w:
        return None
    n = len(projection.draws)
    if w.get("base_deficit") is not None:
        return np.full(n, float(w["share"]) * float(w["base_deficit"]))
    base = balance_at(projection, str(w["base_year"]))
    if base is None:
        return None
    return float(w["share"]) * np.clip(-base, 0.0, None)


def writeoff_view(projection, rules: Mapping) -> pd.DataFrame:
    """By financial year (rows): the cumulative balance without the write-off, with it (the
    grant counted from ``paid_in``) and the deficit accrued since 31 March of ``base_year``
    (the in-year balances from the year after it: what the LA carries besides the unwritten
    tenth), each as mean and 10th/90th percentiles across draws; and the grant's mean. Empty
    when :func:`writeoff_grant` is None."""
    grant = writeoff_grant(projection, rules)
    if grant is None:
        return pd.DataFrame()
    w = rules["writeoff"]
    cum = projection.cumulative
    paid = np.array([fy_start(f) >= fy_start(str(w["paid_in"])) for f in projection.fys])
    with_w = cum + np.where(paid[None, :], grant[:, None], 0.0)
    base = balance_at(projection, str(w["base_year"]))
    rows = {}
    for name, arr in (("without_writeoff", cum), ("with_writeoff", with_w)):
        rows[f"{name}_mean"] = arr.mean(axis=0)
        rows[f"{name}_p10"] = np.quantile(arr, 0.1, axis=0)
        rows[f"{name}_p90"] = np.quantile(arr, 0.9, axis=0)
    after = np.array([fy_start(f) > fy_start(str(w["base_year"])) for f in projection.fys])
    if base is not None:
        acc = np.where(after[None, :], cum - base[:, None], np.nan)
    else:  # the base is before the opening: accrued since = since the opening balance
        acc = np.full_like(cum, np.nan)
    rows["accrued_since_base_mean"] = acc.mean(axis=0)
    rows["accrued_since_base_p10"] = np.quantile(acc, 0.1, axis=0)
    rows["accrued_since_base_p90"] = np.quantile(acc, 0.9, axis=0)
    rows["grant_mean"] = np.where(paid, grant.mean(), 0.0)
    return pd.DataFrame(rows, index=pd.Index(projection.fys, name="financial_year"))
