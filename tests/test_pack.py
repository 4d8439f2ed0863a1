"""The evidence pack: papermill runs, HTML without code, index, footer, failure isolation, browser."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from send_analysis.report import render
from send_analysis.report.pack import PageError, build_pack, discover_notebooks, execute

ROOT = Path(__file__).resolve().parents[1]


def test_every_notebook_has_a_tagged_parameters_cell_with_the_shared_names():
    nbs = discover_notebooks(ROOT / "notebooks")
    assert [nb.name for nb in nbs][:2] == ["00_data_quality.ipynb", "01_overview.ipynb"]
    for nb_path in nbs:
        nb = nbformat.read(nb_path, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, nb_path.name
        for name in ("la_code", "as_of_year", "processed_dir", "inputs_file", "casework_dir"):
            assert re.search(rf"^{name}\s*=", tagged[0].source, re.M), (nb_path.name, name)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), nb_path.name


def test_contents_and_footer():
    body, entries = render.add_contents('<h2 id="a">First</h2><p>x</p><h2>Second part</h2>')
    assert entries == [("a", "First"), ("second-part", "Second part")]
    assert '<h2 id="second-part">' in body
    foot = render.footer_html({"built_at": "2026-01-01T00:00:00", "sources": [
        {"id": "ehcp/x.zip", "sha256": "ab" * 32}]}, {"la_code": "334", "inputs_file": None})
    assert "ab" * 32 in foot and "send-analysis" in foot and "LA code: 334" in foot
    assert "finance inputs: public defaults" in foot  # an unset parameter says what it means
    assert "inputs_file" not in foot and "'la_code'" not in foot  # words, not keys


def _failing_notebook(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('la_code = "334"\nas_of_year = 2025\nprocessed_dir = None\n'
                                       'inputs_file = None\ncasework_dir = None')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Broken page"), params,
                nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("raise ValueError('deliberate failure')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "99_broken.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.realdata
def test_failed_page_names_notebook_and_cell_and_keeps_last_good(tmp_path):
    broken = _failing_notebook(tmp_path)
    with pytest.raises(PageError, match=r"notebook 99_broken.ipynb failed at cell 4: ValueError: deliberate failure"):
        execute(broken, {"la_code": "334"}, tmp_path)
    out = tmp_path / "reports"
    (out / "334").mkdir(parents=True)
    (out / "334" / "99_broken.html").write_text("LAST GOOD PAGE")
    result = build_pack("334", out_root=out, notebooks=[broken])
    assert result.failures and "cell 4" in result.failures[0]
    assert (out / "334" / "99_broken.html").read_text() == "LAST GOOD PAGE"
    index = (out / "334" / "index.html").read_text()
    assert "last good" in index and "2,503" in index


@pytest.fixture(scope="module")
def pack(real_data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    result = build_pack("334", out_root=out)
    assert result.ok, result.failures
    return out / "334"


@pytest.mark.realdata
def test_pack_pages_hide_code_and_carry_provenance(pack):
    pages = sorted(p.name for p in pack.glob("*.html"))
    expected = {f"{nb.stem}.html" for nb in discover_notebooks(ROOT / "notebooks")} | {"index.html"}
    assert set(pages) == expected
    overview = (pack / "01_overview.html").read_text()
    assert "notebook_setup(" not in overview  # inputs are hidden
    assert "Solihull" in overview and "2,503" in overview
    assert "sha256" in overview and "git commit" in overview and "LA code: 334" in overview
    assert 'class="sa-toc"' in overview
    meta = json.loads((pack / "pack.json").read_text())
    assert meta["latest_plans"] == 2503 and meta["failures"] == []


@pytest.mark.realdata
def test_pack_json_headline_has_exactly_the_summary_keys(pack):
    from send_analysis.report.headline import HEADLINE_KEYS, figure_text

    meta = json.loads((pack / "pack.json").read_text())
    h = meta["headline"]
    required = set(HEADLINE_KEYS) - {"dsg_balance_end_mitigated"}
    assert required <= set(h) <= set(HEADLINE_KEYS)
    assert list(h) == [k for k in HEADLINE_KEYS if k in h]
    assert h["plans_latest"]["value"] == 2503  # published count, not a model figure
    index = (pack / "index.html").read_text()
    assert '<span class="sa-nw">−£' in index  # a negative figure is kept whole on one line...
    index = re.sub(r'<span class="sa-nw">(.*?)</span>', r"\1", index)  # ...its text unchanged
    for key, fig in h.items():
        assert fig is not None and fig["page"].endswith(".html"), key
        assert f'data-headline="{key}">{figure_text(key, fig)}<' in index, key
    # Solihull's scenario files apply, so the mitigated balance is given, with its band
    assert {"value", "lower80", "upper80", "date"} <= set(h["dsg_balance_end_mitigated"])


@pytest.mark.realdata
def test_rendered_pages_show_no_internal_keys(pack):
    """Table headings and row names are words: no setting-group, age-band or column key."""
    keys = re.compile(r"\b(special_indep_nm|special_state|resourced_unit|\d+_\d+|under_5|"
                      r"break_even_\w+|dsg_cost|financial_year|income\.\w+|coverage80|lower80|"
                      r"[a-z]+_[a-z]+_?[a-z]*)\b")
    for page in sorted(pack.glob("0[0-7]_*.html")):
        text = page.read_text()
        text = re.sub(r"<details.*?</details>", "", text, flags=re.S)  # the officer's keys
        heads = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", text, re.S)]
        bad = sorted({h for h in heads if keys.search(h)})
        assert bad == [], (page.name, bad)
        counts = re.findall(r"<td[^>]*>\s*-?(?:\d{3,}|\d{1,3}(?:,\d{3})+)\.0\s*</td>", text)
        assert counts == [], (page.name, counts[:3])  # 931.0, 2503.0: counts print whole


@pytest.mark.realdata
@pytest.mark.browser
def test_pack_in_headless_chromium(pack):
    """The summary's figures equal the linked pages' figures; every page and image loads, has its
    own title and the print stylesheet."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.fail("headless Chromium is missing: run `bash scripts/install_chromium.sh`")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--allow-file-access-from-files"):
        opts.add_argument(flag)
    browser = webdriver.Chrome(service=Service(driver), options=opts)
    try:
        browser.get((pack / "index.html").as_uri())
        body = browser.find_element("tag name", "body").text
        assert "Solihull" in body
        figures = {e.get_attribute("data-headline"): (e.text, e.get_attribute("href"))
                   for e in browser.find_elements("css selector", "table.sa-summary [data-headline]")}
        assert figures["plans_latest"][0] == "2,503"
        assert len(figures) >= 8
        # the summary's figures equal the figures on the pages they link to
        for key, (text, href) in figures.items():
            assert href, key
            browser.get(href)
            on_page = [e.text for e in browser.find_elements("css selector", f'[data-headline="{key}"]')]
            assert on_page == [text], (key, href, on_page)
        browser.get((pack / "index.html").as_uri())
        hrefs = [a.get_attribute("href") for a in browser.find_elements("css selector", "ol.sa-pages a")]
        assert len(hrefs) == len(discover_notebooks(ROOT / "notebooks"))
        images, titles = 0, set()
        for href in hrefs:
            browser.get(href)
            assert browser.execute_script("return document.readyState") == "complete"
            assert "Solihull" in browser.find_element("tag name", "body").text, href
            # every page has its own title and the print stylesheet
            assert browser.title not in titles and browser.title != "Notebook", (href, browser.title)
            titles.add(browser.title)
            assert browser.execute_script(
                "return Array.from(document.styleSheets).some(s => s.media.mediaText === 'print' "
                "&& Array.from(s.cssRules).some(r => r.cssText.includes('break-before')))"), href
            broken = browser.execute_script(
                "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
                ".map(i => i.src.slice(0, 60))")
            assert broken == [], (href, broken)
            images += browser.execute_script("return document.images.length")
        assert images >= 5
    finally:
        browser.quit()


