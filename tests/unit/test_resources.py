"""The dbt CLI resource: dagster-dbt's, without the start-up costs the project never uses."""

from __future__ import annotations

import re
import subprocess

from packaging import version

from orchestration.project import DBT_EXECUTABLE
from orchestration.resources import DbtCli, build_resources


def test_the_dbt_version_is_read_without_starting_dbt():
    """The version the resource reports is the one `dbt --version` prints (what dagster-dbt
    would have started a dbt process to learn)."""
    dbt = build_resources()["dbt"]
    assert isinstance(dbt, DbtCli)
    printed = subprocess.run(
        [DBT_EXECUTABLE, "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+\.\d+\.\d+)", printed)
    assert match, printed
    assert dbt._cli_version == version.parse(match.group(1))


def test_a_dbt_command_runs_without_an_adapter_in_this_process():
    dbt = build_resources()["dbt"]
    invocation = dbt.cli(["ls", "--resource-type", "exposure", "--output", "name"])
    said = [event.raw_event["info"]["msg"] for event in invocation.stream_raw_events()]
    assert invocation.is_successful()
    assert invocation.adapter is None
    assert "sellers_dashboard" in said
