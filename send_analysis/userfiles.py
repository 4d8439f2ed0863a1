"""Reading the files a user names on the command line: one place for the checks every file needs.

An inputs, scenario or claims YAML file or a cohort CSV may be a folder, unreadable, empty, a
binary file, or text saved by Excel or Notepad in Windows-1252 (a typed '£' is enough). Each of
these gives a :class:`~send_analysis.errors.ConfigError` naming the file and what was expected,
never a ``UnicodeDecodeError`` or ``IsADirectoryError`` traceback. YAML is also bounded: a file
larger than :data:`MAX_YAML_BYTES`, or whose aliases would expand to more than
:data:`MAX_YAML_NODES` values (an "anchor bomb"), is refused before it is built into Python
objects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from send_analysis.errors import ConfigError

#: A settings file (inputs, scenario, claims) is a few kilobytes; this is far above any real one.
MAX_YAML_BYTES: int = 2_000_000
#: Values (scalars, lists, mappings) a YAML document may expand to, counting each alias use.
MAX_YAML_NODES: int = 200_000
#: Largest CSV read from a user's file (a cohort table of a large LA is a few megabytes).
MAX_CSV_BYTES: int = 500_000_000

UTF8_HOW_TO = ("save it as UTF-8: in Excel 'Save As' > 'CSV UTF-8', in Notepad 'Save As' > "
               "Encoding 'UTF-8', or run `iconv -f WINDOWS-1252 -t UTF-8 IN > OUT`")


class UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping (e.g. a year listed twice)."""


def _construct_mapping(loader: UniqueKeyLoader, node: yaml.MappingNode,
                       deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice (first on line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

#: Largest whole number a user's YAML file may hold (far above any count or amount in pounds):
#: a longer one (say 401 digits) is a typing slip, and would overflow the model's floats.
MAX_YAML_INT = 10**15


def _construct_int(loader: UniqueKeyLoader, node: yaml.ScalarNode) -> int:
    value = yaml.SafeLoader.construct_yaml_int(loader, node)
    if abs(value) >= MAX_YAML_INT:
        digits = len(str(abs(value)))
        raise yaml.constructor.ConstructorError(
            None, None, f"a number of {digits} digits (expected a value below {MAX_YAML_INT:.0e})",
            node.start_mark)
    return value


def _construct_timestamp(loader: UniqueKeyLoader, node: yaml.ScalarNode) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a date (a financial year is written "
            "\"2024-25\", in quotes)", node.start_mark) from None


UniqueKeyLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def read_user_bytes(path: str | Path, what: str, max_bytes: int) -> bytes:
    """The bytes of a user's file, or a :class:`ConfigError` naming it and ``what`` was expected.

    Refuses a missing path, a folder, an unreadable file, an empty file and a file larger
    than ``max_bytes``.
    """
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"file {path}: not found (expected {what})")
    if path.is_dir():
        raise ConfigError(f"file {path}: is a folder (expected {what})")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ConfigError(f"file {path}: is {size:,} bytes, larger than the {max_bytes:,} "
                              f"allowed (expected {what})")
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except PermissionError:
        raise ConfigError(f"file {path}: cannot be read (permission denied; expected {what})"
                          ) from None
    except IsADirectoryError:  # pragma: no cover - caught by is_dir above, kept for races
        raise ConfigError(f"file {path}: is a folder (expected {what})") from None
    except OSError as exc:
        raise ConfigError(f"file {path}: cannot be read ({exc.strerror or exc}; expected "
                          f"{what})") from None
    if not data.strip():
        raise ConfigError(f"file {path}: is empty (expected {what})")
    return data


def decode_user_text(data: bytes, path: str | Path, what: str) -> str:
    """UTF-8 text (a byte-order mark is allowed); a clear error for binary or Windows-1252 files."""
    if b"\x00" in data[:8192]:
        raise ConfigError(f"file {path}: is a binary file, not text (expected {what})")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start: exc.start + 1]
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            raise ConfigError(f"file {path}: line {line}: byte 0x{byte.hex()} is not UTF-8 text "
                              f"(expected {what}, saved as UTF-8)") from None
        raise ConfigError(
            f"file {path}: line {line}: byte 0x{byte.hex()} ({byte.decode('cp1252')!r} in "
            f"Windows-1252) is not UTF-8; the file looks saved as Windows-1252 (Excel/Notepad "
            f"'ANSI'): {UTF8_HOW_TO}") from None


def read_user_text(path: str | Path, what: str, max_bytes: int = MAX_YAML_BYTES) -> str:
    """A user's text file as a string: :func:`read_user_bytes` then :func:`decode_user_text`."""
    return decode_user_text(read_user_bytes(path, what, max_bytes), path, what)


def check_user_csv(path: str | Path, what: str, max_bytes: int = MAX_CSV_BYTES) -> None:
    """Check that a user's CSV exists, is a readable, non-empty UTF-8 text file (before pandas)."""
    text = read_user_text(path, what, max_bytes)
    if "," not in text.splitlines()[0]:
        raise ConfigError(f"file {path}: the first line has no commas (expected {what} with a "
                          "header row of comma-separated column names)")


def _expanded_size(node: yaml.Node, limit: int) -> int:
    """Values the node expands to when every alias is copied; stops counting above ``limit``.

    A recursive alias (a list containing itself) counts as above the limit.
    """
    memo: dict[int, int] = {}
    open_: set[int] = set()
    # iterative post-order walk: deep nesting must not exhaust the Python stack
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        n, done = stack.pop()
        if id(n) in memo:
            continue
        children: list[yaml.Node] = []
        if isinstance(n, yaml.SequenceNode):
            children = list(n.value)
        elif isinstance(n, yaml.MappingNode):
            children = [x for pair in n.value for x in pair]
        if done or not children:
            total = 1 + sum(memo.get(id(c), limit + 1) for c in children)
            memo[id(n)] = min(total, limit + 1)
            open_.discard(id(n))
            continue
        open_.add(id(n))
        stack.append((n, True))
        stack.extend((c, False) for c in children if id(c) not in memo and id(c) not in open_)
    return memo[id(node)]


def yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML error on one line: what is wrong and where (PyYAML's own text spans lines)."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        parts = [p for p in (exc.context, exc.problem) if p]
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        return where + "; ".join(parts)
    return " ".join(str(exc).split())


def read_user_yaml(path: str | Path, what: str,
                   loader: type[yaml.SafeLoader] = UniqueKeyLoader) -> Any:
    """Parse a user's YAML file safely and within bounds; errors name the file (and line).

    ``loader`` is a safe loader class (by default one refusing duplicate keys). Returns ``None`` for
    a document holding only comments.
    """
    text = read_user_text(path, what)
    ldr = loader(text)
    try:
        node = ldr.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node, MAX_YAML_NODES)
        if size > MAX_YAML_NODES:
            raise ConfigError(f"file {path}: expands to more than {MAX_YAML_NODES:,} values "
                              f"through YAML anchors and aliases (expected {what}; write the "
                              "values out instead of repeating aliases)")
        return ldr.construct_document(node)
    except yaml.YAMLError as exc:
        raise ConfigError(f"file {path}: not valid YAML: {yaml_problem(exc)}") from None
    except RecursionError:
        raise ConfigError(f"file {path}: nested too deeply (expected {what})") from None
    finally:
        ldr.dispose()
