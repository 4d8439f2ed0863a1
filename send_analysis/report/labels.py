"""Plain words for the package's internal keys, so that no rendered page shows one.

Setting groups, settings and age bands take their names from :mod:`send_analysis.data.taxonomy`;
column keys of the package's frames and the keys of the finance inputs file are put into words
here. :func:`plain` turns one key into words, :func:`relabel` a frame's index and columns, and
:func:`input_label` a dotted finance-inputs key (``income.hnb_allocation.2020-21``).
"""

from __future__ import annotations

import re

import pandas as pd

from send_analysis.data.taxonomy import AGE_BAND_LABELS, AGE_BANDS, GROUP_LABELS, SETTING_LABELS

#: Column and row keys of the package's frames, in words (checked before the generic rule).
WORDS: dict[str, str] = {
    # demand forecast
    "mean": "Forecast (mean)", "lower80": "80% band, low", "upper80": "80% band, high",
    "lower95": "95% band, low", "upper95": "95% band, high", "year": "Year",
    "mape": "Mean error (%)", "median_ape": "Median error (%)", "bias": "Bias (%)",
    "coverage80": "Outcomes inside the 80% band (%)", "width80": "Width of the 80% band (%)",
    "plans": "Plans", "new_plans": "New plans", "ceased": "Ceased plans",
    "new_rate": "New plans per 100 held", "ceased_rate": "Ceased plans per 100 held",
    "net_change": "Net change", "other_change": "Other change (moves, recording)",
    "horizon": "Years ahead", "model": "Model", "n": "Forecasts",
    # funnel and statutory performance
    "requests": "Requests for assessment", "requests_refused": "Requests refused",
    "assessments_agreed": "Assessments agreed", "assessed_plan_issued": "Assessed: plan issued",
    "assessed_no_plan": "Assessed: no plan",
    # finance
    "dsg_cost": "Cost to the DSG (£)", "council_cost": "Cost to the council", "dsg": "DSG-funded",
    "council": "Council-funded", "capital": "Capital",
    "break_even_net": "Placements to avoid a year (net)",
    "break_even_gross": "Placements to avoid a year (gross)",
    "break_even_net_whole": "Placements to avoid a year, net (whole placements)",
    "break_even_gross_whole": "Placements to avoid a year, gross (whole placements)",
    "savings": "Savings", "investment": "Investment", "net_benefit": "Net benefit",
    "cumulative_net_benefit": "Cumulative net benefit",
    "unmitigated_in_year": "In-year balance, unmitigated",
    "mitigated_in_year": "In-year balance, mitigated",
    "unmitigated_cumulative": "Cumulative balance, unmitigated",
    "mitigated_cumulative": "Cumulative balance, mitigated",
    "in_year_gap_mean": "Gap to an in-year balance, £m (mean)",
    "in_year_gap_p90": "Gap to an in-year balance, £m (90th percentile)",
    "cumulative_mean": "Cumulative balance, £m (mean)",
    "placements_to_move": "Independent placements to meet in state special schools",
    "financial_year": "Financial year",
    "discounted_net_benefit": "Discounted net benefit",
    "dsg_in_year_improvement": "Improvement in the DSG in-year balance",
    "mitigated_cumulative_p10": "Cumulative balance, mitigated, 10th percentile",
    "mitigated_cumulative_p90": "Cumulative balance, mitigated, 90th percentile",
    "independent_unit_cost": "Independent placement, cost a year (£)",
    "alternative_unit_cost": "State special placement, cost a year (£)",
    "saving_per_placement_net": "Saving per placement moved, net (£)",
    "hnb_allocation": "High Needs Block allocation", "block_transfers": "Transfers from other blocks",
    "high_cost_tail": "High-cost placements",
    # data quality (tables of the processed data)
    "dimension": "Broken down by", "age_band": "Age band", "setting": "Setting",
    "measure": "Measure", "reason": "Reason", "first_year": "First year", "last_year": "Last year",
    "years": "Years", "LAs_latest_year": "LAs in the latest year", "rows": "Rows",
    "missing_%": "Missing (%)", "table": "Table", "plans_by_setting": "EHC plans by setting",
    "plans_by_age": "EHC plans by age", "requests_assessments": "Requests and assessments",
    "timeliness": "Plans issued within 20 weeks", "ceased_plans": "Ceased plans",
    "annual_reviews": "Annual reviews", "tribunal_appeals": "Tribunal appeals",
    # cohort backtest
    "calendar-year": "January census", "origin": "Origin (January census)", "setting-group": "Setting group", "actual": "Actual",
    "error": "Error", "pct_error": "Error (%)", "covered": "Inside the 95% band",
    "lower95_raw": "95% band, low (model's own)", "upper95_raw": "95% band, high (model's own)",
    "covered_raw": "Inside the model's own band", "total": "Total",
    # statutory performance (casework)
    "issued_incl_exc": "Plans issued", "within_20wk_incl_exc": "Within 20 weeks",
    "issued_excl_exc": "Plans issued, exceptions left out",
    "within_20wk_excl_exc": "Within 20 weeks, exceptions left out",
    "pct_20wk_incl_exc": "Within 20 weeks (%)",
    "pct_20wk_excl_exc": "Within 20 weeks, exceptions left out (%)",
    "due": "Reviews due", "held": "Held", "held_by_due": "Held by the due date",
    "not_held": "Not held", "pct_held": "Held (%)", "transfer_year": "Year of transfer",
    "phase": "Phase", "transfers": "Transfers", "named_by_deadline": "Placement named by the deadline",
    "pct_named_by_deadline": "Named by the deadline (%)", "refused": "Refused",
    "withdrawn": "Withdrawn", "assessed": "Assessed", "plan_issued": "Plan issued",
    "no_plan": "No plan", "pending": "Pending", "pct_assessed": "Assessed (%)",
    "pct_plan_of_assessed": "Assessed and given a plan (%)",
}

