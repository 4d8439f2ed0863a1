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
    return "\n".join(out) + "\n"