@pytest.mark.realdata
def test_batch_isolates_a_failing_la_and_writes_national_index(tmp_path):
    from send_analysis.report.batch import build_all

    first = discover_notebooks(ROOT / "notebooks")[:1]
    results = build_all(["334", "999"], out_root=tmp_path, workers=2, progress=False,
                        notebooks=first)
    by = {r.la_code: r for r in results}
    assert by["334"].ok and by["334"].pages == ["00_data_quality.html"]
    assert not by["999"].ok and "unknown LA code '999'" in by["999"].failures[0]
    national = (tmp_path / "index.html").read_text()
    assert '<a href="334/index.html">Solihull</a>' in national and "2,503" in national
    assert "1 with a failed page" in national


def test_a_page_runs_in_the_project_folder_and_never_moves_the_callers(tmp_path, monkeypatch):
    """Pages run side by side in threads; a ``chdir`` to another folder in the calling process
    (papermill's ``cwd=``) let one thread restore another's folder and left the caller elsewhere.
    (papermill's file reads still ``chdir`` to the caller's own folder: a no-op.)"""
    import os

    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.setenv("SEND_PROJECT_ROOT", str(project))
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('la_code = "334"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import os\nprint(os.getcwd())")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "cwd.ipynb"
    nbformat.write(nb, path)
    moves: list[str] = []
    real_chdir = os.chdir
    monkeypatch.setattr(os, "chdir", lambda p: (moves.append(str(p)), real_chdir(p)))
    before = os.getcwd()
    executed = execute(path, {"la_code": "334"}, tmp_path)
    printed = "".join(o.get("text", "") for o in executed.cells[-1].outputs)
    assert printed.strip() == str(project)
    assert set(moves) <= {before} and os.getcwd() == before
