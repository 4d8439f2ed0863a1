"""Sentences and tables of the overview page (``notebooks/01_overview.ipynb``), in plain words.

The page's figures come from :func:`send_analysis.overview.headline`; the ones the pack summary
quotes are marked with :func:`send_analysis.report.figures.mark`.
"""

from __future__ import annotations

import pandas as pd

from send_analysis.overview import Headline
from send_analysis.report import compare_word, fmt_int, fmt_pct
from send_analysis.report.figures import mark, overview_figures
from send_analysis.report.labels import relabel


def opening(h: Headline) -> str:
    """The page's opening paragraphs (markdown with the summary's figures marked)."""
    figs = overview_figures(h)
    text = (
        f"In January {h.latest_year} {h.la_name} maintained {mark('plans_latest', figs['plans_latest'])} "
        f"EHC plans, {fmt_pct(h.growth_since_2014, 0)} more than in January 2014 "
        f"({fmt_int(h.plans_2014)}), when the 2014 reforms began. Over the same years plans grew by "
        f"{fmt_pct(h.region_growth_since_2014, 0)} in the {h.region_name} and "
        f"{fmt_pct(h.england_growth_since_2014, 0)} in England, so growth here has been "
        f"{compare_word(h.growth_since_2014, h.england_growth_since_2014, 'faster than', 'slower than')} "
        f"England's. In the last year plans grew by {fmt_pct(h.growth_last_year)} "
        f"(England {fmt_pct(h.england_growth_last_year)}).\n\n"
        f"{fmt_pct(h.independent_share)} of the LA's plans are in independent or non-maintained "
        f"special schools (England {fmt_pct(h.england_independent_share)}) and "
        f"{fmt_pct(h.mainstream_share)} in mainstream schools (England "
        f"{fmt_pct(h.england_mainstream_share)}). In {h.new_plans_latest_year} the LA issued "
        f"{mark('new_plans_last_year', figs['new_plans_last_year'])} new plans. "
        f"{_timeliness_sentence(figs['pct_within_20_weeks'])}"
    )
    if h.apportioned_2014:
        text += (
            f"\n\n*{h.la_name} was formed in a local government reorganisation: its own figures "
            f"start in January {h.first_published_year}. Earlier totals here, including January "
            "2014, are its share of its predecessor councils' plans, in proportion to its share "
            "in its first year (dashed in the charts).*")
    return text


def _timeliness_sentence(fig: dict) -> str:
    """The DfE's published 20-week figures, both bases labelled, England on each basis."""
    if fig.get("england_all") is None:
        return (f"{mark('pct_within_20_weeks', fig)} of new plans were issued within the statutory "
                f"20 weeks (excluding exceptions; England {fmt_pct(fig['england'])}).")
    return (f"Issued within the statutory 20 weeks in {fig['year']}, as the DfE publishes it: "
            f"{mark('pct_within_20_weeks', fig)} (England {fmt_pct(fig['england'])} with "
            f"exceptions left out, {fmt_pct(fig['england_all'])} of all plans).")


def funnel_table(fun: pd.DataFrame) -> pd.DataFrame:
    """Requests, assessments and outcomes (rows, in words) by calendar year (columns), whole
    numbers ('–' where not published)."""
    out = relabel(fun.T)
    return out.round(0).astype("Int64")
