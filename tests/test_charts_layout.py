"""Charts live in one module per domain (issue 14): ``*/charts.py``, ``overview_charts.py`` and the
shared style in ``plots.py``; the statutory page reaches its helpers without the cohort package."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd

PACKAGE = Path(__file__).resolve().parents[1] / "send_analysis"
NOTEBOOKS = PACKAGE.parent / "notebooks"
#: Modules allowed to draw besides ``*/charts.py``. The finance scenarios keep their comparison
#: plots (``finance/scenarios.py``, or wherever its split puts them under ``finance/scenario*``).
CHART_MODULES = {"plots.py", "overview_charts.py"}


def test_only_chart_modules_draw():
    drawing = re.compile(r"plt\.subplots\(|\.fill_between\(|\.stackplot\(|\.barh?\(")
    found = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                   if drawing.search(p.read_text()))
    assert [p for p in found if p not in CHART_MODULES and not p.endswith("/charts.py")
            and not p.startswith("finance/scenario")] == []
    assert {"benchmark/charts.py", "casework/charts.py", "cohort/charts.py", "demand/charts.py",
            "finance/charts.py"} <= set(found)


def test_the_statutory_page_does_not_import_the_cohort_package():
    cells = json.loads((NOTEBOOKS / "09_statutory_performance.ipynb").read_text())["cells"]
    source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "send_analysis.casework" in source and "send_analysis.cohort" not in source
    code = ("import sys; import send_analysis.casework.pipeline, send_analysis.casework.charts; "
            "print(sorted(m for m in sys.modules if m.startswith('send_analysis.cohort')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cohort_pipeline_still_offers_casework_for_la():
    from send_analysis.casework import pipeline as casework
    from send_analysis.cohort import pipeline as cohort

    assert cohort.casework_for_la is casework.casework_for_la
    assert cohort.LACasework is casework.LACasework


def test_overview_charts_draw_what_page_01_drew_inline():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from send_analysis import overview_charts as charts
    from send_analysis.plots import COLOURS, PALETTE

    npl = pd.DataFrame({"Testshire": [100, 120, 90]}, index=[2021, 2022, 2023])
    ax = charts.new_plans_chart(npl, "Testshire")
    assert [b.get_height() for b in ax.patches] == [100, 120, 90]
    assert ax.get_title() == "New EHC plans issued in each calendar year, Testshire"
    assert matplotlib.colors.to_hex(ax.patches[0].get_facecolor()) == COLOURS["la"].lower()

    fun = pd.DataFrame({"requests": [10, 12], "plans_issued": [6, 7]}, index=[2022, 2023])
    ax = charts.funnel_chart(fun, "Testshire")
    assert [line.get_color() for line in ax.get_lines()] == PALETTE[:2]
    assert ax.get_ylabel() == "Number in the calendar year" and ax.get_legend() is not None

    idx = pd.DataFrame({"Testshire": [100.0, 110.0], "England": [100.0, 104.0]}, index=[2014, 2015])
    ax = charts.plot_index(idx, "Growth", "Index")
    assert any(list(line.get_ydata()) == [100, 100] for line in ax.get_lines())  # the 100 line
    assert ax.yaxis.get_major_formatter()(104.4, 0) == "104"
    plt.close("all")
