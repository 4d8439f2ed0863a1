"""Hostile text through every user input key and every page (issue 19, item 1).

One pack run for Solihull with a finance inputs file, a scenario (listed in the inputs'
``mitigations`` and in the project's ``scenarios/``), a claims file and a casework folder whose
every free-text field holds markup, a ``javascript:`` link or a spreadsheet formula. No page may
carry live markup from them, and the workbook of the same inputs holds no formula.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from send_analysis.paths import processed_dir, raw_dir

ROOT = Path(__file__).resolve().parents[1]

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "[x](javascript:alert(3))",
    '=HYPERLINK("http://evil.example","y")',
    "<a href='javascript:alert(4)'>z</a>",
]
ALL = " ".join(HOSTILE)


class LiveMarkup(HTMLParser):
    """Collects what a browser would run: ``on*`` handlers, ``javascript:`` URLs, images with
    a source, script bodies that call ``alert``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if value and "javascript:" in value.replace(" ", "").lower():
                self.found.append(f"<{tag} {name}={value}>")
        if tag in ("img", "iframe", "object", "embed") and dict(attrs).get("src") == "x":
            self.found.append(f"<{tag} src=x>")
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert(" in data:
            self.found.append(f"<script>{data[:40]}")


def live_markup(page: str) -> list[str]:
    p = LiveMarkup()
    p.feed(page)
    return p.found


def test_the_detector_sees_live_markup():
    assert live_markup("<p><script>alert(1)</script></p>")
    assert live_markup('<img src=x onerror="alert(2)">')
    assert live_markup('<a href="javascript:alert(3)">x</a>')
    assert not live_markup("<p>&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(3))</p>")


def hostile_files(folder: Path) -> dict[str, Path]:
    """A finance inputs file, a scenario, a claims file (every free-text key hostile)."""
    scenario = yaml.safe_load((ROOT / "scenarios" / "early_help.yaml").read_text())
    scenario.update(name=f"{HOSTILE[0]} {HOSTILE[3]}", description=ALL, source=HOSTILE[2])
    scenario["levers"][0].update(name=f"{HOSTILE[1]} lever", source=HOSTILE[4], notes=HOSTILE[3])
    scen_dir = folder / "project" / "scenarios"
    scen_dir.mkdir(parents=True)
    (scen_dir / "cohort").symlink_to(ROOT / "scenarios" / "cohort")
    scen = scen_dir / "hostile.yaml"
    scen.write_text(yaml.safe_dump(scenario, sort_keys=False))

    inputs = yaml.safe_load((ROOT / "examples" / "solihull_2021.yaml").read_text())
    inputs.update(la_name=f"Solihull {HOSTILE[0]} {HOSTILE[1]}", description=ALL,
                  sources={"opening_balance.cumulative": ALL}, mitigations=[str(scen)])
    its = inputs["invest_to_save"]
    its.update(source=HOSTILE[2] + HOSTILE[4], notes=HOSTILE[3])
    its["posts"][0].update(name=f"{HOSTILE[0]} {HOSTILE[3]}", notes=HOSTILE[1])
    inputs_file = folder / "inputs.yaml"
    inputs_file.write_text(yaml.safe_dump(inputs, sort_keys=False))

    claims = yaml.safe_load((ROOT / "claims" / "solihull_2021.yaml").read_text())
    claims["report"] = f"{HOSTILE[0]} report"
    for i, c in enumerate(claims["claims"]):
        c.update(text=f"{HOSTILE[i % len(HOSTILE)]} text", source=HOSTILE[(i + 1) % len(HOSTILE)])
    claims["claims"][0].update(id="<b>first</b>", group="<i>g</i>")
    claims["claims"].append({"id": "reason", "source": HOSTILE[3], "text": HOSTILE[1],
                             "metric": "not_public", "area": "334", "years": [2021],
                             "claimed": 5, "unit": "count", "tolerance": 0.5,
                             "params": {"reason": ALL}})
    claims_dir = folder / "project" / "claims"
    claims_dir.mkdir()
    (claims_dir / "hostile.yaml").write_text(yaml.safe_dump(claims, sort_keys=False))
    (folder / "project" / "notebooks").symlink_to(ROOT / "notebooks")
    return {"inputs": inputs_file, "scenario": scen, "project": folder / "project"}


@pytest.mark.realdata
def test_hostile_text_is_inert_on_every_page_and_in_the_workbook(tmp_path, monkeypatch):
    from send_analysis.casework.io import write_casework
    from send_analysis.casework.synth import synth, targets_from_tables
    from send_analysis.report.pack import build_pack

    files = hostile_files(tmp_path)
    casework = tmp_path / "<img src=x onerror=alert(9)> [c](javascript:alert(10))"
    write_casework(synth(targets_from_tables("334", 2025, history=4), seed=1), casework)
    monkeypatch.setenv("SEND_DATA_RAW", str(raw_dir().resolve()))
    monkeypatch.setenv("SEND_DATA_PROCESSED", str(processed_dir().resolve()))
    monkeypatch.setenv("SEND_PROJECT_ROOT", str(files["project"]))

    result = build_pack("334", out_root=tmp_path / "reports", inputs_file=str(files["inputs"]),
                        casework_dir=str(casework))
    assert result.ok, result.failures
    pages = sorted((tmp_path / "reports" / "334").glob("*.html"))
    assert len(pages) == 11
    for page in pages:
        text = page.read_text()
        assert live_markup(text) == [], page.name
    # the hostile text reached the pages, shown as typed (not dropped)
    shown = {p.name: p.read_text() for p in pages}
    for name in ("03_costs_and_dsg.html", "04_scenarios.html", "05_invest_to_save.html",
                 "07_claims_check.html"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown[name], name
    assert "onerror=alert(2)" in shown["04_scenarios.html"]          # the scenario name, as text
    assert "javascript:alert(3)" in shown["07_claims_check.html"]     # params.reason, as text
    assert "onerror=alert(9)" in shown["09_statutory_performance.html"]  # the casework folder

    # the workbook of the same inputs (their mitigations: the scenario): strings, never formulas
    xlsx = tmp_path / "plan.xlsx"
    r = subprocess.run([sys.executable, "-m", "send_analysis.cli", "dsg-plan", "--la", "334",
                        "--inputs", str(files["inputs"]), "--xlsx", str(xlsx), "--draws", "200"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(xlsx) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
        strings = z.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in z.namelist() else ""
    assert sheets and not any(re.search(r"<f[ >]", x) for x in sheets)
    assert "HYPERLINK" in strings + "".join(sheets)  # written, as text
