"""Pages and the pack (issue 11 item 7): a configuration error stops the run (exit 2) before any
page is replaced; --pages into an existing pack keeps the other pages linked; --out must be a
folder; the kernels' noise is not printed."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from send_analysis.cli import main
from send_analysis.report.pack import discover_notebooks, execute, pack_notebooks

ROOT = Path(__file__).resolve().parents[1]


def test_out_pointing_at_a_file_fails_before_any_page(tmp_path, capsys) -> None:
    target = tmp_path / "report.html"
    target.write_text("not a folder", encoding="utf-8")
    assert main(["evidence", "--la", "334", "--out", str(target)]) == 2
    err = capsys.readouterr().err.strip()
    # checked with every command's folder options (cli_checks.PATH_CHECKS, issue 19)
    assert err == f"send-analysis evidence: error: --out {target}: is a file (expected a folder)"
    assert main(["evidence", "--la", "334", "--out", str(target / "sub")]) == 2
    assert "is inside" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_pages_into_an_existing_pack_keep_the_other_pages_linked(tmp_path) -> None:
    nbs = discover_notebooks(ROOT / "notebooks")
    (tmp_path / "01_overview.html").write_text("earlier run", encoding="utf-8")
    (tmp_path / "06_benchmarking.html").write_text("earlier run", encoding="utf-8")
    listed = pack_notebooks([nbs[0]], tmp_path)
    assert [nb.stem for nb in listed] == ["00_data_quality", "01_overview", "06_benchmarking"]
    assert pack_notebooks(nbs, tmp_path) == nbs


@pytest.mark.realdata
def test_configuration_error_exits_2_and_keeps_the_last_good_page(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("la_code: '334'\nunit_costs:\n  by_setting_group:\n    mainstream: -6443\n",
                   encoding="utf-8")
    out = tmp_path / "reports"
    page = out / "334" / "03_costs_and_dsg.html"
    page.parent.mkdir(parents=True)
    page.write_text("LAST GOOD PAGE", encoding="utf-8")
    code = main(["evidence", "--la", "334", "--pages", "03_costs_and_dsg", "--inputs", str(bad),
                 "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err
    assert "unit_costs.by_setting_group.mainstream" in err and str(bad) in err
    assert page.read_text(encoding="utf-8") == "LAST GOOD PAGE"
    assert not (out / "334" / "index.html").exists()


def test_kernel_noise_is_silenced(tmp_path, capfd) -> None:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("la_code = '334'")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("print(la_code)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = tmp_path / "00_tiny.ipynb"
    nbformat.write(nb, path)
    work = tmp_path / "work"
    work.mkdir()
    executed = execute(path, {"la_code": "999"}, work)
    assert executed.cells[-1].outputs[0]["text"] == "999\n"
    err = capfd.readouterr().err
    assert "without encryption" not in err and "KeyboardInterrupt" not in err
