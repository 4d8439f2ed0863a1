"""The LA finance inputs file: load, validate, merge (schema: ``docs/finance_inputs.md``).

Every error is a :class:`~send_analysis.errors.ConfigError` naming the file and the dotted key
(``unit_costs.by_setting_group.special_indep_nm``); all problems found in one pass are listed
together so that an officer can fix the file in one go. Validation never writes anything.

Merging (:func:`merge_inputs`): the user's file overrides any key of the public defaults. Nested
sections merge key by key, but a *table* the user gives (a year series such as
``income.hnb_allocation``, the ``other_expenditure`` lines, the ``invest_to_save`` block, the
``high_cost_tail``, the ``mitigations`` list) replaces the default table whole, so that one series
never mixes two sources and a user's expenditure lines are never double-counted against public
lines under other names. A key set to ``null`` in the user's file removes the default. A user's
``opening_balance.cumulative`` drops the public estimate's band (``p10``, ``p90``).
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pandas as pd

from send_analysis.data.taxonomy import SETTING_GROUPS
from send_analysis.errors import ConfigError
from send_analysis.finance.years import fy_label, fy_start, is_fy_label
from send_analysis.userfiles import read_user_yaml

#: Dotted keys whose value is replaced whole (not merged key by key) by a user's file.
REPLACE_WHOLE: frozenset[str] = frozenset(
    {
        "income.hnb_allocation",
        "income.block_transfers",
        "income.support",
        "income.la_contributions",
        "uncertainty",
        "other_expenditure",
        "high_cost_tail",
        "invest_to_save",
        "mitigations",
        "rules.hnb_settlement",
    }
)

TOP_LEVEL_KEYS: frozenset[str] = frozenset(
    {
        "la_code", "la_name", "first_forecast_year", "income", "opening_balance", "unit_costs",
        "high_cost_tail", "other_expenditure", "mitigations", "sources", "invest_to_save", "notes",
        "description", "uncertainty", "rules", "plans", "plans_by_setting_group",
        "plans_by_age_band", "outturn", "monitoring",
    }
)

#: Keys of the LA's own latest year (January census, outturn, monitoring): never in the public
#: defaults; checked against the published data by :mod:`send_analysis.finance.own_year`.
OWN_YEAR_KEYS: tuple[str, ...] = ("plans", "plans_by_setting_group", "plans_by_age_band",
                                  "outturn", "monitoring")

#: First January census year the published SEN2 series has (earlier years are refused).
FIRST_CENSUS_YEAR: int = 2010

#: Largest plausible amount in pounds for any one line or balance of one LA (England's whole High
#: Needs Block is about £11bn a year; the largest LA allocations are under £0.5bn): catches a
#: figure typed in pence or with extra zeros.
MAX_MONEY: float = 5e9

#: Longest text accepted in a free-text field (``la_name``, ``description``).
MAX_TEXT: int = 2000

#: The first financial year of the High Needs Block (the 2013 funding reform): unit costs at an
#: older year's prices would be uplifted over decades by one inflation rate.
FIRST_PRICE_YEAR: int = 2013

#: Largest plausible annual rate (growth, inflation), as a fraction: catches 3 written for 3%.
MAX_RATE: float = 0.5

#: The signed other-expenditure line (place funding and the other DSG blocks, decision 0066).
OTHER_DSG_LINE = "place_funding_and_other_dsg"

_ONGOING_RE = re.compile(r"^ongoing_from_\d{4}_\d{2}$")


def read_yaml(path: str | Path) -> dict:
    """Read a YAML mapping, refusing duplicate keys; errors name the file and line."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    data = read_user_yaml(path, "a YAML file of keys and values")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"file {path}: expected a mapping of keys at the top level")
    return data


