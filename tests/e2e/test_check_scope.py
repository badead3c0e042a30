"""Checks look at what is new: after a full run, a nightly run checks the rows of the delta's
batches and not the history; a defect that arrives in a delta is caught, keeps its check's
watermark and is reported again by the next run; a full refresh checks whole tables again."""

from __future__ import annotations

import shutil
import subprocess
import sys

import psycopg
import pytest
from psycopg import sql

from orchestration.defects import EXPECTED_CHECKS, plant
from orchestration.generator import generate_deltas

pytestmark = pytest.mark.e2e

DATABASE = "olist_test_scope_nightly"
SAMPLE_ORDERS, SAMPLE_SEED = 3000, 42  # how data/sample was generated (make sample)
DEFECTS = ("unknown_status", "orphan_item", "negative_price")
# what the defects fail: each its own check (the item of -15.00 is planted in an order whose
# value stays at least zero, so the fact_orders suite passes)
FAILING = {(EXPECTED_CHECKS[d][0], EXPECTED_CHECKS[d][1]) for d in DEFECTS}
BATCH_COLUMNS = {"raw": "_batch_id", "staging": "batch_id", "core": "last_batch_id"}


def results(conn) -> dict[tuple[str, str], tuple[bool, int | None, dict]]:
    """The check results of the newest run recorded in ops.check_results."""
    (run_id,) = conn.execute(
        "select run_id from ops.check_results order by recorded_at desc limit 1"
    ).fetchone()
    rows = conn.execute(
        "select asset_key, check_name, passed, failing_count, metadata from ops.check_results "
        "where run_id = %s",
        (run_id,),
    ).fetchall()
    return {(asset, check): (passed, count, meta) for asset, check, passed, count, meta in rows}


def watermarks(conn) -> dict[tuple[str, str], tuple[int, object]]:
    rows = conn.execute(
        "select asset_key, check_name, checked_through_batch, checked_at from ops.check_watermarks"
    ).fetchall()
    return {(asset, check): (through, at) for asset, check, through, at in rows}


def rows_after(conn, asset: str, check: str, after: int) -> int:
    """The rows a check of ``asset`` has to look at above batch ``after``, counted directly."""
    schema, table = asset.split("/")
    if schema == "raw" and check in ("rows_valid", "unique_key_in_batch"):
        column = "rows_read" if check == "rows_valid" else "rows_loaded"
        (rows,) = conn.execute(
            sql.SQL(
                "select coalesce(sum({}), 0) from ops.loads where source_table = %s "
                "and status = 'loaded' and batch_id > %s"
            ).format(sql.Identifier(column)),
            (table, after),
        ).fetchone()
        return rows
    (rows,) = conn.execute(
        sql.SQL("select count(*) from {} where {} > %s").format(
            sql.Identifier(schema, table), sql.Identifier(BATCH_COLUMNS[schema])
        ),
        (after,),
    ).fetchone()
    return rows


