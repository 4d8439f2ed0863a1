"""The package imports one way: no import circle anywhere in ``send_analysis`` (issue 14), not
even through an import inside a function or under ``TYPE_CHECKING``, and the build of the
processed tables is imported by the CLI alone."""

from __future__ import annotations

import ast
from pathlib import Path

import send_analysis

PACKAGE = Path(send_analysis.__file__).resolve().parent


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    """Whether ``dotted`` names a module or package file under :data:`PACKAGE`."""
    base = PACKAGE.parent.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _imports(path: Path) -> set[str]:
    """Every ``send_analysis`` module a file imports, at the top or inside a function.

    ``from send_analysis.pkg import sub`` imports the submodule ``sub``; it counts as an import
    of ``pkg`` itself only when it also takes a name defined in ``pkg/__init__.py`` (every
    submodule runs its package's ``__init__`` anyway, so that edge alone says nothing).
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = {f"{node.module}.{a.name}" for a in node.names}
            found |= {s for s in subs if _is_module(s)}
            if not all(_is_module(s) for s in subs):
                found.add(node.module)
    return {m for m in found if m.startswith("send_analysis.")}


def import_graph(files: list[Path]) -> dict[str, set[str]]:
    """Module -> the modules among ``files`` it imports."""
    modules = {_module(f): f for f in files}
    return {m: (_imports(f) & set(modules)) - {m} for m, f in modules.items()}


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` as a list of modules, or ``None``."""
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return path[path.index(n):] + [n]
            if n not in state and (found := visit(n)):
                return found
        path.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def _layer_files() -> list[Path]:
    return (sorted((PACKAGE / "data").glob("*.py")) + sorted((PACKAGE / "finance").glob("*.py"))
            + [PACKAGE / "paths.py", PACKAGE / "errors.py"])


def test_find_circle_sees_a_circle_through_a_local_import(tmp_path):
    pkg = tmp_path / "send_analysis"
    pkg.mkdir()
    (pkg / "a.py").write_text("from send_analysis.b import f\n")
    (pkg / "b.py").write_text("def f():\n    from send_analysis.a import g\n")
    global PACKAGE
    saved, PACKAGE = PACKAGE, pkg
    try:
        graph = import_graph([pkg / "a.py", pkg / "b.py"])
    finally:
        PACKAGE = saved
    assert find_circle(graph) == ["send_analysis.a", "send_analysis.b", "send_analysis.a"]


def test_data_and_finance_have_no_import_circle():
    assert find_circle(import_graph(_layer_files())) is None


def test_the_package_has_no_import_circle():
    """Every module of ``send_analysis``: the cohort model imports its results, never back; the
    headline figures sit below the pages (``report.figures``); ``report.pack`` does not import
    ``report.batch``; ``finance.cli`` and ``report.grid`` share ``finance.run``."""
    assert find_circle(import_graph(sorted(PACKAGE.rglob("*.py")))) is None


def test_a_submodule_import_is_not_an_import_of_its_package(tmp_path):
    pkg = tmp_path / "send_analysis"
    (pkg / "p").mkdir(parents=True)
    (pkg / "p" / "__init__.py").write_text("from send_analysis.p.b import f\nX = 1\n")
    (pkg / "p" / "a.py").write_text("from send_analysis.p import a\n")
    (pkg / "p" / "b.py").write_text("from send_analysis.p import a, X\n")
    global PACKAGE
    saved, PACKAGE = PACKAGE, pkg
    try:
        files = [pkg / "p" / "__init__.py", pkg / "p" / "a.py", pkg / "p" / "b.py"]
        graph = import_graph(files)
    finally:
        PACKAGE = saved
    assert graph["send_analysis.p.a"] == set()
    assert graph["send_analysis.p.b"] == {"send_analysis.p", "send_analysis.p.a"}
    assert find_circle(graph) == ["send_analysis.p", "send_analysis.p.b", "send_analysis.p"]


def test_only_the_cli_imports_the_build():
    importers = sorted(_module(f) for f in PACKAGE.rglob("*.py")
                       if "send_analysis.data.build" in _imports(f))
    assert importers == ["send_analysis.data.cli"]