#: Lines of the finance inputs' ``other_expenditure`` block in words (S251 high-needs lines; the
#: finance model's line names come from here too).
OTHER_LINE_WORDS: dict[str, str] = {
    "sen_support_services": "SEN support services",
    "hospital_education": "Hospital education",
    "alternative_provision_services": "Alternative provision services",
    "therapies": "Therapies and other health-related services",
    "ap_pru_places_topups": "AP/PRU places and top-ups (beyond plan-driven placements)",
    "place_funding_and_other_dsg": "Place funding in the schools budget and other DSG blocks",
}

#: Units of a claims file (``unit:``) in words.
UNIT_WORDS: dict[str, str] = {"percent": "%", "count": "count", "gbp_m": "£m", "per_10k": "per 10,000"}

#: Words of the finance inputs file's keys (one dotted part each).
INPUT_WORDS: dict[str, str] = {
    **OTHER_LINE_WORDS,
    "support": "DfE deficit support (safety valve and similar)",
    "la_contributions": "LA contributions to the DSG deficit",
    "mitigations": "Scenario files (mitigations)", "invest_to_save": "Invest to save",
    "la_code": "LA code", "uncertainty": "Uncertainty", "spend_log_error": "spend error (log)",
    "income_log_error": "income error (log)",
    "la_name": "Local authority", "first_forecast_year": "First forecast financial year",
    "income": "Income", "hnb_allocation": "High Needs Block allocation",
    "growth_rate": "growth a year", "block_transfers": "Transfers from other blocks",
    "opening_balance": "Opening DSG balance", "financial_year": "financial year",
    "cumulative": "cumulative balance (negative = deficit)", "in_year": "in-year balance",
    "unit_costs": "Cost per placement", "price_year": "prices of financial year",
    "inflation": "inflation a year", "by_setting_group": "",
    "high_cost_tail": "High-cost placements", "threshold": "above (£ a year)",
    "placements": "placements", "average_cost": "average cost a year",
    "other_expenditure": "Other spend", "amount": "amount", "growth": "growth a year",
    "rules": "National rules", "statutory_override_end": "statutory override's last year",
    "writeoff": "write-off", "base_year": "base: 31 March of", "paid_in": "paid in",
    "base_deficit": "the LA's high-needs deficit at the base",
    "hnb_settlement": "announced High Needs Block change",
}


