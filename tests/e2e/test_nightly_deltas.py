"""Nightly operation: daily delta folders land, the next run loads only them, and a status
change in a delta flows through staging (latest version by batch) to the facts and the mart."""

from __future__ import annotations

import csv
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from orchestration.generator import generate_deltas
from orchestration.loader import file_sha256

pytestmark = pytest.mark.e2e

DATABASE = "olist_test_deltas"
SAMPLE_ORDERS, SAMPLE_SEED = 3000, 42  # how data/sample was generated (make sample)


@pytest.fixture(scope="module")
def nightly(own_database, tmp_path_factory):
    root = tmp_path_factory.mktemp("nightly")
    landing = root / "landing"
    landing.mkdir()
    env, url = own_database(DATABASE, root / "dagster", LANDING_DIR=str(landing))

    def run() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "orchestration", "run"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    first = run()
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    folders = generate_deltas(landing, SAMPLE_ORDERS, days=3, seed=SAMPLE_SEED)
    second = run()
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn, folders, second.stdout, env


def latest_delta_orders(folders: list[Path]) -> dict[str, dict[str, str]]:
    latest: dict[str, dict[str, str]] = {}
    for folder in sorted(folders):
        with (folder / "olist_orders_dataset.csv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                latest[row["order_id"]] = row
    return latest


def test_only_the_delta_files_are_loaded_by_the_second_run(nightly):
    conn, folders, _, _ = nightly
    loaded = conn.execute(
        "select source_file from ops.loads where status = 'loaded' order by batch_id"
    ).fetchall()
    delta_files = [name for (name,) in loaded if name.startswith("landing/")]
    sample_files = [name for (name,) in loaded if name.startswith("sample/")]
    assert len(sample_files) == 9
    assert {Path(name).parent.name for name in delta_files} == {f.name for f in folders}
    # every delta file is loaded, except one byte-identical to a file already loaded (a
    # header-only file on a quiet day): the ledger keys files by content
    expected, seen = set(), set()
    for folder in sorted(folders):
        for path in sorted(folder.glob("*.csv")):
            digest = (path.name, file_sha256(path))
            if digest not in seen:
                expected.add(f"landing/{folder.name}/{path.name}")
            seen.add(digest)
    assert set(delta_files) == expected


def test_status_changes_in_deltas_reach_the_facts(nightly):
    conn, folders, _, _ = nightly
    with (Path(__file__).resolve().parents[2] / "data/sample/olist_orders_dataset.csv").open(
        encoding="utf-8", newline=""
    ) as handle:
        base = {row["order_id"]: row for row in csv.DictReader(handle)}
    latest = latest_delta_orders(folders)
    changed = {
        order_id: row
        for order_id, row in latest.items()
        if order_id in base and row["order_status"] != base[order_id]["order_status"]
    }
    assert changed, "the deltas should change the status of some open orders"
    facts = dict(
        conn.execute(
            "select order_id, order_status from core.fact_orders where order_id = any(%s)",
            (list(changed),),
        ).fetchall()
    )
    assert facts == {order_id: row["order_status"] for order_id, row in changed.items()}
    new_orders = set(latest) - set(base)
    (found,) = conn.execute(
        "select count(*) from core.fact_orders where order_id = any(%s)", (list(new_orders),)
    ).fetchone()
    assert found == len(new_orders) > 0


def test_mart_matches_the_facts_after_deltas(nightly):
    conn, _, stdout, _ = nightly
    (mart_gmv,) = conn.execute("select sum(gmv) from marts.mart_executive_dashboard").fetchone()
    (fact_gmv,) = conn.execute(
        "select sum(order_value) from core.fact_orders where is_counted"
    ).fetchone()
    assert mart_gmv == fact_gmv > Decimal(0)
    assert ", 0 failed" in stdout


def test_the_nightly_build_tests_only_the_new_batches(nightly):
    """The first build tested every row; the nightly one only rows of batches newer than what
    the first had seen (ops.dbt_builds). Scoped that way, a defect in a new row still fails
    its test, and a defect in an old row is not read again."""
    conn, _, _, env = nightly
    builds = conn.execute(
        "select tests_since_batch, loaded_through_batch, tests_passed from ops.dbt_builds "
        "order by finished_at"
    ).fetchall()
    assert len(builds) == 2 and all(passed for *_, passed in builds)
    (first_since, first_loaded, _), (second_since, second_loaded, _) = builds
    assert first_since is None and second_since == first_loaded < second_loaded

    old, new = conn.execute(
        "select (select min(order_id) from core.fact_orders where last_batch_id <= %(b)s), "
        "(select min(order_id) from core.fact_orders where last_batch_id > %(b)s)",
        {"b": first_loaded},
    ).fetchone()
    saved = dict(
        conn.execute(
            "select order_id, customer_unique_id from core.fact_orders where order_id = any(%s)",
            ([old, new],),
        ).fetchall()
    )

    def not_null_test(*, since: int) -> int:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "orchestration",
                "dbt",
                "test",
                "--select",
                "fact_orders,test_name:not_null",
            ],
            env={**env, "OLIST_TESTS_SINCE_BATCH": str(since)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        return done.returncode

    try:
        conn.execute(
            "update core.fact_orders set customer_unique_id = null where order_id = %s", (old,)
        )
        assert not_null_test(since=first_loaded) == 0  # the old row is not read again
        conn.execute(
            "update core.fact_orders set customer_unique_id = null where order_id = %s", (new,)
        )
        assert not_null_test(since=first_loaded) != 0  # the new one is
    finally:
        for order_id, person in saved.items():
            conn.execute(
                "update core.fact_orders set customer_unique_id = %s where order_id = %s",
                (person, order_id),
            )
