"""DfE deficit support (safety valve agreements) by financial year, as paid where published.

Two registered inputs:

- the agreements (``finance/safety_valve_agreements.csv``, read by
  :func:`send_analysis.finance.current.support_agreements`): each agreement's DfE total, LA
  contribution and signing year;
- ``safety_valve/safety-valve-payments.csv`` (a compilation of council papers and trade-press
  reports, one row per quote with its source; registered and staged from the mirror's reference
  folder): payments by financial year where they are public, with a status ``paid``,
  ``planned``, ``withheld``, ``suspended`` or ``unknown``.

The profile of one agreement (:func:`dfe_profile`, pure; decision 0099):

- its term: the signing year to the end year a ``total`` row names (``to 2026-27``,
  ``(2021-22 to 2025-26)``) or for the number of years it names (``(six years)``), else
  :data:`DEFAULT_TERM` years;
- a year with a published amount (paid or planned) takes it; a span row's amount (``2022-23 to
  2025-26 (combined)``) is spread over the span; a first instalment (``2022-23 (first
  instalment, ...)``) is the year's minimum;
- a year whose payment was **suspended or withheld** receives nothing (not income in that year;
  the amount on the year's own row is what was received, 0 or blank); ``remaining from
  2023-24`` suspends every year from then, its amount being what was withheld;
- the rest of the total (after the amounts published and any amount named as withheld) is spread
  evenly over the years without a published amount, including suspended years without a named
  amount, whose share is then withheld (not re-profiled: the DfE said it would be made up only
  under a revised agreement): ``APPROXIMATE: even spread``.

How the payments show in the outturn (decision 0099): they are additional DSG paid to reduce the
cumulative deficit, so they are in the DSG balance carried forward (S251 1.9.x) and in the in-year
change of the year they are paid, and not in high-needs spend (1.2.x) nor in the HNB allocation.
The balance rules therefore add them to the year they were paid and take them out of the change
they measure the rest of the DSG from.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from send_analysis.errors import DataError
from send_analysis.finance.years import fy_label, fy_offset, fy_start, is_fy_label
from send_analysis.paths import raw_path

PAYMENTS_FILE = "safety_valve/safety-valve-payments.csv"
#: The public agreements (a copy of ``shared/reference/safety-valve-agreements.csv``: totals
#: from public reports, decision 0066).
SUPPORT_FILE = Path(__file__).with_name("safety_valve_agreements.csv")
#: Years over which an agreement's LA contribution is spread (no profile is public).
SUPPORT_YEARS = 5
#: Years of an agreement whose term is not published (decision 0066).
DEFAULT_TERM = SUPPORT_YEARS
STATUSES = ("paid", "planned", "withheld", "suspended", "unknown")
_WORDS = {"three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_FY = r"(\d{4}-\d{2})"


@dataclass(frozen=True)
class Payment:
    """One row of the payments file, read as published."""

    la_name: str
    year_text: str
    amount: float | None  # £ (the file's £m x 1e6); None where blank
    status: str
    source_url: str
    quote: str


@dataclass(frozen=True)
class YearPayment:
    """The profile's payment in one financial year and how it was found."""

    financial_year: str
    amount: float
    how: str  # "published", "suspended" or "APPROXIMATE: even spread"
    source: str  # the row's source_url, or "" for the even spread


@lru_cache(maxsize=1)
def read_payments() -> tuple[Payment, ...]:
    """Every row of the payments file (aggregate rows included: their ``la_name`` starts with
    ``AGGREGATE``). A bad status or amount names the file, row and column."""
    path = raw_path(PAYMENTS_FILE)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"not a UTF-8 CSV: {exc}", file=PAYMENTS_FILE) from None
    need = ["la_name", "financial_year", "dfe_payment_gbp_m", "status", "source_url", "quote"]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError(f"missing columns {missing}", file=PAYMENTS_FILE)
    out = []
    for i, r in raw.iterrows():
        status = r["status"].strip().lower()
        if status not in STATUSES:
            raise DataError(f"unknown status {r['status']!r}", file=PAYMENTS_FILE, row=int(i) + 2,
                            column="status", expected=", ".join(STATUSES))
        text = r["dfe_payment_gbp_m"].strip()
        try:
            amount = float(text) * 1e6 if text else None
        except ValueError:
            raise DataError(f"{text!r} is not an amount in £m", file=PAYMENTS_FILE,
                            row=int(i) + 2, column="dfe_payment_gbp_m") from None
        out.append(Payment(r["la_name"].strip(), r["financial_year"].strip(), amount, status,
                           r["source_url"].strip(), r["quote"].strip()))
    return tuple(out)


def term_years(first_fy: str, rows: Iterable[Payment]) -> list[str]:
    """The agreement's financial years: from ``first_fy`` to the end a ``total`` row names,
    else :data:`DEFAULT_TERM` years."""
    n = DEFAULT_TERM
    for p in rows:
        if not p.year_text.lower().startswith("total"):
            continue
        end = re.search(rf"to {_FY}", p.year_text)
        words = re.search(r"\((\w+) years\)", p.year_text)
        if end and is_fy_label(end.group(1)):
            n = fy_start(end.group(1)) - fy_start(first_fy) + 1
        elif words and words.group(1).lower() in _WORDS:
            n = _WORDS[words.group(1).lower()]
    return [fy_offset(first_fy, k) for k in range(max(n, 1))]