class Problems:
    """Collects validation problems as (dotted key, message) and raises them together."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[tuple[str, str]] = []

    def add(self, key: str, message: str) -> None:
        self.items.append((key, message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        lines = [f"key {key!r}: {msg}" for key, msg in self.items]
        if len(lines) == 1:
            raise ConfigError(f"file {self.source}: {lines[0]}")
        raise ConfigError(f"file {self.source}: {len(lines)} problems:\n  " + "\n  ".join(lines))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_money(p: Problems, key: str, value: object, allow_negative: bool = False) -> bool:
    """A finite number of pounds up to :data:`MAX_MONEY`; negative only where allowed (balances,
    transfers)."""
    if not _is_number(value):
        p.add(key, f"expected an amount in pounds, got {value!r}")
        return False
    if value < 0 and not allow_negative:
        p.add(key, f"expected a cost of 0 or more, got {value!r}")
        return False
    if abs(value) > MAX_MONEY:
        p.add(key, f"expected an amount in pounds of at most £{MAX_MONEY:,.0f} (England's whole "
                   f"High Needs Block is about £11bn), got {value!r}")
        return False
    return True


def check_rate(p: Problems, key: str, value: object) -> bool:
    """An annual rate as a fraction between -0.5 and 0.5 (0.03 means 3%)."""
    if not _is_number(value) or not -MAX_RATE <= value <= MAX_RATE:
        p.add(key, f"expected an annual rate as a fraction between -{MAX_RATE} and {MAX_RATE} "
                   f"(0.03 for 3%), got {value!r}")
        return False
    return True


def check_share(p: Problems, key: str, value: object) -> bool:
    """A share between 0 and 1 (0-100%)."""
    if not _is_number(value) or not 0 <= value <= 1:
        p.add(key, f"expected a share between 0 and 1 (0-100%), got {value!r}")
        return False
    return True


def check_count(p: Problems, key: str, value: object) -> bool:
    """A count of 0 or more (may be fractional: placement-years)."""
    if not _is_number(value) or value < 0:
        p.add(key, f"expected a number of 0 or more, got {value!r}")
        return False
    return True


def check_fy(p: Problems, key: str, value: object) -> bool:
    """A financial year label ``"2021-22"``."""
    if not is_fy_label(value):
        p.add(key, f"expected a financial year like '2021-22', got {value!r}")
        return False
    return True


def check_year_series(
    p: Problems, key: str, value: object, *, allow_negative: bool = False, contiguous: bool = True
) -> bool:
    """A mapping financial year -> pounds, with well-formed, distinct, gap-free years."""
    if not isinstance(value, Mapping):
        p.add(key, f"expected a mapping of financial year to pounds, got {value!r}")
        return False
    ok = True
    starts: list[int] = []
    for year, amount in value.items():
        if not check_fy(p, f"{key}.{year}", year):
            ok = False
            continue
        starts.append(fy_start(year))
        ok &= check_money(p, f"{key}.{year}", amount, allow_negative=allow_negative)
    if ok and contiguous and starts:
        missing = sorted(set(range(min(starts), max(starts) + 1)) - set(starts))
        if missing:
            p.add(key, "missing financial year(s) " + ", ".join(fy_label(y) for y in missing)
                  + " between the first and last year given")
            ok = False
    return ok


def check_keys(p: Problems, key: str, value: Mapping, allowed: frozenset[str] | set[str]) -> None:
    """Report keys not in ``allowed``."""
    for k in value:
        if k not in allowed:
            where = f"{key}.{k}" if key else str(k)
            p.add(where, f"unknown key (expected one of {', '.join(sorted(allowed))})")


def _section(p: Problems, d: Mapping, key: str, required: bool, prefix: str = "") -> Mapping | None:
    if key not in d or d[key] is None:
        if required:
            p.add(prefix + key, "missing")
        return None
    value = d[key]
    if not isinstance(value, Mapping):
        p.add(prefix + key, f"expected a mapping, got {value!r}")
        return None
    return value


def _validate_income(p: Problems, d: Mapping, partial: bool) -> None:
    inc = _section(p, d, "income", not partial)
    if inc is None:
        return
    check_keys(p, "income", inc, {"hnb_allocation", "growth_rate", "block_transfers", "support",
                                  "la_contributions"})
    if "hnb_allocation" in inc:
        alloc = inc["hnb_allocation"]
        if check_year_series(p, "income.hnb_allocation", alloc) and not alloc:
            p.add("income.hnb_allocation", "expected at least one financial year")
    elif not partial:
        p.add("income.hnb_allocation", "missing")
    if "growth_rate" in inc:
        check_rate(p, "income.growth_rate", inc["growth_rate"])
    elif not partial:
        p.add("income.growth_rate", "missing")
    if inc.get("block_transfers"):
        check_year_series(p, "income.block_transfers", inc["block_transfers"], allow_negative=True,
                          contiguous=False)
    for key in ("support", "la_contributions"):
        if inc.get(key):
            check_year_series(p, f"income.{key}", inc[key], contiguous=False)


def _validate_opening(p: Problems, d: Mapping, partial: bool) -> None:
    ob = _section(p, d, "opening_balance", not partial)
    if ob is None:
        return
    check_keys(p, "opening_balance", ob, {"financial_year", "cumulative", "in_year", "p10", "p90"})
    for k in ("financial_year", "cumulative"):
        if k not in ob and not partial:
            p.add(f"opening_balance.{k}", "missing")
    if "financial_year" in ob:
        check_fy(p, "opening_balance.financial_year", ob["financial_year"])
    for k in ("cumulative", "in_year", "p10", "p90"):
        if k in ob and ob[k] is not None:
            check_money(p, f"opening_balance.{k}", ob[k], allow_negative=True)
    # the band is checked on the merged inputs only: an LA's own `cumulative` in an edited
    # finance-inputs file drops the public estimate's band when merged (resolve_inputs)
    if not partial and all(_is_number(ob.get(k)) for k in ("p10", "cumulative", "p90")) and not (
            ob["p10"] <= ob["cumulative"] <= ob["p90"]):
        p.add("opening_balance", f"expected p10 <= cumulative <= p90, got {ob['p10']}, "
                                 f"{ob['cumulative']}, {ob['p90']}")


def _validate_unit_costs(p: Problems, d: Mapping, partial: bool) -> None:
    uc = _section(p, d, "unit_costs", not partial)
    if uc is None:
        return
    check_keys(p, "unit_costs", uc, {"price_year", "inflation", "by_setting_group"})
    if "price_year" in uc:
        check_fy(p, "unit_costs.price_year", uc["price_year"])
    elif not partial:
        p.add("unit_costs.price_year", "missing")
    if "inflation" in uc:
        check_rate(p, "unit_costs.inflation", uc["inflation"])
    elif not partial:
        p.add("unit_costs.inflation", "missing")
    groups = _section(p, uc, "by_setting_group", not partial, prefix="unit_costs.")
    if groups is None:
        return
    for g, cost in groups.items():
        key = f"unit_costs.by_setting_group.{g}"
        if g not in SETTING_GROUPS:
            p.add(key, f"unknown setting group (expected one of {', '.join(SETTING_GROUPS)})")
            continue
        check_money(p, key, cost)
    if not partial:
        for g in SETTING_GROUPS:
            if g not in groups:
                p.add(f"unit_costs.by_setting_group.{g}", "missing: every setting group needs a unit cost")


def _validate_tail(p: Problems, d: Mapping) -> None:
    tail = _section(p, d, "high_cost_tail", False)
    if tail is None:
        return
    check_keys(p, "high_cost_tail", tail, {"threshold", "placements", "average_cost"})
    for k in ("threshold", "placements", "average_cost"):
        if k not in tail:
            p.add(f"high_cost_tail.{k}", "missing")
    if "threshold" in tail:
        check_money(p, "high_cost_tail.threshold", tail["threshold"])
    if "placements" in tail:
        check_count(p, "high_cost_tail.placements", tail["placements"])
    if "average_cost" in tail:
        check_money(p, "high_cost_tail.average_cost", tail["average_cost"])
    n, cost = tail.get("placements"), tail.get("average_cost")
    if _is_number(n) and _is_number(cost) and n * cost > MAX_MONEY:
        p.add("high_cost_tail", f"{n:,} placements at £{cost:,.0f} is £{n * cost / 1e9:,.1f}bn a "
              f"year, more than £{MAX_MONEY / 1e9:,.0f}bn (England's whole High Needs Block is "
              "about £11bn): check the number of placements")


def _validate_other(p: Problems, d: Mapping) -> None:
    other = _section(p, d, "other_expenditure", False)
    if other is None:
        return
    for name, line in other.items():
        key = f"other_expenditure.{name}"
        if not isinstance(line, Mapping):
            p.add(key, f"expected {{amount: ..., growth: ...}}, got {line!r}")
            continue
        check_keys(p, key, line, {"amount", "growth"})
        if "amount" not in line:
            p.add(f"{key}.amount", "missing")
        else:
            check_money(p, f"{key}.amount", line["amount"], allow_negative=name == OTHER_DSG_LINE)
        check_rate(p, f"{key}.growth", line.get("growth", 0.0))


def validate_invest_to_save(p: Problems, block: object, key: str = "invest_to_save") -> None:
    """Check an ``invest_to_save`` block: posts with funding ``dsg``/``council`` and year costs."""
    if not isinstance(block, Mapping):
        p.add(key, f"expected a mapping, got {block!r}")
        return
    allowed = {"posts", "reserve_request", "source", "notes"}
    for k in block:
        if k not in allowed and not _ONGOING_RE.match(str(k)):
            p.add(f"{key}.{k}", "unknown key (expected posts, reserve_request, "
                                "ongoing_from_YYYY_YY, source, notes)")
    for k, v in block.items():
        if k == "reserve_request" or _ONGOING_RE.match(str(k)):
            check_money(p, f"{key}.{k}", v)
    posts = block.get("posts")
    if not isinstance(posts, list) or not posts:
        p.add(f"{key}.posts", "expected a list of posts")
        return
    for i, post in enumerate(posts):
        pk = f"{key}.posts[{i}]"
        if not isinstance(post, Mapping):
            p.add(pk, f"expected a mapping, got {post!r}")
            continue
        check_keys(p, pk, post, {"name", "funding", "category", "costs", "notes"})
        if not isinstance(post.get("name"), str) or not post.get("name"):
            p.add(f"{pk}.name", "missing")
        if post.get("funding") not in ("dsg", "council"):
            p.add(f"{pk}.funding", f"expected 'dsg' or 'council', got {post.get('funding')!r}")
        if "costs" not in post:
            p.add(f"{pk}.costs", "missing")
        else:
            check_year_series(p, f"{pk}.costs", post["costs"])


def _validate_uncertainty(p: Problems, block: object) -> None:
    """``uncertainty.spend_log_error`` and ``.income_log_error``: ``{years ahead: {p10, p50,
    p90}}`` with p10 <= p50 <= p90 (log errors measured by the finance backtest)."""
    if not isinstance(block, Mapping):
        p.add("uncertainty", f"expected a mapping, got {block!r}")
        return
    check_keys(p, "uncertainty", block, {"spend_log_error", "income_log_error"})
    for name in ("spend_log_error", "income_log_error"):
        _validate_spread(p, f"uncertainty.{name}", block.get(name))


def _validate_spread(p: Problems, prefix: str, spread: object) -> None:
    if spread is None:
        return
    if not isinstance(spread, Mapping) or not spread:
        p.add(prefix, "expected {years ahead: {p10, p50, p90}}")
        return
    for h, q in spread.items():
        key = f"{prefix}.{h}"
        if not str(h).isdigit() or int(h) < 1:
            p.add(key, "years ahead must be a whole number from 1")
            continue
        if not isinstance(q, Mapping) or set(q) != {"p10", "p50", "p90"} or not all(
                _is_number(v) and abs(float(v)) < 2 for v in q.values()):
            p.add(key, f"expected {{p10, p50, p90}} log errors between -2 and 2, got {q!r}")
        elif not q["p10"] <= q["p50"] <= q["p90"]:
            p.add(key, "expected p10 <= p50 <= p90")


def _validate_rules(p: Problems, block: object) -> None:
    """``rules`` (decision 0091, ``send_analysis.finance.rules``): ``statutory_override_end`` a
    financial year; ``writeoff`` null or ``{share, base_year, paid_in, base_deficit}`` (paid in
    a year after the base year; ``base_deficit`` the LA's own deficit, 0 or more);
    ``hnb_settlement`` ``{financial year: rate}``."""
    if not isinstance(block, Mapping):
        p.add("rules", f"expected a mapping, got {block!r}")
        return
    check_keys(p, "rules", block, {"statutory_override_end", "writeoff", "hnb_settlement"})
    if "statutory_override_end" in block:
        check_fy(p, "rules.statutory_override_end", block["statutory_override_end"])
    w = block.get("writeoff")
    if w is not None:
        if not isinstance(w, Mapping):
            p.add("rules.writeoff", f"expected a mapping or null, got {w!r}")
        else:
            check_keys(p, "rules.writeoff", w, {"share", "base_year", "paid_in", "base_deficit"})
            if "share" in w:
                check_share(p, "rules.writeoff.share", w["share"])
            ok = all(check_fy(p, f"rules.writeoff.{k}", w[k]) for k in ("base_year", "paid_in")
                     if k in w)
            if ok and "base_year" in w and "paid_in" in w and \
                    fy_start(w["paid_in"]) <= fy_start(w["base_year"]):
                p.add("rules.writeoff.paid_in", f"must be after base_year ({w['base_year']}), "
                                                f"got {w['paid_in']}")
            if w.get("base_deficit") is not None:
                check_money(p, "rules.writeoff.base_deficit", w["base_deficit"])
    s = block.get("hnb_settlement")
    if s is not None:
        if not isinstance(s, Mapping):
            p.add("rules.hnb_settlement", f"expected a mapping of financial year to rate, got {s!r}")
        else:
            for year, rate in s.items():
                if check_fy(p, f"rules.hnb_settlement.{year}", year):
                    check_rate(p, f"rules.hnb_settlement.{year}", rate)


def validate_inputs(d: Mapping, source: str = "<inputs>", partial: bool = False,
                    today_year: int | None = None) -> dict:
    """Validate an inputs mapping; return a deep copy. Raises ``ConfigError`` naming ``source``.

    ``partial=True`` checks only the keys present (a user's override file before it is merged over
    the defaults); ``partial=False`` also requires every key the model needs, and checks that the
    opening balance is for the year before ``first_forecast_year`` and that the HNB allocation
    reaches the first forecast year or the year before it. ``today_year`` (default: this
    calendar year) is the latest January census year ``plans`` may give.
    """
    p = Problems(source)
    if not isinstance(d, Mapping):
        p.add("<top>", "expected a mapping")
        p.raise_if_any()
    check_keys(p, "", d, TOP_LEVEL_KEYS)
    if "la_code" in d:
        if not isinstance(d["la_code"], str | int) or not str(d["la_code"]).strip():
            p.add("la_code", f"expected a 3-digit DfE code, got {d['la_code']!r}")
    elif not partial:
        p.add("la_code", "missing")
    for key in ("la_name", "description"):
        if d.get(key) is not None and (not isinstance(d[key], str) or len(d[key]) > MAX_TEXT):
            got = (f"{len(d[key]):,} characters" if isinstance(d[key], str)
                   else f"a {type(d[key]).__name__}")
            p.add(key, f"expected text of at most {MAX_TEXT} characters, got {got}")
    if "first_forecast_year" in d:
        check_fy(p, "first_forecast_year", d["first_forecast_year"])
    elif not partial:
        p.add("first_forecast_year", "missing")
    _validate_income(p, d, partial)
    _validate_opening(p, d, partial)
    _validate_unit_costs(p, d, partial)
    _validate_tail(p, d)
    _validate_other(p, d)
    if d.get("mitigations") is not None:
        mit = d["mitigations"]
        if not isinstance(mit, list) or not all(isinstance(m, str) for m in mit):
            p.add("mitigations", f"expected a list of scenario file paths, got {mit!r}")
    if d.get("sources") is not None and not isinstance(d["sources"], Mapping):
        p.add("sources", "expected a mapping of dotted key to source text")
    if d.get("invest_to_save") is not None:
        validate_invest_to_save(p, d["invest_to_save"])
    if d.get("uncertainty") is not None:
        _validate_uncertainty(p, d["uncertainty"])
    if d.get("rules") is not None:
        _validate_rules(p, d["rules"])
    _validate_plans(p, d, today_year)
    _validate_outturn(p, d)
    _validate_monitoring(p, d)
    p.raise_if_any()
    if not partial:
        _check_years_fit(p, d)
        p.raise_if_any()
    out = copy.deepcopy(dict(d))
    out["la_code"] = str(out["la_code"]) if "la_code" in out else out.get("la_code")
    return out


def _census_year(p: Problems, key: str, year: object, today_year: int | None) -> int | None:
    """A January census year from :data:`FIRST_CENSUS_YEAR` to this year, or None (reported)."""
    import datetime as dt

    last = today_year if today_year is not None else dt.date.today().year
    try:
        y = int(year) if not isinstance(year, bool) and str(year).strip().isdigit() else None
    except ValueError:
        y = None
    if y is None:
        p.add(key, f"expected a January census year like 2026, got {year!r}")
        return None
    if not FIRST_CENSUS_YEAR <= y <= last:
        when = "in the future" if y > last else f"before {FIRST_CENSUS_YEAR}, the first census published"
        p.add(key, f"January {y} is {when} (expected a census year from {FIRST_CENSUS_YEAR} to {last})")
        return None
    return y


def _validate_parts(p: Problems, d: Mapping, key: str, names: Sequence[str], what: str,
                    totals: dict[int, float], today_year: int | None) -> None:
    """``plans_by_setting_group`` / ``plans_by_age_band``: ``{year: {name: count}}``, every name
    given, summing exactly to the year's total when ``plans`` gives one."""
    block = d.get(key)
    if block is None:
        return
    if not isinstance(block, Mapping) or not block:
        p.add(key, f"expected a mapping of census year to {{{what}: count}}, got {block!r}")
        return
    for year, parts in block.items():
        yk = f"{key}.{year}"
        y = _census_year(p, yk, year, today_year)
        if y is None:
            continue
        if not isinstance(parts, Mapping):
            p.add(yk, f"expected a mapping of {what} to count, got {parts!r}")
            continue
        check_keys(p, yk, parts, frozenset(names))
        missing = [n for n in names if n not in parts]
        if missing:
            p.add(yk, f"missing {', '.join(missing)}: give every {what} (0 where none)")
        if not all(check_count(p, f"{yk}.{n}", v) for n, v in parts.items() if n in names):
            continue
        total = sum(float(parts[n]) for n in names if n in parts)
        if y in totals and not missing and total != totals[y]:
            p.add(yk, f"the {what}s add up to {total:,.0f} but plans.{y} is {totals[y]:,.0f} "
                      "(they must agree exactly)")


def _validate_plans(p: Problems, d: Mapping, today_year: int | None) -> None:
    """``plans: {year: total}`` and the optional splits by setting group and age band."""
    from send_analysis.data.taxonomy import AGE_BANDS

    totals: dict[int, float] = {}
    plans = d.get("plans")
    if plans is not None:
        if not isinstance(plans, Mapping) or not plans:
            p.add("plans", f"expected a mapping of January census year to EHC plans, e.g. "
                           f"{{2026: 2806}}, got {plans!r}")
        else:
            for year, n in plans.items():
                y = _census_year(p, f"plans.{year}", year, today_year)
                if y is not None and check_count(p, f"plans.{year}", n):
                    totals[y] = float(n)
    _validate_parts(p, d, "plans_by_setting_group", list(SETTING_GROUPS), "setting group",
                    totals, today_year)
    _validate_parts(p, d, "plans_by_age_band", list(AGE_BANDS), "age band", totals, today_year)


def _validate_outturn_lines(p: Problems, key: str, row: Mapping) -> None:
    """``lines: {<line>: £}`` of one outturn year: the reconciliation table's lines (setting
    groups, other expenditure lines; not the place funding and other DSG line, which is outside
    S251 1.2.x), each 0 or more, adding up to ``high_needs_spend`` exactly (to the penny)."""
    lines = row["lines"]
    if not isinstance(lines, Mapping) or not lines:
        p.add(f"{key}.lines", "expected a mapping of reconciliation line to pounds, e.g. "
                              f"{{mainstream: ..., special_state: ..., therapies: ...}}, got {lines!r}")
        return
    ok = True
    for name, amount in lines.items():
        where = f"{key}.lines.{name}"
        if not isinstance(name, str) or not name.strip():
            p.add(f"{key}.lines", f"expected line names, got {name!r}")
            ok = False
        elif name == OTHER_DSG_LINE:
            p.add(where, "place funding in the schools budget and the other DSG blocks are outside "
                         "S251 lines 1.2.x (high_needs_spend's scope): not an outturn line")
            ok = False
        elif not check_money(p, where, amount):
            ok = False
    spend = row.get("high_needs_spend")
    if ok and _is_number(spend):
        total = sum(float(v) for v in lines.values())
        if round(total * 100) != round(float(spend) * 100):
            p.add(f"{key}.lines", f"the lines add up to £{total:,.2f}, not high_needs_spend "
                                  f"£{float(spend):,.2f}: they must sum to it exactly")


def _year_rows(p: Problems, d: Mapping, name: str, row_shape: str,
               one_year: bool = False) -> Iterator[tuple[str, Mapping]]:
    """The ``(key, row)`` of each well-formed year of section ``name`` (``{fy: {...}}``; with
    ``one_year``, exactly one year, the current one); a malformed section, year or row is added
    to ``p`` naming its key, and skipped."""
    block = d.get(name)
    if block is None:
        return
    if one_year and (not isinstance(block, Mapping) or len(block) != 1):
        p.add(name, f"expected one financial year, the current one: {{2026-27: {row_shape}}}, "
                    f"got {block!r}")
        return
    if not isinstance(block, Mapping) or not block:
        p.add(name, f"expected a mapping of financial year to {row_shape}, got {block!r}")
        return
    for fy, row in block.items():
        key = f"{name}.{fy}"
        if not check_fy(p, key, fy):
            continue
        if not isinstance(row, Mapping):
            p.add(key, f"expected {row_shape}, got {row!r}")
            continue
        yield key, row


def _validate_outturn(p: Problems, d: Mapping) -> None:
    """``outturn: {fy: {high_needs_spend: £, replace: bool, lines: {<line>: £}}}``."""
    for key, row in _year_rows(p, d, "outturn", "{high_needs_spend: ...}"):
        check_keys(p, key, row, {"high_needs_spend", "replace", "lines"})
        if "high_needs_spend" not in row:
            p.add(f"{key}.high_needs_spend", "missing")
        else:
            check_money(p, f"{key}.high_needs_spend", row["high_needs_spend"])
        if "lines" in row:
            _validate_outturn_lines(p, key, row)
        if "replace" in row and not isinstance(row["replace"], bool):
            p.add(f"{key}.replace", f"expected true or false, got {row['replace']!r}")


def _validate_monitoring(p: Problems, d: Mapping) -> None:
    """``monitoring: {fy: {spend: £, income: £}}``: one year, the current one."""
    for key, row in _year_rows(p, d, "monitoring", "{spend: ..., income: ...}", one_year=True):
        check_keys(p, key, row, {"spend", "income"})
        if "spend" not in row:
            p.add(f"{key}.spend", "missing")
        for k in ("spend", "income"):
            if k in row:
                check_money(p, f"{key}.{k}", row[k])


def _check_years_fit(p: Problems, d: Mapping) -> None:
    """Cross-key checks on a complete inputs mapping."""
    first = fy_start(d["first_forecast_year"])
    ob_year = fy_start(d["opening_balance"]["financial_year"])
    if ob_year != first - 1:
        p.add("opening_balance.financial_year",
              f"must be the year before first_forecast_year ({fy_label(first - 1)}), "
              f"got {d['opening_balance']['financial_year']}")
    for key in ("support", "la_contributions", "block_transfers"):
        early = [y for y in (d["income"].get(key) or {}) if fy_start(y) < first]
        if early:
            p.add(f"income.{key}",
                  f"{', '.join(sorted(early))} {'is' if len(early) == 1 else 'are'} before "
                  f"first_forecast_year ({d['first_forecast_year']}): money already received is "
                  "in the opening balance; give only the years projected")
    alloc_years = [fy_start(y) for y in d["income"]["hnb_allocation"]]
    gaps = [fy_label(y) for y in range(first, max(alloc_years)) if y not in alloc_years]
    if gaps:  # income is never invented for a year before an allocation given (issue 19)
        p.add("income.hnb_allocation",
              f"no allocation for {_years_text(gaps)}, before the last year given "
              f"({fy_label(max(alloc_years))}): give every financial year from "
              f"first_forecast_year ({d['first_forecast_year']}) to the last one (income is "
              "grown only after the last year given, never shrunk back into earlier years)")
    price = d.get("unit_costs", {}).get("price_year")
    if is_fy_label(price) and fy_start(price) < FIRST_PRICE_YEAR:
        p.add("unit_costs.price_year",
              f"{price} is before {fy_label(FIRST_PRICE_YEAR)}, the first year of the High Needs "
              "Block: give unit costs at the prices of a year from then on")
    if max(alloc_years) < first - 1:
        p.add("income.hnb_allocation",
              f"last year given ({fy_label(max(alloc_years))}) is more than one year before "
              f"first_forecast_year ({d['first_forecast_year']}); growth would be extrapolated "
              "over years that are already known")


def _years_text(years: list[str]) -> str:
    """'2012-13', '2012-13 and 2013-14' or '2012-13 to 2019-20 (8 years)'."""
    if len(years) <= 2:
        return " and ".join(years)
    return f"{years[0]} to {years[-1]} ({len(years)} years)"


def load_inputs(path: str | Path, partial: bool = False) -> dict:
    """Read and validate an inputs YAML file (see :func:`validate_inputs`)."""
    return validate_inputs(read_yaml(path), source=str(path), partial=partial)


def merge_inputs(default: Mapping, override: Mapping, _prefix: str = "") -> dict:
    """The default inputs with every key of ``override`` applied (see module docstring).

    Pure: neither argument is changed.
    """
    out = copy.deepcopy(dict(default))
    own_balance = override.get("opening_balance")
    if (not _prefix and isinstance(own_balance, Mapping) and "cumulative" in own_balance
            and isinstance(out.get("opening_balance"), Mapping)):
        # the LA's own balance: the band of the public estimate no longer applies
        out["opening_balance"] = {k: v for k, v in out["opening_balance"].items()
                                  if k not in ("p10", "p90")}
    for key, value in override.items():
        dotted = f"{_prefix}{key}"
        if value is None:
            out.pop(key, None)
        elif (
            isinstance(value, Mapping)
            and isinstance(out.get(key), Mapping)
            and dotted not in REPLACE_WHOLE
        ):
            out[key] = merge_inputs(out[key], value, _prefix=f"{dotted}.")
        else:
            out[key] = copy.deepcopy(value)
    return out


def flatten(d: Mapping, prefix: str = "") -> dict[str, object]:
    """Flatten nested mappings to ``{dotted.key: value}`` (lists kept as values)."""
    out: dict[str, object] = {}
    for key, value in d.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, f"{dotted}."))
        else:
            out[dotted] = value
    return out


