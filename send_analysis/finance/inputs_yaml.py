"""The public-default inputs as a commented YAML an officer edits (``send-analysis finance-inputs``).

Every figure is written with its source (the ``sources`` entry of the nearest key) and a note of
what the LA should replace it with. The file reads back through
:func:`send_analysis.finance.inputs.load_inputs` to the same inputs (tested).
"""

from __future__ import annotations

from collections.abc import Mapping

import yaml

#: What an officer should put in place of each public default (longest matching prefix wins).
REPLACE_WITH: dict[str, str] = {
    "income.hnb_allocation": "the HNB allocation after deductions from the ESFA's latest DSG "
                             "publication, and the settlement for the years announced since",
    "income.growth_rate": "the LA's own assumption for HNB growth after the last year announced",
    "income.block_transfers": "block transfers agreed with the schools forum (+ into the HNB)",
    "income.support": "DfE deficit support (safety valve or similar) as actually paid, by year",
    "income.la_contributions": "the council's own contributions to the DSG deficit, by year",
    "opening_balance": "the cumulative DSG balance at the latest 31 March from the LA's accounts",
    "unit_costs": "average cost per placement from budget monitoring (latest outturn year)",
    "other_expenditure": "the latest outturn of each line (budget monitoring)",
    "uncertainty": "leave as measured by the finance backtest unless the LA has its own",
    "high_cost_tail": "the LA's own count and average cost of its highest-cost placements",
    "rules.statutory_override_end": "keep as announced (docs/finance_rules.md) unless it changes",
    "rules.writeoff": "keep the announced share and years; add base_deficit: the LA's own "
                      "high-needs deficit at 31 March 2026 (the lowest it reported)",
    "rules.hnb_settlement": "keep as announced; the LA's own allocations go in "
                            "income.hnb_allocation and come first",
}


def _source_for(key: str, sources: Mapping[str, str]) -> str | None:
    parts = key.split(".")
    for i in range(len(parts), 0, -1):
        hit = sources.get(".".join(parts[:i]))
        if hit:
            return str(hit)
    return None


def _replace_for(key: str) -> str | None:
    best = None
    for prefix, text in REPLACE_WITH.items():
        if key == prefix or key.startswith(prefix + "."):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, text)
    return best[1] if best else None


def _scalar(value: object) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True,
                          width=10_000).strip().removesuffix("...").strip()


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}# {line}" for line in text.splitlines() if line.strip()]


def _emit(d: Mapping, sources: Mapping[str, str], prefix: str, depth: int, out: list[str]) -> None:
    indent = "  " * depth
    for key, value in d.items():
        dotted = f"{prefix}{key}"
        src = sources.get(dotted)
        if src:
            out.extend(_comment(f"source: {src}", indent))
        note = _replace_for(dotted)
        if note and (depth == 0 or dotted in REPLACE_WITH or src):
            out.extend(_comment(f"replace with: {note}", indent))
        name = _scalar(key)
        if isinstance(value, Mapping) and value:
            out.append(f"{indent}{name}:")
            _emit(value, sources, f"{dotted}.", depth + 1, out)
        else:
            out.append(f"{indent}{name}: {_scalar(value)}")


def commented_yaml(inputs: Mapping) -> str:
    """The inputs (without ``sources``) as YAML with a source and a 'replace with' comment on
    each figure; loads back to the same mapping."""
    body = {k: v for k, v in inputs.items() if k != "sources"}
    sources = inputs.get("sources") or {}
    out = [f"# Finance inputs for LA {inputs.get('la_code')} ({inputs.get('la_name')}): public "
           "defaults, every figure with its source.",
           "# Replace what you have better figures for; delete a key to keep the public default.",
           "# Money in £; negative balances are deficits. Schema: docs/finance_inputs.md.",
           "# Use: send-analysis evidence --la CODE --inputs this_file.yaml", ""]
    _emit(body, sources, "", 0, out)
    out.extend(own_year_examples(inputs))
    return "\n".join(out) + "\n"


def own_year_examples(inputs: Mapping) -> list[str]:
    """Commented examples of the keys for the LA's own latest year (docs/finance_inputs.md),
    dated from the inputs' base year (``unit_costs.price_year``)."""
    from send_analysis.finance.years import fy_offset, fy_start

    base = str((inputs.get("unit_costs") or {}).get("price_year") or "2024-25")
    nxt, now = fy_offset(base, 1), fy_offset(base, 2)
    january = fy_start(base) + 2
    return [
        "",
        "# The LA's own latest year (docs/finance_inputs.md): uncomment what you have. The",
        "# projection then starts from it; first_forecast_year follows (the year after the",
        "# opening balance) and never needs editing. Giving opening_balance.cumulative drops the",
        "# p10/p90 band above (it is the public estimate's).",
        "# plans:                        # January census totals (EHC plans) after the published",
        f"#   {january}: 0                  # ones, or in place of one",
        "# plans_by_setting_group:       # optional, by setting group (must add up to plans)",
        f"#   {january}: {{mainstream: 0, resourced_unit: 0, special_state: 0, special_indep_nm: 0,"
        " ap_pru: 0, post16: 0, other: 0}",
        "# plans_by_age_band:            # optional, by age band (must add up to plans)",
        f"#   {january}: {{under_5: 0, 5_10: 0, 11_15: 0, 16_19: 0, 20_25: 0}}",
        "# outturn:                      # high-needs spend (S251 1.2.x scope), years after the",
        f"#   {nxt}: {{high_needs_spend: 0}}   # published ones (the base year becomes the latest)",
        "#   # or by the reconciliation table's lines (every setting group and other line but",
        "#   # place_funding_and_other_dsg, adding up to high_needs_spend exactly):",
        f"#   # {nxt}: {{high_needs_spend: 0, lines: {{mainstream: 0, special_state: 0, ...}}}}",
        f"# with an outturn, edit opening_balance above to the balance at 31 March "
        f"{fy_start(nxt) + 1}: financial_year: {nxt} and the LA's own cumulative",
        "# monitoring:                   # the current year's budget monitoring forecast outturn",
        f"#   {now}: {{spend: 0, income: 0}}",
    ]
