"""The LA's own latest year moves the start of the projection (issue 18, decisions 0087-0088).

Applied by :func:`send_analysis.finance.resolve.resolve_inputs` to the inputs after the LA's file
is merged over the public defaults. The keys (``docs/finance_inputs.md``):

- ``outturn: {2025-26: {high_needs_spend: N}}``: the LA's own high-needs spend (the scope of S251
  lines 1.2.x) for the years after the last published S251 year, or, with ``replace: true``, for
  the last published year itself. The latest becomes the **base year**: the public mix of unit
  costs and other lines is grown to it and rebased so that the base year reproduces the LA's
  own figure (decision 0066's rule, on the LA's year); an LA that gives its own unit costs or
  other lines keeps them as given.
- ``outturn: {2025-26: {high_needs_spend: N, lines: {<line>: amount, ...}}}``: the same year by
  the reconciliation table's lines (setting groups and other expenditure lines, adding up to
  ``high_needs_spend``): the base year's lines are then the LA's own - each group's unit cost is
  its line over the base year's placements, each other line its amount - instead of one factor
  rebasing every public line (decision 0105).
- ``opening_balance`` must then be the LA's own balance at 31 March of the base year (a balance
  year that does not meet the outturn year is refused).
- ``first_forecast_year`` is the year after the opening balance; a file that states another is
  refused.
- Public support and LA contributions before the first forecast year are in the LA's balance and
  dropped; a public HNB series that stops short is grown at the income growth rate to the year
  before the first forecast year (an ESTIMATE, said in ``sources``).
- ``monitoring: {2026-27: {spend: N, income: N}}`` is for the current year only: the first
  forecast year, which must be the financial year of today's date (decision 0088).

Every error names the file and key (:class:`~send_analysis.errors.ConfigError`).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping

from send_analysis.data.own_plans import with_own_plans
from send_analysis.data.tables import Tables
from send_analysis.errors import ConfigError
from send_analysis.finance import current
from send_analysis.finance.inputs import OTHER_DSG_LINE, OWN_PREFIX
from send_analysis.finance.years import fy_label, fy_offset, fy_start


def current_fy(today: dt.date | None = None) -> str:
    """The financial year (April to March) of ``today`` (default: the clock's date)."""
    today = today or dt.date.today()
    return fy_label(today.year if today.month >= 4 else today.year - 1)


def _fail(source: str, key: str, message: str) -> ConfigError:
    return ConfigError(f"file {source}: key {key!r}: {message}")


def base_year(user: Mapping, published_last: str, source: str) -> str:
    """The latest year with actual spend: the LA's own outturn or the last published one.

    Refuses an outturn year at or before the published ones without ``replace: true`` (only the
    last published year, the base of the public defaults, can be replaced) and a gap between the
    published years and the LA's."""
    own = user.get("outturn") or {}
    last = fy_start(published_last)
    for fy, row in own.items():
        y = fy_start(fy)
        if y < last:
            raise _fail(source, f"outturn.{fy}",
                        f"{fy} is before the last published S251 year ({published_last}): only "
                        f"{published_last} (the base year) can be replaced, with replace: true")
        if y == last and not row.get("replace"):
            raise _fail(source, f"outturn.{fy}",
                        f"{fy} is published (S251 outturn): add 'replace: true' to use the LA's "
                        "own figure in its place")
    years = sorted(fy_start(fy) for fy in own)
    missing = [fy_label(y) for y in range(last + 1, max(years, default=last) + 1) if y not in years]
    if missing:
        raise _fail(source, "outturn", f"missing {', '.join(missing)} between the last published "
                                       f"S251 year ({published_last}) and the last year given")
    return fy_label(max([last, *years]))


def _rebase(inputs: dict, default: Mapping, user: Mapping, base: str, spend: float,
            tables: Tables | None, source: str) -> None:
    """Public unit costs and other lines grown to ``base`` and rebased to the LA's own outturn
    (in place). Figures the LA gave itself are kept as given."""
    uc = inputs["unit_costs"]
    years = fy_start(base) - fy_start(uc["price_year"])
    own_uc = "unit_costs" in user or "other_expenditure" in user
    other = inputs.get("other_expenditure") or {}
    if own_uc and ((user.get("outturn") or {}).get(base) or {}).get("lines"):
        given = [k for k in ("unit_costs", "other_expenditure") if k in user]
        raise _fail(source, f"outturn.{base}.lines",
                    f"give the base year's lines or {' and '.join(given)}, not both: the lines "
                    "set the base year's unit costs and other lines")
    if own_uc:
        return
    infl = float(uc["inflation"])
    grown_uc = {g: float(c) * (1 + infl) ** years for g, c in uc["by_setting_group"].items()}
    grown = {n: {**v, "amount": float(v["amount"]) * (1 + float(v.get("growth", 0.0))) ** years}
             for n, v in other.items()}
    dsg_line = grown.pop(OTHER_DSG_LINE, None)
    placements = current.fy_groups(str(inputs["la_code"]), base, with_own_plans(tables, inputs))
    lines = ((user.get("outturn") or {}).get(base) or {}).get("lines")
    if lines:
        unit, rest = by_line(lines, grown_uc, grown, placements, base, source)
        note = (f"the LA's own {base} outturn by line ({source}): each setting group's unit cost "
                f"is its line over the {base} placements, each other line its amount; decision "
                "0105")
    else:
        rec = current.reconcile(grown_uc, grown, placements, spend)
        unit, rest = rec["unit_costs"], rec["other"]
        note = (f"the public mix grown to {base} and rebased x {rec['factor']:.4f} so that {base} "
                f"placements x unit costs + other lines = the LA's own {base} outturn "
                f"£{spend:,.0f} ({source}); decision 0087")
    uc["by_setting_group"] = unit
    uc["price_year"] = base
    inputs["other_expenditure"] = {**rest, **(
        {OTHER_DSG_LINE: {**dsg_line, "amount": round(dsg_line["amount"], 2)}} if dsg_line else {})}
    sources = inputs.setdefault("sources", {})
    if lines:  # the LA's own lines: whose each figure is (the placements are the base year's)
        for g in unit:
            sources[f"unit_costs.by_setting_group.{g}"] = (
                f"{OWN_PREFIX} ({source}): the {base} outturn line £{float(lines[g]):,.0f} over "
                f"{float(placements.get(g, 0.0)):,.1f} {base} placements; decision 0105")
        for n in rest:
            sources[f"other_expenditure.{n}.amount"] = (
                f"{OWN_PREFIX} ({source}): the {base} outturn line; decision 0105")
    for key in list(sources):
        if key.startswith(("unit_costs.by_setting_group", "other_expenditure.")) and \
                not key.endswith(OTHER_DSG_LINE) and not lines:
            sources[key] = f"{sources[key]}; then {note}"
    sources["unit_costs.price_year"] = f"{base}: {note}"


def by_line(lines: Mapping[str, float], unit_costs: Mapping[str, float],
            other: Mapping[str, Mapping], placements: Mapping[str, float], base: str,
            source: str) -> tuple[dict[str, float], dict[str, dict]]:
    """The base year's unit costs and other lines from the LA's own outturn by line (decision
    0105): a setting group's unit cost is its line over the base year's placements in the group
    (a group with no placements and nothing spent keeps ``unit_costs``' figure), an other line is
    its amount (its growth kept). ``lines`` must name every line of the model (``unit_costs``'
    groups and ``other``'s lines), and only those. Pure.

    >>> u, o = by_line({"mainstream": 300.0, "therapies": 50.0}, {"mainstream": 9.0},
    ...                {"therapies": {"amount": 1.0, "growth": 0.02}}, {"mainstream": 10.0},
    ...                "2025-26", "f.yaml")
    >>> u, o
    ({'mainstream': 30.0}, {'therapies': {'amount': 50.0, 'growth': 0.02}})
    """
    key = f"outturn.{base}.lines"
    model = [*unit_costs, *other]
    unknown = [n for n in lines if n not in model]
    if unknown:
        raise _fail(source, f"{key}.{unknown[0]}",
                    f"not a line of the reconciliation table (lines: {', '.join(model)})")
    missing = [n for n in model if n not in lines]
    if missing:
        raise _fail(source, key, f"missing {', '.join(missing)}: give every line of the "
                                 "reconciliation table (0 for a line the LA spent nothing on)")
    unit: dict[str, float] = {}
    for g, cost in unit_costs.items():
        n, amount = float(placements.get(g, 0.0)), float(lines[g])
        if n > 0:
            unit[g] = round(amount / n, 2)
        elif amount == 0:
            unit[g] = round(float(cost), 2)
        else:
            raise _fail(source, f"{key}.{g}",
                        f"£{amount:,.0f} but no {g} placements in {base}: a unit cost cannot be "
                        "formed; give unit_costs instead")
    rest = {n: {**v, "amount": round(float(lines[n]), 2)} for n, v in other.items()}
    return unit, rest


def _fill_income(inputs: dict, user: Mapping, first: str) -> None:
    """Drop public support and contributions before ``first`` (they are in the LA's balance);
    grow a public HNB series that stops short to the year before ``first`` (an ESTIMATE)."""
    inc = inputs["income"]
    own_income = user.get("income") or {}
    for key in ("support", "la_contributions", "block_transfers"):
        if key not in own_income and inc.get(key):
            inc[key] = {fy: v for fy, v in inc[key].items() if fy_start(fy) >= fy_start(first)}
    alloc = inc["hnb_allocation"]
    if "hnb_allocation" in own_income:
        return
    last = max(alloc, key=fy_start)
    added = []
    while fy_start(last) < fy_start(first) - 1:
        nxt = fy_offset(last, 1)
        alloc[nxt] = round(float(alloc[last]) * (1 + float(inc["growth_rate"])), 2)
        added.append(nxt)
        last = nxt
    if added:
        sources = inputs.setdefault("sources", {})
        sources["income.hnb_allocation"] = (
            f"{sources.get('income.hnb_allocation', 'public allocations')}; "
            f"{', '.join(added)} ESTIMATE: no published allocation in the data, the last one "
            f"grown at {float(inc['growth_rate']):.4f} a year to the year before the first "
            f"forecast year {first}")


def apply_own_year(inputs: Mapping, user: Mapping, default: Mapping, source: str,
                   tables: Tables | None = None, today: dt.date | None = None) -> dict:
    """``inputs`` (the user's file ``user`` merged over ``default``) with the LA's own latest
    year applied (module docstring). Pure apart from reading the public data."""
    out = copy.deepcopy(dict(inputs))
    published_last = str(default["unit_costs"]["price_year"])
    base = base_year(user, published_last, source)
    ob = out["opening_balance"]
    own_ob = user.get("opening_balance") or {}
    if "financial_year" in own_ob and own_ob["financial_year"] != \
            default["opening_balance"]["financial_year"] and "cumulative" not in own_ob:
        raise _fail(source, "opening_balance.cumulative",
                    f"missing: give the LA's own balance at 31 March "
                    f"{fy_start(own_ob['financial_year']) + 1} (the public estimate is for 31 March "
                    f"{fy_start(default['opening_balance']['financial_year']) + 1})")
    if own_ob.get("financial_year", ob["financial_year"]) != \
            default["opening_balance"]["financial_year"] and "in_year" not in own_ob:
        ob.pop("in_year", None)  # the public estimate's in-year step is for another year
        out.get("sources", {}).pop("opening_balance.in_year", None)
    if user.get("outturn"):
        if ob["financial_year"] != base:
            raise _fail(source, "opening_balance.financial_year",
                        f"the balance at 31 March {fy_start(ob['financial_year']) + 1} does not meet "
                        f"the outturn year {base}: give the LA's balance at 31 March "
                        f"{fy_start(base) + 1} (financial_year: {base})")
        _rebase(out, default, user, base, float(user["outturn"][base]["high_needs_spend"]), tables,
                source)
    first = fy_offset(ob["financial_year"], 1)
    stated = user.get("first_forecast_year")
    if stated is not None and stated != first:
        raise _fail(source, "first_forecast_year",
                    f"{stated} contradicts opening_balance.financial_year "
                    f"{ob['financial_year']}: the first forecast year is the year after the "
                    f"opening balance ({first}); delete the key, it follows from the others")
    out["first_forecast_year"] = first
    ob_source = str((out.get("sources") or {}).get("opening_balance.financial_year", ""))
    out.setdefault("sources", {})["first_forecast_year"] = (
        (f"{ob_source.split(')')[0]}): " if ob_source.startswith(OWN_PREFIX) else "")
        + f"the year after the opening balance ({ob['financial_year']}); it follows, never typed")
    _fill_income(out, user, first)
    for fy in user.get("monitoring") or {}:
        now = current_fy(today)
        if fy != first or fy != now:
            why = (f"the current year is {now}" if fy != now else
                   f"the first year without an outturn and balance here is {first}: give the "
                   f"{fy_offset(fy, -1)} outturn and the balance at 31 March {fy_start(fy)} first")
            raise _fail(source, f"monitoring.{fy}",
                        f"budget monitoring is for the current year only ({why})")
    return out
