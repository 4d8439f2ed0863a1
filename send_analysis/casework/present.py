"""Sentences of the statutory performance page (``notebooks/09``), in plain words.

Every count comes from person-level casework and arrives here already suppressed
(:func:`send_analysis.casework.performance.suppress` and friends, decision 0073): these
functions only put it into words, through :func:`~send_analysis.casework.performance.show`.
User text (the LA's name) is inert.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

from send_analysis.casework.performance import show, suppress_count
from send_analysis.report.figures import figure_text
from send_analysis.report.safe import inert


def timeliness_text(latest: pd.Series, published: pd.Series | None, la_name: str,
                    figure: Mapping | None = None) -> str:
    """The latest year's 20-week timeliness (a row of the suppressed timeliness table), with and
    without exceptions, and the DfE's published figure for the LA where there is one: given
    ``figure`` (the pack's ``pct_within_20_weeks`` headline figure,
    :func:`send_analysis.report.figures.timeliness_figure`), both published bases in the
    summary's words, each labelled, so that this page and the summary quote the same figures."""
    if figure is not None and figure.get("value") is not None:
        eng = ""
        if figure.get("england") is not None and figure.get("england_all") is not None:
            eng = (f" (England {figure['england']:.1f}% with exceptions left out, "
                   f"{figure['england_all']:.1f}% of all plans)")
        pub = (f" Issued within 20 weeks in {figure['year']}, as the DfE publishes it for "
               f"{inert(la_name)}: {figure_text('pct_within_20_weeks', figure)}{eng}.")
    elif published is None:
        pub = f" The DfE has no published figure for {inert(la_name)}."
    elif len(published):
        pub = (f" The DfE published {published.iloc[-1]:.1f}% for {inert(la_name)} in "
               f"{published.index[-1]}.")
    else:
        pub = ""
    return (f"In {int(latest['year'])}, {show(latest['within_20wk_incl_exc'])} of "
            f"{show(latest['issued_incl_exc'])} plans ({show(latest['pct_20wk_incl_exc'], 1, '%')}) "
            "were issued within 20 weeks of the request; leaving out cases where an exception "
            f"applied, {show(latest['pct_20wk_excl_exc'], 1, '%')}." + pub)


def open_assessments_text(open20: pd.Series, as_at: date) -> str:
    """Assessments open more than 20 weeks without an outcome, at the last date and the first
    (``open20`` indexed by date; each count suppressed on its own)."""
    return (f"On {as_at:%d %B %Y}, {show(suppress_count(open20.iloc[-1]))} assessments had been "
            "open for more than 20 weeks without a plan or a decision not to issue one; on "
            f"{open20.index[0]:%d %B %Y} there were {show(suppress_count(open20.iloc[0]))}.")


def transfers_text(recent: pd.Series) -> str:
    """Placements named by the statutory deadline for the latest September's phase transfers
    (the 'all phases' row of the suppressed phase-transfer table)."""
    return (f"For transfers in September {int(recent['transfer_year'])}, "
            f"{show(recent['named_by_deadline'])} of {show(recent['transfers'])} placements were "
            "named by the statutory deadline (15 February; 31 March for the move into post-16).")
