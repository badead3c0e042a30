"""A load killed mid-COPY leaves nothing behind; two loads at once load a file once."""

from __future__ import annotations

import dataclasses
import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from psycopg import sql

from orchestration.contracts import CONTRACTS_BY_TABLE
from orchestration.loader import load_source

pytestmark = pytest.mark.integration

ORDERS = CONTRACTS_BY_TABLE["olist_orders"]
ROWS = 400_000
_counter = itertools.count()

LOAD_SCRIPT = """
import dataclasses, json, sys
from pathlib import Path
from orchestration.contracts import CONTRACTS_BY_TABLE
from orchestration.loader import load_source
from orchestration.settings import get_settings
settings = get_settings()
contract = dataclasses.replace(CONTRACTS_BY_TABLE["olist_orders"], table=sys.argv[1])
(result,) = load_source(contract, settings, settings.role_url("loader"), files=[Path(sys.argv[2])])
print(json.dumps({"status": result.status, "rows": result.rows_loaded}))
"""


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "olist_orders_dataset.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(",".join(f'"{c}"' for c in ORDERS.column_names) + "\n")
        for i in range(ROWS):
            handle.write(
                f"{i:032x},c{i},delivered,2017-10-02 10:56:33,2017-10-02 11:07:15,"
                "2017-10-04 19:55:00,2017-10-10 21:25:13,2017-10-18 00:00:00\n"
            )
    return path


@pytest.fixture
def table() -> str:
    return f"test_safety_{os.getpid()}_{next(_counter)}"


def start_load(table: str, path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", LOAD_SCRIPT, table, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def rows_in(admin, table: str) -> int:
    exists = admin.execute("select to_regclass(%s)", (f"raw.{table}",)).fetchone()[0]
    if not exists:
        return 0
    query = sql.SQL("select count(*) from {}").format(sql.Identifier("raw", table))
    return admin.execute(query).fetchone()[0]


def test_kill_9_during_copy_leaves_no_partial_batch(empty_warehouse, admin, big_file, table):
    process = start_load(table, big_file)
    deadline = time.monotonic() + 60
    while not admin.execute(
        "select 1 from pg_stat_activity where state = 'active' and query ilike %s",
        (f"copy%{table}%",),
    ).fetchone():
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline, "the load never reached COPY"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    # the server ends the orphaned transaction once it notices the client is gone
    deadline = time.monotonic() + 30
    while admin.execute(
        "select 1 from pg_stat_activity where query ilike %s and pid <> pg_backend_pid()",
        (f"%{table}%",),
    ).fetchone():
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert rows_in(admin, table) == 0
    ledger = admin.execute("select count(*) from ops.loads where source_table = %s", (table,))
    assert ledger.fetchone()[0] == 0

    # the next run converges to the complete batch
    contract = dataclasses.replace(ORDERS, table=table)
    (result,) = load_source(
        contract, empty_warehouse, empty_warehouse.role_url("loader"), files=[big_file]
    )
    assert (result.status, result.rows_loaded) == ("loaded", ROWS)
    assert rows_in(admin, table) == ROWS


def test_two_concurrent_loads_load_the_file_once(empty_warehouse, admin, big_file, table):
    first, second = start_load(table, big_file), start_load(table, big_file)
    outputs = []
    for process in (first, second):
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        outputs.append(out.strip())
    statuses = sorted(output.split('"status": "')[1].split('"')[0] for output in outputs)
    assert statuses == ["loaded", "skipped"]
    assert rows_in(admin, table) == ROWS
    ledger = admin.execute(
        "select count(*) from ops.loads where source_table = %s and status = 'loaded'", (table,)
    )
    assert ledger.fetchone()[0] == 1


def test_preparing_a_source_does_not_wait_for_another_sources_load(empty_warehouse, table):
    """Sources load side by side: the ledger DDL must not queue behind a load in progress."""
    import psycopg

    from orchestration.loader import ensure_tables

    url = empty_warehouse.role_url("loader")
    loading = dataclasses.replace(ORDERS, table=table)
    other = dataclasses.replace(ORDERS, table=f"{table}_other")
    with psycopg.connect(url, autocommit=True) as first, psycopg.connect(url) as second:
        ensure_tables(first, loading)
        with first.transaction() as load:  # a load in progress holds its ledger row open
            first.execute(
                "insert into ops.loads (source_table, source_file, file_sha256, file_bytes, "
                "status) values (%s, 'f.csv', 'x', 1, 'loaded')",
                (table,),
            )
            second.execute("set lock_timeout = '2s'")
            second.commit()
            second.autocommit = True
            ensure_tables(second, other)  # raised LockNotAvailable when it waited
            raise psycopg.Rollback(load)  # leave no ledger row behind