#: How a figure from the LA's own inputs file is labelled in ``sources``.
OWN_PREFIX = "LA's own figure"


def mark_own_figures(merged: Mapping, user: Mapping, inputs_file: str | Path) -> dict:
    """``merged`` with ``sources`` saying, key by key, which figures are the LA's own: every key
    the user's file sets is labelled ``LA's own figure (<file>)`` (with the file's own source
    text when it gives one), and the public-default sources of keys it replaced are dropped, so
    no figure of the LA's is ever labelled a public default. Pure."""
    out = copy.deepcopy(dict(merged))
    user_sources = dict(user.get("sources") or {})
    sources = {k: v for k, v in (out.get("sources") or {}).items() if k not in user_sources}
    own = [k for k in flatten({k: v for k, v in user.items()
                               if k not in ("sources", "notes", "description", "la_code")})]
    replaced = {k for k in flatten({k: v for k, v in user.items()}, "")} | {
        k for k in REPLACE_WHOLE if _has_key(user, k)}
    for key in list(sources):
        if any(key == r or key.startswith(r + ".") for r in replaced):
            del sources[key]
    for key in own:
        note = next((user_sources[p] for p in _parents(key) if p in user_sources), None)
        sources[key] = f"{OWN_PREFIX} ({inputs_file})" + (f": {note}" if note else "")
    out["sources"] = sources
    return out


