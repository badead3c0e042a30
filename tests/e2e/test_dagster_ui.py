"""`make dev` serves the Dagster UI with every raw asset, dbt asset and check."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.e2e

QUERY = """
{ assetNodes { assetKey { path } groupName description
               assetChecksOrError { ... on AssetChecks { checks { name } } } } }
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


@pytest.fixture
def dagster_ui(tmp_path):
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    # own process group: `dagster dev` runs a webserver and a daemon, stopped together by PID
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dagster",
            "dev",
            "-m",
            "orchestration.definitions",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("dagster dev did not start") from None
                time.sleep(1)
        yield port
    finally:
        # dagster dev's children do not all stop on SIGTERM/SIGINT: end the group we started
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def test_ui_shows_lineage_from_files_to_marts_with_checks(dagster_ui):
    deadline = time.monotonic() + 120
    while True:  # the code location loads in the background after the server answers
        try:
            nodes = graphql(dagster_ui, QUERY)["assetNodes"]
            if nodes:
                break
        except (OSError, KeyError, TypeError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError("no assets in the Dagster UI")
        time.sleep(2)
    keys = {"/".join(node["assetKey"]["path"]) for node in nodes}
    assert {
        "raw/olist_orders",
        "staging/stg_olist__orders",
        "core/fact_orders",
        "core/dim_customer",
        "marts/mart_executive_dashboard",
    } <= keys
    assert {node["groupName"] for node in nodes} == {
        "raw",
        "staging",
        "intermediate",
        "core",
        "marts",
    }
    assert all(node["description"] for node in nodes)
    checks = [
        check["name"] for node in nodes for check in node["assetChecksOrError"].get("checks", [])
    ]
    assert "unique_fact_orders_order_id" in checks
    assert len(checks) >= 50
