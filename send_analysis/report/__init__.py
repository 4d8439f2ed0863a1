"""The evidence pack: papermill runs of the notebooks, HTML rendering, index pages and batches."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from send_analysis.data.tables import Tables


def notebook_setup(processed_dir: str | None = None) -> Tables:
    """The one set-up call of every notebook: the page's processed tables (a
    :class:`~send_analysis.data.tables.Tables` of ``processed_dir``, default
    ``paths.processed_dir()``), which the page passes to every call that reads them; it also
    shares national results between pages and LAs (:mod:`send_analysis.report.shared`), applies
    the pack's chart style and how tables show numbers (whole numbers without decimals).

    The shared national results are keyed on, and kept beside, the same folder, and so are the
    parse caches of :mod:`send_analysis.data.cache`. The environment is left as it is (decision
    0085): every national computation of a page takes the page's tables."""
    from send_analysis import plots
    from send_analysis.data import cache
    from send_analysis.data.tables import Tables
    from send_analysis.report import shared

    tables = Tables.at(processed_dir)
    shared.enable(folder=tables.folder)
    cache.use_folder(tables.folder)
    plots.use_style()
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 160)
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.float_format", number_text)
    return tables


def number_text(v: float) -> str:
    """How a table shows a float: whole numbers without decimals (931.0 -> '931'), others to one
    decimal, thousands separated.

    >>> number_text(931.0), number_text(1234.56), number_text(-0.04)
    ('931', '1,234.6', '-0.0')
    """
    if v == v and abs(v) < 1e15 and float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:,.1f}"


def fmt_int(v: float) -> str:
    """12,345 style; 'not published' for a missing value."""
    return "not published" if v != v else f"{v:,.0f}"


def fmt_pct(v: float, decimals: int = 1, signed: bool = False) -> str:
    """12.3% style (value already in percent); 'not published' for a missing value."""
    if v != v:
        return "not published"
    return f"{v:+.{decimals}f}%" if signed else f"{v:.{decimals}f}%"


def finite_json(value):
    """``value`` with every non-finite float (NaN, inf) replaced by None, through dicts, lists and
    tuples: JSON has no NaN, so records printed by the command line use this."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(v) for v in value]
    return value


def money_m(amount: float, digits: int = 1) -> str:
    """Pounds as '£1.2m' or '−£1.2m' (rounded first, a true minus sign before the pound sign)."""
    value = round(amount / 1e6, digits)
    sign = "\u2212" if value < 0 else ""
    return f"{sign}£{abs(value):,.{digits}f}m"


def compare_word(a: float, b: float, higher: str = "higher", lower: str = "lower",
                 same: str = "the same as", tolerance: float = 0.05) -> str:
    """'higher'/'lower'/'the same as' for a sentence comparing a with b (relative tolerance)."""
    if b == 0 or abs(a - b) <= tolerance * abs(b):
        return same
    return higher if a > b else lower


def number(v: float, decimals: int = 0) -> str:
    """A table cell: thousands separated, a true minus sign (as in :func:`money_m`), '–' when missing.

    >>> number(-1234.56, 1), number(2503), number(float("nan"))
    ('−1,234.6', '2,503', '–')
    """
    if v is None or v is pd.NA or v != v:
        return "–"
    text = f"{v:,.{decimals}f}"
    return "\u2212" + text[1:] if text.startswith("-") and text.strip("-0.,") else text.lstrip("-")


#: Column headings that hold years (shown as 2024, never 2,024); 'cost a year' is not one.
YEAR_COLUMN = re.compile(r"(first |last |financial |calendar |census )?year( of transfer)?|"
                         r"january census|origin \(january census\)")


def table(df: pd.DataFrame, decimals: int = 0, caption: str | None = None):
    """A reviewer-friendly table: thousands separators, a true minus sign, '–' for unpublished
    cells, whole-number columns (counts, rounded means) without decimals, other numbers to
    ``decimals``, year columns as years, yes/no for booleans. Text in cells, labels and the
    caption is HTML-escaped (it may come from an inputs file)."""
    from send_analysis.report.safe import inert_html

    styler = df.style
    for col in df.columns:
        s = df[col]
        if YEAR_COLUMN.fullmatch(str(col).strip().lower()):  # 2024, 2024-25: never '2,024'
            styler = styler.format(lambda v: "–" if v is None or v is pd.NA or v != v else
                                   str(int(v)) if isinstance(v, float) else inert_html(str(v)),
                                   subset=[col])
        elif pd.api.types.is_bool_dtype(s):
            styler = styler.format(lambda v: "yes" if v else "no", subset=[col])
        elif pd.api.types.is_numeric_dtype(s):
            vals = s.dropna()
            whole = pd.api.types.is_integer_dtype(s) or bool(len(vals) and (vals == vals.round()).all())
            d = 0 if whole else decimals
            styler = styler.format(lambda v, d=d: number(v, d), subset=[col])
        else:  # text, or numbers among text (e.g. suppression marks): text escaped
            styler = styler.format(lambda v: inert_html(v) if isinstance(v, str) else
                                   "–" if v is None or v is pd.NA or v != v else
                                   number(v, 0 if isinstance(v, int) else decimals), subset=[col])
    styler = styler.format_index(lambda v: inert_html(str(v)), axis=1)
    styler = styler.format_index(lambda v: inert_html(str(v)), axis=0)
    if caption:
        styler = styler.set_caption(inert_html(caption))
    return styler
