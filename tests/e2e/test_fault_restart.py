"""The warehouse restarts in the middle of a run: the retried steps complete the run, with
nothing lost and nothing duplicated."""

from __future__ import annotations

import subprocess
import sys
import time

import psycopg
import pytest

from orchestration.contracts import CONTRACTS
from orchestration.database import restart_embedded

pytestmark = pytest.mark.e2e

DATABASE = "olist_test_fault"


def count_file_records(path) -> int:
    import csv

    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_run_survives_a_database_restart_during_dbt(settings, own_database, tmp_path):
    (tmp_path / "landing").mkdir()
    env, url = own_database(DATABASE, tmp_path / "dagster", LANDING_DIR=str(tmp_path / "landing"))
    server = settings.admin_url_for("postgres")
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestration", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 300
    restarted = False
    while not restarted:  # wait until dbt (the transformer role) is connected, then restart
        assert process.poll() is None, process.stdout.read()[-3000:]
        assert time.monotonic() < deadline, "dbt never started"
        try:
            with psycopg.connect(server, autocommit=True, connect_timeout=2) as conn:
                (dbt_sessions,) = conn.execute(
                    "select count(*) from pg_stat_activity where datname = %s and usename = %s",
                    (DATABASE, settings.role_name("transformer")),
                ).fetchone()
        except psycopg.OperationalError:
            dbt_sessions = 0
        if dbt_sessions:
            time.sleep(1.5)  # let the build get under way
            restart_embedded(settings)
            restarted = True
        else:
            time.sleep(0.2)
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output[-4000:]
    assert "transient database failure" in output, "the restart did not hit the run"
    assert ", 0 failed" in output

    with psycopg.connect(url) as conn:
        for contract in CONTRACTS:
            (rows,) = conn.execute(f"select count(*) from raw.{contract.table}").fetchone()
            assert rows == count_file_records(settings.sample_dir / contract.file_name)
        (loads,) = conn.execute("select count(*) from ops.loads where status = 'loaded'").fetchone()
        assert loads == len(CONTRACTS)
        (orders,) = conn.execute("select count(*) from core.fact_orders").fetchone()
        assert orders == count_file_records(settings.sample_dir / "olist_orders_dataset.csv")