@pytest.fixture(scope="module")
def runs(own_database, tmp_path_factory):
    """Five runs on one database: the sample, a clean delta, a delta with defects, nothing new,
    a full refresh. After each: its check results, the watermarks, and for each check with a
    watermark the rows above its previous watermark and all its rows, counted directly."""
    root = tmp_path_factory.mktemp("scope")
    landing = root / "landing"
    landing.mkdir()
    day1, day2 = generate_deltas(root / "deltas", SAMPLE_ORDERS, days=2, seed=SAMPLE_SEED)
    planted = plant(day2, DEFECTS)
    env, url = own_database(DATABASE, root / "dagster", LANDING_DIR=str(landing))
    snapshots = []

    def run(*args: str, ok: bool = True) -> None:
        process = subprocess.run(
            [sys.executable, "-m", "orchestration", "run", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert (process.returncode == 0) == ok, process.stdout[-3000:] + process.stderr[-3000:]
        with psycopg.connect(url, autocommit=True) as conn:  # the first run creates it
            marks = watermarks(conn)
            previous = snapshots[-1][1] if snapshots else {}
            new = {key: rows_after(conn, *key, previous[key][0]) for key in previous}
            every = {key: rows_after(conn, *key, -1) for key in marks}
            snapshots.append((results(conn), marks, new, every))

    run()  # 0: the sample
    shutil.copytree(day1, landing / day1.name)
    run()  # 1: a clean nightly delta
    shutil.copytree(day2, landing / day2.name)
    run(ok=False)  # 2: a delta with defects (two of them error-level)
    run(ok=False)  # 3: nothing new
    run("--full-refresh", ok=False)  # 4: a full refresh
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn, snapshots, planted


def test_a_nightly_run_checks_the_rows_of_the_delta_not_the_history(runs):
    conn, snapshots, _ = runs
    (first, before, _, _), (checked, after, new, _) = snapshots[0], snapshots[1]
    # every scoped check saw the whole sample first, passed, and has its watermark
    scoped = {key for key, (_, _, meta) in first.items() if "first run" in meta.get("scope", "")}
    assert set(before) == set(after) == scoped
    assert len(scoped) == 25
    for key, (through, _) in before.items():
        passed, _, meta = checked[key]
        assert passed, key
        assert meta["scope"].startswith(f"batches > {through}"), (key, meta["scope"])
        assert meta["checked_rows"] == new[key], key
    # the delta's own rows: its orders file, and the facts it touched, not every fact
    (delta_orders,) = conn.execute(
        "select rows_read from ops.loads where source_file like 'landing/%/olist_orders%' "
        "order by batch_id limit 1"
    ).fetchone()
    assert checked[("raw/olist_orders", "rows_valid")][2]["checked_rows"] == delta_orders > 0
    facts = snapshots[1][3][("core/fact_orders", "ge_fact_orders_error")]
    touched = checked[("core/fact_orders", "ge_fact_orders_error")][2]["checked_rows"]
    assert 0 < touched < facts / 10
    # checks about the whole source, or a share of all orders, still say so
    assert checked[("raw/olist_orders", "freshness")][2]["scope"].startswith("whole source")
    reconcile = checked[("core/fact_orders", "payments_reconcile")][2]
    assert reconcile["scope"].startswith("whole table") and reconcile["checked_rows"] > touched
    # a table rebuilt in full with a batch column: the people the delta reached
    people = checked[("core/dim_customer", "ge_dim_customer_error")][2]
    everyone = snapshots[1][3][("core/dim_customer", "ge_dim_customer_error")]
    assert 0 < people["checked_rows"] < everyone / 10


def test_a_defect_in_the_delta_is_caught_and_keeps_its_watermark(runs):
    _, snapshots, planted = runs
    (_, clean, _, _), (checked, after, _, _) = snapshots[1], snapshots[2]
    failed = {key for key, (passed, _, _) in checked.items() if not passed}
    assert failed == FAILING
    for key in FAILING:
        assert after[key] == clean[key], key  # neither moved nor rewritten
        assert checked[key][2]["scope"].startswith(f"batches > {clean[key][0]}"), key
    orphans = checked[("staging/stg_olist__order_items", "items_have_orders")]
    assert orphans[2]["examples"] == [f"{planted['orphan_item'][0]}/1"]
    price = checked[("core/fact_order_items", "ge_fact_order_items_error")][2]
    assert price["failing_count"] == 1
    assert planted["negative_price"][0].split("/")[0] in str(price["examples"])
    # the checks that passed on the same delta moved on
    moved = [k for k in clean if k not in FAILING and after[k][0] > clean[k][0]]
    assert ("raw/olist_orders", "unique_key_in_batch") in moved


def test_the_next_run_reports_the_defect_again(runs):
    _, snapshots, _ = runs
    (first, after_first, _, _), (again, after_again, _, _) = snapshots[2], snapshots[3]
    failed = {key for key, (passed, _, _) in again.items() if not passed}
    assert failed == {key for key, (passed, _, _) in first.items() if not passed}
    for key in failed:
        assert again[key][1] == first[key][1] > 0, key
        assert again[key][2]["examples"] == first[key][2]["examples"], key
        assert again[key][2]["scope"] == first[key][2]["scope"], key
        assert after_again[key] == after_first[key], key
    # a check that passed the delta has nothing new to look at
    unique = again[("raw/olist_orders", "unique_key_in_batch")]
    assert unique[0] and unique[2]["checked_rows"] == 0


def test_a_full_refresh_checks_whole_tables(runs):
    _, snapshots, _ = runs
    checked, after, _, every = snapshots[4]
    for key in after:
        passed, _, meta = checked[key]
        assert meta["scope"].startswith("whole table (full refresh)"), (key, meta["scope"])
        assert meta["checked_rows"] == every[key], key
    failed = {key for key, (passed, _, _) in checked.items() if not passed}
    assert failed == FAILING
