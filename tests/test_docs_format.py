"""Decision records share one format; assumptions logs rate every row's quality and impact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
SECTIONS = ["Context", "Decision", "Consequences"]
RAG = {"red", "amber", "green"}


@pytest.mark.parametrize("path", sorted((DOCS / "decisions").glob("[0-9]*.md")), ids=lambda p: p.name)
def test_decision_record_sections(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    top = re.findall(r"(?m)^## (.+)$", text)
    assert "Decision" in top and top == [s for s in SECTIONS if s in top], top
    assert not re.search(r"(?m)^\*\*(Context|Decisions?|Consequences)\.?\*\*", text)


@pytest.mark.parametrize("path", sorted((DOCS / "assumptions").glob("*.md")), ids=lambda p: p.name)
def test_assumptions_rated_for_quality_and_impact(path: Path) -> None:
    rows, header = 0, None
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| # | assumption"):
            header = cells
        elif header and line.startswith("| ---"):
            continue
        elif header and line.startswith("| "):
            rows += 1
            if header[-1] == "quality / impact":  # the finance backtest's earlier single column
                assert cells[-1].split(" / ")[0] in RAG, line
            else:
                assert header[-2:] == ["quality (RAG)", "impact (RAG)"], header
                assert set(cells[-2:]) <= RAG, line
        else:
            header = None
    assert rows or path.name == "README.md"
