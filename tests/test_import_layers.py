"""The data and finance layers import one way: no import circle, not even through an import
inside a function, and the build of the processed tables is imported by the CLI alone."""

from __future__ import annotations

import ast
from pathlib import Path

import send_analysis

PACKAGE = Path(send_analysis.__file__).resolve().parent


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every ``send_analysis`` module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
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


def test_only_the_cli_imports_the_build():
    importers = sorted(_module(f) for f in PACKAGE.rglob("*.py")
                       if "send_analysis.data.build" in _imports(f))
    assert importers == ["send_analysis.data.cli"]