def _parents(key: str) -> list[str]:
    parts = key.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def _has_key(d: Mapping, dotted: str) -> bool:
    node: object = d
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def whose(key: str, inputs: Mapping) -> str:
    """``"LA's own"`` or ``"public default"`` for a dotted key (by its nearest source)."""
    sources = inputs.get("sources") or {}
    src = next((sources[p] for p in _parents(key) if p in sources), None)
    if src is None:
        return "LA's own"  # a complete file of the LA's, with no public defaults under it
    return "LA's own" if str(src).startswith(OWN_PREFIX) else "public default"


def own_keys(inputs: Mapping) -> list[str]:
    """The inputs' sections that rest on the LA's own figures (``opening_balance``,
    ``unit_costs.by_setting_group``, ``outturn``, ``plans``, ...: a key's first part, or its first
    two for ``income`` and ``unit_costs``), from ``sources``; empty for public defaults only."""
    out: set[str] = set()
    for key, src in (inputs.get("sources") or {}).items():
        if str(src).startswith(OWN_PREFIX) and key != "first_forecast_year":  # it follows
            parts = str(key).split(".")
            if not all(re.fullmatch(r"[A-Za-z0-9_-]+", part) for part in parts[:2]):
                continue  # a schema key only (never text of the file's own)
            out.add(".".join(parts[:2]) if parts[0] in ("income", "unit_costs") and len(parts) > 1
                    else parts[0])
    return sorted(out)


