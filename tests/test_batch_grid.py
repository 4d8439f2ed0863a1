"""Scenario grids: one record per LA, the same record as the one-LA command prints."""

from __future__ import annotations

import json

import pytest

from send_analysis.cli import main
from send_analysis.report.grid import is_grid, la_codes

SCENARIO = "scenarios/isp_step_down.yaml"


def test_grid_la_specs():
    assert is_grid("all") and is_grid("334,886") and not is_grid("334") and not is_grid(None)
    assert la_codes("334, 886,334,") == ["334", "886"]


def test_inputs_file_cannot_be_used_for_several_las(capsys):
    assert main(["scenario", "--la", "334,886", "--inputs", "examples/x.yaml",
                 "--scenario", SCENARIO]) == 2
    assert "--inputs is one LA's file" in capsys.readouterr().err


@pytest.mark.realdata
def test_grid_record_equals_the_one_la_command_and_isolates_a_failure(real_data, capsys):
    from distributed import Client, LocalCluster

    from send_analysis.report.grid import run_grid

    options = {"scenario": [SCENARIO], "horizon": None, "draws": 100, "seed": 0, "as_of": None,
               "discount_rate": None}
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        records = run_grid(["999", "334"], options, client=client, progress=False)
    assert [r["la_code"] for r in records] == ["334", "999"]
    assert "LA code '999'" in records[1]["error"]
    assert main(["scenario", "--la", "334", "--scenario", SCENARIO, "--draws", "100", "--json"]) == 0
    assert records[0] == json.loads(capsys.readouterr().out)
    assert records[0]["scenarios"] and records[0]["unmitigated"]