def dfe_profile(total: float, first_fy: str, rows: Iterable[Payment]) -> list[YearPayment]:
    """The DfE payments of one agreement by financial year (module docstring's rules). Pure."""
    rows = list(rows)
    years = term_years(first_fy, rows)
    fixed: dict[str, tuple[float, str]] = {}
    minimum: dict[str, tuple[float, str]] = {}
    suspended: dict[str, str] = {}
    covered: set[str] = set()  # suspended years whose withheld amount is named
    withheld_amount = 0.0
    for p in rows:
        single = re.fullmatch(rf"{_FY}(?: \((.*)\))?", p.year_text)
        span = re.fullmatch(rf"{_FY} to {_FY} \(combined\)", p.year_text)
        remaining = re.fullmatch(rf"remaining from {_FY}.*", p.year_text)
        if p.status in ("suspended", "withheld"):
            if single:  # the year's own row: its amount is what was received (0 or blank)
                suspended[single.group(1)] = p.source_url
            elif remaining and p.amount is not None:  # the amount is what was withheld
                for fy in years:
                    if fy_start(fy) >= fy_start(remaining.group(1)):
                        suspended[fy] = p.source_url
                        covered.add(fy)
                withheld_amount += p.amount
        elif p.status in ("paid", "planned") and p.amount is not None:
            if single and single.group(2) and "instalment" in single.group(2):
                minimum[single.group(1)] = (p.amount, p.source_url)
            elif single:
                fixed[single.group(1)] = (p.amount, p.source_url)
            elif span:
                a, b = fy_start(span.group(1)), fy_start(span.group(2))
                for y in range(a, b + 1):
                    fixed[fy_label(y)] = (p.amount / (b - a + 1), p.source_url)
    for fy in suspended:
        fixed.pop(fy, None)
        minimum.pop(fy, None)
    # a published payment outside the term (a span reaching past the default five years) extends it
    years = sorted(set(years) | set(fixed) | set(minimum), key=fy_start)
    while True:
        free = [fy for fy in years if fy not in fixed and fy not in covered]
        rest = total - sum(a for a, _ in fixed.values()) - withheld_amount
        share = max(rest, 0.0) / len(free) if free else 0.0
        low = [fy for fy in free if fy in minimum and minimum[fy][0] > share]
        if not low:
            break
        for fy in low:
            fixed[fy] = minimum[fy]
    out = []
    for fy in years:
        if fy in suspended:
            out.append(YearPayment(fy, 0.0, "suspended", suspended[fy]))
        elif fy in fixed:
            out.append(YearPayment(fy, fixed[fy][0], "published", fixed[fy][1]))
        else:
            out.append(YearPayment(fy, share, "APPROXIMATE: even spread", ""))
    return out


@lru_cache(maxsize=1)
def support_agreements() -> pd.DataFrame:
    """The public deficit-support agreements with an LA code and first financial year."""
    from send_analysis.finance.public import code_for_la_name

    with open(SUPPORT_FILE, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for i, r in enumerate(rows, start=2):
        name = r["la_name"].split("(")[0].strip()
        try:
            code = code_for_la_name(name)
            first = fy_label(int(r["agreement_year"][:4]))
            dfe = float(r["dfe_contribution_gbp_m"] or 0) * 1e6
            la = float(r["la_contribution_gbp_m"] or 0) * 1e6
        except (DataError, ValueError) as exc:
            raise DataError(f"cannot read agreement: {exc}", file=str(SUPPORT_FILE), row=i) from None
        out.append({"la_code": code, "la_name": r["la_name"], "first_fy": first, "dfe": dfe,
                    "la": la, "terms": r["terms"], "source": r["source_title"]})
    return pd.DataFrame(out)


def even_profile(total: float, first_fy: str, years: int = DEFAULT_TERM) -> list[YearPayment]:
    """The profile before the payments were read: ``total`` evenly over ``years`` years from the
    signing year (decision 0066), for comparison."""
    return [YearPayment(fy_offset(first_fy, k), total / years, "APPROXIMATE: even spread", "")
            for k in range(years)]


def rows_for(la_name: str) -> list[Payment]:
    """The payments file's rows for one LA (by the agreements file's name, before any bracket)."""
    key = la_name.split("(")[0].strip().lower()
    return [p for p in read_payments() if p.la_name.lower() == key]


@lru_cache(maxsize=2)
def support_table(as_paid: bool = True) -> pd.DataFrame:
    """DfE support and LA contributions by LA and financial year, for every public agreement:
    ``la_code, financial_year, dfe, la, how, source`` (£). ``as_paid=False``: the even
    five-year spread of decision 0066."""
    rows = []
    for a in support_agreements().itertuples():
        prof = (dfe_profile(a.dfe, a.first_fy, rows_for(a.la_name)) if as_paid
                else even_profile(a.dfe, a.first_fy))
        for p in prof:
            rows.append({"la_code": a.la_code, "financial_year": p.financial_year,
                         "dfe": p.amount, "la": 0.0, "how": p.how, "source": p.source})
        for k in range(SUPPORT_YEARS):
            if a.la:
                rows.append({"la_code": a.la_code, "financial_year": fy_offset(a.first_fy, k),
                             "dfe": 0.0, "la": a.la / SUPPORT_YEARS,
                             "how": "APPROXIMATE: even spread", "source": ""})
    cols = ["la_code", "financial_year", "dfe", "la", "how", "source"]
    return pd.DataFrame(rows, columns=cols)


def flows_wide(as_paid: bool = True) -> pd.DataFrame:
    """DfE support + LA contributions (£), LA x financial year, 0 where none: the known flows
    into the DSG balance that the balance rules add in the year they were paid."""
    t = support_table(as_paid)
    t = t.assign(flow=t["dfe"] + t["la"])
    return t.pivot_table(index="la_code", columns="financial_year", values="flow",
                         aggfunc="sum", fill_value=0.0)