def inputs_table(inputs: Mapping, prefixes: tuple[str, ...] = ()) -> pd.DataFrame:
    """Inputs as rows of dotted key, value and source (the nearest recorded source, else
    "inputs file"), optionally only keys starting with one of ``prefixes``."""
    sources = inputs.get("sources") or {}
    rows = []
    for key, value in flatten({k: v for k, v in inputs.items() if k not in ("sources", "notes")}).items():
        if prefixes and not key.startswith(prefixes):
            continue
        parts = key.split(".")
        src = next((sources[".".join(parts[:i])] for i in range(len(parts), 0, -1)
                    if ".".join(parts[:i]) in sources), "inputs file")
        rows.append({"key": key, "value": display_value(key, value), "source": src,
                     "whose": whose(key, inputs)})
    return pd.DataFrame(rows, columns=["key", "value", "source", "whose"])


_RATE_WORDS = ("growth", "inflation", "rate", "share")


def display_value(key: str, value: object) -> str:
    """An input as a reviewer reads it: rates as %, money as £ with separators, counts plain."""
    if isinstance(value, Mapping | list | tuple) and not value:
        return "none given"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value if isinstance(value, str) else repr(value)
    leaf = key.rsplit(".", 1)[-1]
    if any(w in leaf for w in _RATE_WORDS) or any(w in key for w in ("growth_rate", "inflation",
                                                                     "hnb_settlement")):
        return f"{100 * value:.1f}%"
    if "placements" in leaf or "places" in leaf:
        return f"{value:,.0f}"
    return f"-£{abs(value):,.0f}" if value < 0 else f"£{value:,.0f}"


