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


def _stats(arr: np.ndarray | None) -> dict[str, float | None]:
    """Mean and 80% band (10th/90th percentiles, as ``DSGProjection.summary_frame``) of one
    value per draw; no band when every draw is the same (a known balance)."""
    if arr is None:
        return {"value": None, "lower80": None, "upper80": None}
    arr = np.asarray(arr, dtype=float)
    lo, hi = float(np.quantile(arr, 0.1)), float(np.quantile(arr, 0.9))
    if np.ptp(arr) == 0:
        return {"value": float(arr.mean()), "lower80": None, "upper80": None}
    return {"value": float(arr.mean()), "lower80": lo, "upper80": hi}


def _date(fy: str) -> str:
    return f"31 March {fy_start(fy) + 1}"


def rule_balances(projection, inputs: Mapping) -> dict[str, dict | None]:
    """The balances the rules make decisive, as plain numbers (JSON-ready):

    - ``writeoff_base``: the balance at 31 March of ``rules.writeoff.base_year`` (mean and 80%
      band), with ``writeoff`` (the grant: share, mean and band, the year paid, whether the base
      is the LA's own high-needs figure);
    - ``override_end``: the balance at 31 March of ``rules.statutory_override_end`` without the
      write-off, ``with_writeoff`` (the grant counted once paid) and ``accrued_since_base`` (the
      deficit accrued after the base year: what the LA carries besides the unwritten share).

    A year the projection does not reach (or before its opening) is None."""
    r = rules_of(inputs)
    w = r.get("writeoff") or {}
    base_fy = str(w.get("base_year", DEFAULT_RULES["writeoff"]["base_year"]))
    end_fy = str(r.get("statutory_override_end", DEFAULT_RULES["statutory_override_end"]))
    base = balance_at(projection, base_fy)
    grant = writeoff_grant(projection, r) if w else None
    out: dict[str, dict | None] = {"writeoff_base": None, "override_end": None}
    if base is not None:
        out["writeoff_base"] = {**_stats(base), "financial_year": base_fy, "date": _date(base_fy)}
    if grant is not None and out["writeoff_base"] is not None:
        out["writeoff_base"]["writeoff"] = {
            **_stats(grant), "share": float(w["share"]), "paid_in": str(w["paid_in"]),
            "base": "the LA's own figure" if w.get("base_deficit") is not None
            else "the projected whole-DSG deficit"}
    end = balance_at(projection, end_fy)
    if end is not None:
        fig: dict = {**_stats(end), "financial_year": end_fy, "date": _date(end_fy)}
        if grant is not None and fy_start(str(w["paid_in"])) <= fy_start(end_fy):
            fig["with_writeoff"] = _stats(end + grant)
        if base is not None and fy_start(end_fy) > fy_start(base_fy):
            fig["accrued_since_base"] = {**_stats(end - base),
                                         "from": f"1 April {fy_start(base_fy) + 1}"}
        out["override_end"] = fig
    return out


def rule_balances_table(unmitigated: Mapping, mitigated: Mapping | None = None,
                        end: Mapping | None = None, end_mitigated: Mapping | None = None,
                        ) -> pd.DataFrame:
    """The costs page's table (£m, negative = deficit): one row per date (the write-off's base,
    the override's end, the projection's last year) and view (without and with the write-off,
    accrued since the base), columns unmitigated and mitigated, each ``mean (10th to 90th)``.
    ``unmitigated``/``mitigated``: :func:`rule_balances`; ``end``/``end_mitigated``: the last
    year's ``{value, lower80, upper80, date}``."""
    def cell(f: Mapping | None) -> str:
        if not f or f.get("value") is None:
            return ""
        def m(x: float) -> str:
            return f"{x / 1e6:,.1f}".replace("-", "\u2212")  # a true minus sign

        band = "" if f.get("lower80") is None else f" ({m(f['lower80'])} to {m(f['upper80'])})"
        return f"{m(f['value'])}{band}"

    mit = mitigated or {}
    rows = []
    b, bm = unmitigated.get("writeoff_base"), mit.get("writeoff_base")
    if b:
        rows.append((f"{b['date']}: the write-off's base", cell(b), cell(bm)))
        if b.get("writeoff"):
            g = b["writeoff"]
            rows.append((f"Write-off ({g['share']:.0%} of the deficit, paid {g['paid_in']})",
                         cell(g), cell((bm or {}).get("writeoff"))))
    o, om = unmitigated.get("override_end"), mit.get("override_end")
    if o:
        rows.append((f"{o['date']}: the statutory override ends, without the write-off",
                     cell(o), cell(om)))
        if o.get("with_writeoff"):
            rows.append((f"{o['date']}, with the write-off", cell(o["with_writeoff"]),
                         cell((om or {}).get("with_writeoff"))))
        if o.get("accrued_since_base"):
            rows.append((f"{o['date']}, accrued from {o['accrued_since_base']['from']}",
                         cell(o["accrued_since_base"]),
                         cell((om or {}).get("accrued_since_base"))))
    if end:
        rows.append((f"{end['date']}: the projection's last year, without the write-off",
                     cell(end), cell(end_mitigated)))
    frame = pd.DataFrame(rows, columns=["Balance", "Unmitigated, £m (80% band)",
                                        "Mitigated, £m (80% band)"]).set_index("Balance")
    if mitigated is None:
        frame = frame.drop(columns="Mitigated, £m (80% band)")
    return frame


def writeoff_record(projection, inputs: Mapping) -> dict:
    """``dsg-plan --json``'s ``rules`` entry: the rules applied, :func:`rule_balances`, and by
    financial year the balance without and with the write-off and the deficit accrued since the
    base (mean, p10, p90; £, rounded), and the grant counted that year."""
    r = rules_of(inputs)
    view = writeoff_view(projection, r)

    def stats(row: pd.Series, name: str) -> dict | None:
        if pd.isna(row[f"{name}_mean"]):
            return None
        return {"mean": round(float(row[f"{name}_mean"])), "p10": round(float(row[f"{name}_p10"])),
                "p90": round(float(row[f"{name}_p90"]))}

    years = [{"financial_year": fy, "without_writeoff": stats(row, "without_writeoff"),
              "with_writeoff": stats(row, "with_writeoff"),
              "accrued_since_base": stats(row, "accrued_since_base"),
              "grant": round(float(row["grant_mean"]))} for fy, row in view.iterrows()]
    return {"rules": r, "balances": rule_balances(projection, inputs), "years": years}
