"""The evidence pack: papermill runs of the notebooks, HTML rendering, index pages and batches."""

from __future__ import annotations

import os

import pandas as pd


def notebook_setup(processed_dir: str | None = None) -> None:
    """First call in every notebook: point the package at the data, share national results
    between pages and LAs (:mod:`send_analysis.report.shared`) and apply the pack's style."""
    from send_analysis import plots
    from send_analysis.report import shared

    if processed_dir:
        os.environ["SEND_DATA_PROCESSED"] = str(processed_dir)
    shared.enable()
    plots.use_style()
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 160)
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.float_format", lambda v: f"{v:,.1f}")


def fmt_int(v: float) -> str:
    """12,345 style; 'not published' for a missing value."""
    return "not published" if v != v else f"{v:,.0f}"


def fmt_pct(v: float, decimals: int = 1, signed: bool = False) -> str:
    """12.3% style (value already in percent); 'not published' for a missing value."""
    if v != v:
        return "not published"
    return f"{v:+.{decimals}f}%" if signed else f"{v:.{decimals}f}%"


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


def table(df: pd.DataFrame, decimals: int = 0, caption: str | None = None):
    """A reviewer-friendly table: thousands separators, '–' for unpublished cells, no index name."""
    styler = df.style.format(f"{{:,.{decimals}f}}", na_rep="–")
    styler = styler.format_index(lambda v: str(v), axis=1)
    if caption:
        styler = styler.set_caption(caption)
    return styler