def same_value(a: object, b: object) -> bool:
    """Whether two input values are the same figure (numbers to within a millionth of a pound or
    rate, so a default written to YAML and read back is the same; mappings key by key)."""
    if _is_number(a) and _is_number(b):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-6)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return set(map(str, a)) == set(map(str, b)) and all(
            same_value(v, next(w for k2, w in b.items() if str(k2) == str(k))) for k, v in a.items())
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return a == b


#: Keys kept from the user's file whatever their value (identity and text, not figures).
_ALWAYS_KEPT = frozenset({"la_code", "sources", "notes", "description"})


def own_part(user: Mapping, default: Mapping, _prefix: str = "",
             _marked: frozenset[str] | None = None) -> dict:
    """The keys of the user's file that are the LA's own: those whose value differs from the
    public default, or that the file's own ``sources`` names with a source line of its own (a
    figure the LA confirms). Feeding
    back the unedited ``finance-inputs`` file leaves nothing but ``la_code``: no figure of it is
    labelled the LA's own, and the public estimate keeps its band. Pure."""
    if _marked is None:  # the file's own source lines (not a copy of the public default's)
        public = default.get("sources") or {}
        _marked = frozenset(str(k) for k, v in (user.get("sources") or {}).items()
                            if public.get(k) != v)
    out: dict = {}
    for key, value in user.items():
        dotted = f"{_prefix}{key}"
        if not _prefix and key in _ALWAYS_KEPT:
            out[key] = copy.deepcopy(value)
            continue
        marked = any(m == dotted or m.startswith(dotted + ".") or dotted.startswith(m + ".")
                     for m in _marked)
        if not isinstance(default, Mapping) or key not in default:
            out[key] = copy.deepcopy(value)
        elif (isinstance(value, Mapping) and isinstance(default[key], Mapping)
              and dotted not in REPLACE_WHOLE and value):
            sub = own_part(value, default[key], f"{dotted}.", _marked)
            if sub:
                out[key] = sub
        elif marked or not same_value(value, default[key]):
            out[key] = copy.deepcopy(value)
    return out


