"""Loading scenario files: one file, the project's shipped files, and those valid for an LA's inputs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from send_analysis.errors import ConfigError
from send_analysis.finance.inputs import read_yaml
from send_analysis.finance.model import first_mitigation_year
from send_analysis.finance.scenarios.schema import Scenario, validate_scenario
from send_analysis.paths import project_root


def load_scenario(path: str | Path, first_fy: str | None = None) -> Scenario:
    """Read and validate a scenario YAML file."""
    return validate_scenario(read_yaml(path), source=str(path), first_fy=first_fy)


def default_scenario_files() -> list[Path]:
    """The scenario files shipped in the project's ``scenarios/`` folder."""
    return sorted((project_root() / "scenarios").glob("*.yaml"))


def load_applicable(files: Sequence[str | Path], inputs: Mapping, paths: pd.DataFrame | None = None
                    ) -> tuple[list[Scenario], list[tuple[str, str]]]:
    """Load the scenario files that are valid for these inputs (and paths: mitigations start no
    earlier than :func:`~send_analysis.finance.model.first_mitigation_year`); list the others with
    the reason (e.g. a start before that year, no invest_to_save block, or a file written for
    another LA: its ``la_code``)."""
    first = first_mitigation_year(inputs, paths) if paths is not None else inputs["first_forecast_year"]
    ok: list[Scenario] = []
    skipped: list[tuple[str, str]] = []
    seen: dict[Path, str] = {}
    for f in files:
        key = Path(f).resolve()
        if key in seen:  # a shipped file also listed in the inputs' mitigations: counted once
            skipped.append((str(f), f"listed twice (as {seen[key]}); counted once"))
            continue
        seen[key] = str(f)
        try:
            s = load_scenario(f, first_fy=first)
            if s.la_code is not None and s.la_code != str(inputs.get("la_code")):
                raise ConfigError(f"file {f}: written for LA {s.la_code} (its la_code), not "
                                  f"{inputs.get('la_code')}")
            twin = next((o for o in ok if o.name == s.name), None)
            if twin is not None:
                raise ConfigError(f"file {f}: the scenario {s.name!r} is already counted (from "
                                  f"{twin.file}); counted once")
            if any(lv.get("posts_from_inputs") for lv in s.levers) and not inputs.get("invest_to_save"):
                raise ConfigError(f"file {f}: uses the inputs' invest_to_save posts, which these inputs do not have")
            ok.append(s)
        except ConfigError as exc:
            skipped.append((str(f), str(exc)))
    return ok, skipped


def check_unique(files: Sequence[str | Path], scenarios: Sequence[Scenario] | None = None,
                 origins: Sequence[str] | None = None) -> None:
    """Refuse a scenario given twice (the same file twice, or two files of the same scenario
    name) on the command line or in the inputs' ``mitigations``: counted twice, its savings
    would be doubled. ``origins`` says where each file came from (for the message)."""
    origins = list(origins) if origins is not None else ["--scenario"] * len(files)
    seen: dict[Path, int] = {}
    for i, f in enumerate(files):
        key = Path(f).resolve()
        if key in seen:
            j = seen[key]
            where = origins[j] if origins[j] == origins[i] else f"{origins[j]} and {origins[i]}"
            raise ConfigError(f"scenario file {f} is given twice ({where}): its savings would be "
                              "counted twice; give it once")
        seen[key] = i
    names: dict[str, int] = {}
    for i, s in enumerate(scenarios or []):
        if s.name in names:
            raise ConfigError(f"scenario {s.name!r} is given twice ({files[names[s.name]]} and "
                              f"{files[i]}): its savings would be counted twice; give it once")
        names[s.name] = i