def _words(key: str) -> str:
    """Generic rule: underscores to spaces, first letter capital ('ap_pru_places' -> 'Ap pru places')."""
    text = re.sub(r"[_\s]+", " ", str(key)).strip()
    return text[:1].upper() + text[1:]


def plain(key: object) -> str:
    """One key in words: setting groups, settings, age bands, known columns, else a tidy form.

    >>> plain("special_indep_nm"), plain("11_15"), plain("break_even_net_whole")
    ('Independent and non-maintained special', 'Age 11 to 15', 'Placements to avoid a year, net (whole placements)')
    >>> plain(2025), plain("some_new_key")
    ('2025', 'Some new key')
    """
    if not isinstance(key, str):
        return str(key)
    for table in (WORDS, GROUP_LABELS, AGE_BAND_LABELS, SETTING_LABELS):
        if key in table:
            return table[key]
    if key.startswith("placements."):
        return "Placements: " + plain(key.split(".", 1)[1])
    if key.startswith("other."):
        return _words(key.split(".", 1)[1])
    return _words(key)


def in_order(keys) -> list:
    """``keys`` with setting groups and age bands in their natural order (the taxonomy's:
    under 5 first, then by age; mainstream first), other keys after them in the order given.

    >>> in_order(["20_25", "11_15", "5_10", "under_5", "16_19"])
    ['under_5', '5_10', '11_15', '16_19', '20_25']
    """
    order = {k: i for i, k in enumerate([*AGE_BANDS, *GROUP_LABELS])}
    keys = list(keys)
    return sorted(keys, key=lambda k: (order.get(k, len(order)), keys.index(k)))


def relabel(df: pd.DataFrame, index: bool = True, columns: bool = True,
            values: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy of ``df`` with its index and column keys in words and no axis names; the cells of
    the columns named in ``values`` (keys too) are put into words as well."""
    out = df.copy()
    for col in values:
        out[col] = out[col].map(plain)
    if columns:
        out.columns = [plain(c) for c in out.columns]
    if index and not isinstance(out.index, pd.MultiIndex):
        out.index = [plain(i) for i in out.index]
    out.columns.name = None
    out.index.name = None
    return out


def input_label(key: str) -> str:
    """A dotted finance-inputs key in words.

    >>> input_label("income.hnb_allocation.2020-21")
    'Income: High Needs Block allocation, 2020-21'
    >>> input_label("unit_costs.by_setting_group.special_indep_nm")
    'Cost per placement: Independent and non-maintained special'
    >>> input_label("other_expenditure.ap_pru_places_topups.growth")
    'Other spend: AP/PRU places and top-ups (beyond plan-driven placements), growth a year'
    >>> input_label("income.la_contributions")
    'Income: LA contributions to the DSG deficit'
    """
    parts = key.split(".")
    head = INPUT_WORDS.get(parts[0], _words(parts[0]))
    rest = []
    for part in parts[1:]:
        if part in INPUT_WORDS:
            word = INPUT_WORDS[part]
        elif part in GROUP_LABELS or part in AGE_BAND_LABELS or part in SETTING_LABELS:
            word = plain(part)
        elif re.fullmatch(r"\d{4}-\d{2}", part):
            word = part
        else:
            word = _words(part)
        if word:
            rest.append(word)
    return head + (": " + ", ".join(rest) if rest else "")


def show(df: pd.DataFrame, decimals: int = 1, values: list[str] | tuple[str, ...] = ()):
    """A frame with a plain row number index as a reviewer table: headings in words (and the
    cells of the ``values`` columns), no index, integer columns whole, other numbers to
    ``decimals`` (text such as suppression marks kept)."""
    from send_analysis.report import table

    return table(relabel(df, index=False, values=values), decimals).hide(axis="index")
