"""With the Dagster daemon running, extracts that land are loaded and the marts refreshed
with no manual step: the landing sensor starts the runs."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

import psycopg
import pytest

from orchestration.generator import generate_deltas

pytestmark = pytest.mark.e2e

DATABASE = "olist_test_daemon"


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(2)


def test_landing_folder_is_picked_up_by_the_daemon(own_database, tmp_path):
    landing, home = tmp_path / "landing", tmp_path / "dagster"
    landing.mkdir()
    home.mkdir()
    (home / "dagster.yaml").write_text("run_queue:\n  max_concurrent_runs: 1\n")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env, url = own_database(DATABASE, home, LANDING_DIR=str(landing))
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestration", "dev", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def query(sql: str, params=None):
        try:
            with psycopg.connect(url, connect_timeout=3) as conn:
                return conn.execute(sql, params).fetchone()
        except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
            return None

    try:
        # first tick: nothing loaded yet, so the sample (landing is empty) is loaded and built
        wait_for(
            lambda: (query("select count(*) from marts.mart_executive_dashboard") or [0])[0],
            300,
            "the first sensor-started run to fill the mart",
        )
        (before,) = query("select sum(orders) from marts.mart_executive_dashboard")
        folders = generate_deltas(landing, 3000, days=1, seed=42)
        name = f"landing/{folders[0].name}/olist_orders_dataset.csv"
        wait_for(
            lambda: (
                query("select count(*) from ops.loads where source_file = %s", (name,)) or [0]
            )[0],
            300,
            "the delta to be loaded",
        )
        wait_for(
            lambda: (
                (query("select sum(orders) from marts.mart_executive_dashboard") or [before])[0]
                > before
            ),
            300,
            "the mart to be refreshed with the delta's orders",
        )
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(15)