def own_census_tables(la_code: str, inputs_file: str | Path | None, tables=None):
    """The processed tables (``tables``, default :meth:`Tables.default`) with the LA's own
    January figures of an inputs file written in (``plans``, ``plans_by_setting_group``,
    ``plans_by_age_band``; the file validated as a partial inputs file, and refused when it is
    for another LA), and the Januarys it gives. ``(tables, [])`` without a file: what the demand
    forecast, the demand and cohort pages and the headline use to start from the latest January
    given (decision 0087)."""
    from send_analysis.data.own_plans import own_years, with_own_plans

    if inputs_file is None:
        return tables, []
    user = load_inputs(inputs_file, partial=True)
    if user.get("la_code") is not None and str(user["la_code"]) != str(la_code):
        raise ConfigError(f"file {inputs_file}: key 'la_code': the file is for LA "
                          f"{user['la_code']}, not LA {la_code}")
    user["la_code"] = str(la_code)
    return with_own_plans(tables, user), own_years(user)


def replaced_census(la_code: str, inputs_file: str | Path | None, tables=None) -> dict[int, float]:
    """The published January totals an inputs file's ``plans`` replace (year -> published
    total), for the pages to name; empty without a file."""
    from send_analysis.data.own_plans import replaced_published

    if inputs_file is None:
        return {}
    user = load_inputs(inputs_file, partial=True)
    return replaced_published(tables, {**user, "la_code": str(la_code)})
