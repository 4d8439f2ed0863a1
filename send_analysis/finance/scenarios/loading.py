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
    for f in files:
        try:
            s = load_scenario(f, first_fy=first)
            if s.la_code is not None and s.la_code != str(inputs.get("la_code")):
                raise ConfigError(f"file {f}: written for LA {s.la_code} (its la_code), not "
                                  f"{inputs.get('la_code')}")
            if any(lv.get("posts_from_inputs") for lv in s.levers) and not inputs.get("invest_to_save"):
                raise ConfigError(f"file {f}: uses the inputs' invest_to_save posts, which these inputs do not have")
            ok.append(s)
        except ConfigError as exc:
            skipped.append((str(f), str(exc)))
    return ok, skipped
