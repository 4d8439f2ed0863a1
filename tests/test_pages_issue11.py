"""Pages run end to end on hostile or small inputs: user text stays inert, small counts hidden."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from test_casework_synth import SHARES

from send_analysis.casework.io import write_casework
from send_analysis.casework.synth import CalibrationTargets, synth
from send_analysis.report import render
from send_analysis.report.pack import execute
from send_analysis.report.safe import inert

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "<script>alert(1)</script> & <img src=x onerror=alert(2)>"


def _markdown(nb) -> list[str]:
    return ["".join(o["data"]["text/markdown"]) for c in nb.cells for o in c.get("outputs", [])
            if "text/markdown" in o.get("data", {})]


def _html(nb) -> str:
    return render.render_html(nb, [], "page.html", render.footer_html({}, {}))


@pytest.mark.realdata
def test_page_05_shows_a_hostile_la_name_as_text(tmp_path):
    doc = yaml.safe_load((ROOT / "examples" / "solihull_2021.yaml").read_text())
    doc["la_name"] = HOSTILE
    inputs = tmp_path / "la.yaml"
    inputs.write_text(yaml.safe_dump(doc, sort_keys=False))
    nb = execute(ROOT / "notebooks" / "05_invest_to_save.ipynb",
                 {"la_code": "334", "as_of_year": 2025, "processed_dir": None,
                  "inputs_file": str(inputs), "casework_dir": None, "n_draws": 50}, tmp_path)
    assert any(inert(HOSTILE) in m for m in _markdown(nb))       # the name is on the page...
    page = _html(nb)
    assert "<script>alert(1)" not in page and "<img src=x" not in page   # ...but not as markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.realdata
def test_page_09_prose_never_shows_a_small_count_and_the_path_stays_text(tmp_path):
    small = CalibrationTargets(
        la_code="998", la_name="Smallshire", total_plans={2022: 60, 2023: 66, 2024: 70},
        setting_shares={y: SHARES for y in (2022, 2023, 2024)},
        new_plans={2022: 14, 2023: 12, 2024: 15}, pct_20wk={2022: 60.0, 2023: 70.0, 2024: 80.0})
    folder = tmp_path / "<img src=x onerror=alert(3)>"
    write_casework(synth(small, seed=5), folder)   # 2 assessments open > 20 weeks; 4 of 11 plans late
    nb = execute(ROOT / "notebooks" / "09_statutory_performance.ipynb",
                 {"la_code": "334", "as_of_year": 2025, "processed_dir": None,
                  "inputs_file": None, "casework_dir": str(folder)}, tmp_path)
    prose = " ".join(_markdown(nb))
    counts = re.findall(r"(\S+) of (\S+) (?:plans|placements)", prose)
    counts = [g for g in counts if not g[0].endswith("%")]  # the DfE's published shares, not counts
    counts += [(m,) for m in re.findall(r"(\S+) (?:annual reviews were overdue|assessments had "
                                        r"been open)", prose)]
    counts += [(m,) for m in re.findall(r"there were (\S+?)\.", prose)]
    assert counts, prose
    for group in counts:
        for text in group:
            assert text == "c" or int(text.replace(",", "")) == 0 or int(text.replace(",", "")) >= 5, prose
    assert "c" in [t for g in counts for t in g]                  # something small was hidden
    page = _html(nb)
    assert "<img src=x onerror=alert(3)>" not in page
