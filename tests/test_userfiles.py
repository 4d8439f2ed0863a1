"""Files named on the command line: folders, binary, Windows-1252, empty, unreadable, anchor bombs
(issue 11 item 6). Every one is a ConfigError naming the file, and exit code 2 at the CLI."""

from __future__ import annotations

import os
import time

import pytest

from send_analysis.cli import main
from send_analysis.errors import ConfigError
from send_analysis.userfiles import MAX_YAML_NODES, check_user_csv, read_user_yaml

BOMB = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefg", "bcdefgh", strict=True)]
    + ["la_name: *h", ""])


@pytest.fixture()
def bad_files(tmp_path):
    files = {
        "binary": (tmp_path / "binary.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR"),
        "cp1252": (tmp_path / "cp1252.yaml", "la_name: Solihull\nnote: \u00a3100\n".encode("cp1252")),
        "empty": (tmp_path / "empty.yaml", b""),
        "blank": (tmp_path / "blank.yaml", b"  \n\n"),
        "bomb": (tmp_path / "bomb.yaml", BOMB.encode()),
        "dupkey": (tmp_path / "dupkey.yaml", b"la_code: '334'\nla_code: '335'\n"),
        "deep": (tmp_path / "deep.yaml", b"la_name: " + b"[" * 50_000 + b"]" * 50_000),
    }
    for path, data in files.values():
        path.write_bytes(data)
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    return {k: p for k, (p, _) in files.items()} | {"folder": folder}


@pytest.mark.parametrize("kind, message", [
    ("binary", "is a binary file"),
    ("cp1252", r"line 2: byte 0xa3 \('£' in Windows-1252\) is not UTF-8.*save it as UTF-8"),
    ("empty", "is empty"),
    ("blank", "is empty"),
    ("folder", "is a folder"),
    ("bomb", f"expands to more than {MAX_YAML_NODES:,} values"),
    ("dupkey", r"not valid YAML: line 2, column 1: key 'la_code' appears twice \(first on line 1\)"),
    ("deep", "nested too deeply"),
])
def test_bad_yaml_files_name_the_file(bad_files, kind, message) -> None:
    path = bad_files[kind]
    with pytest.raises(ConfigError, match=message) as info:
        read_user_yaml(path, "a YAML file")
    assert str(path) in str(info.value)


def test_anchor_bomb_is_refused_quickly(bad_files) -> None:
    started = time.perf_counter()
    with pytest.raises(ConfigError):
        read_user_yaml(bad_files["bomb"], "a YAML file")
    assert time.perf_counter() - started < 2.0


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text("la_code: '334'\n", encoding="utf-8")
    path.chmod(0)
    with pytest.raises(ConfigError, match="permission denied"):
        read_user_yaml(path, "a YAML file")


def test_csv_checks(tmp_path) -> None:
    path = tmp_path / "costs.csv"
    path.write_bytes("need,setting,cost\nASD,MMSIB,\u00a3100\n".encode("cp1252"))
    with pytest.raises(ConfigError, match=r"costs.csv: line 2: .*Windows-1252"):
        check_user_csv(path, "a costs CSV")
    path.write_text("just one column\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no commas"):
        check_user_csv(path, "a costs CSV")


@pytest.mark.parametrize("kind", ["binary", "cp1252", "empty", "folder", "bomb", "dupkey"])
@pytest.mark.parametrize("argv", [
    ["claims", "--claims", "{}"],
    ["scenario", "--la", "334", "--scenario", "{}", "--json"],
    ["invest-to-save", "--inputs", "{}", "--json"],
])
def test_cli_exit_2_with_one_line(bad_files, capsys, argv, kind) -> None:
    path = bad_files[kind]
    argv = [a.format(path) if a == "{}" else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert str(path) in err and "\n" not in err and "Traceback" not in err


def test_inputs_text_fields_and_money_are_bounded() -> None:
    from send_analysis.finance.inputs import validate_inputs
    from send_analysis.finance.scenarios import validate_scenario

    with pytest.raises(ConfigError, match=r"key 'la_name': expected text .* got a list"):
        validate_inputs({"la_name": ["lol"] * 9}, "in.yaml", partial=True)
    with pytest.raises(ConfigError, match=r"key 'description': expected text"):
        validate_inputs({"description": "x" * 5000}, "in.yaml", partial=True)
    with pytest.raises(ConfigError, match=r"key 'opening_balance.cumulative': expected an amount in "
                                          r"pounds of at most £5,000,000,000"):
        validate_inputs({"opening_balance": {"financial_year": "2020-21", "cumulative": -3e12}},
                        "in.yaml", partial=True)
    lever = {"type": "isp_step_down", "share": 0.5}
    with pytest.raises(ConfigError, match=r"key 'description': expected text, got a list"):
        validate_scenario({"name": "s", "description": ["a"], "levers": [lever]}, "s.yaml")


def test_cohort_csv_problems_exit_2(tmp_path, capsys) -> None:
    from pathlib import Path

    ex = Path(__file__).resolve().parent.parent / "examples" / "cohort"
    costs = tmp_path / "costs.csv"
    costs.write_bytes("need,setting,cost\nSEMH,MMSIB,\u00a3100\n".encode("cp1252"))
    argv = ["cohort", "--transitions", str(ex / "transitions.csv"), "--population",
            str(ex / "population.csv"), "--costs", str(costs), "--valid-states",
            str(ex / "valid_states.csv"), "--out", str(tmp_path / "out")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert str(costs) in err and "Windows-1252" in err and "\n" not in err
    costs.write_bytes(b"")
    assert main(argv) == 2
    assert "is empty (expected the costs CSV given as --costs)" in capsys.readouterr().err
