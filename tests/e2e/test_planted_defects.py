"""Checks catch real defects: each planted defect fails exactly the check meant to catch it,
with metadata that explains it; error-level failures block what is downstream; the quality
score drops by what failed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from orchestration.defects import DEFECTS, EXPECTED_CHECKS, plant
from orchestration.generator import generate

pytestmark = pytest.mark.e2e


def run_pipeline(own_database, root: Path, database: str, defects: tuple[str, ...]):
    """Generate the sample with defects planted and run `python -m orchestration run` on it."""
    data = root / "data"
    generate(data, 3000, 42)
    planted = plant(data, defects)
    (root / "landing").mkdir()
    env, url = own_database(
        database, root / "dagster", SAMPLE_DIR=str(data), LANDING_DIR=str(root / "landing")
    )
    process = subprocess.run(
        [sys.executable, "-m", "orchestration", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    conn = psycopg.connect(url, autocommit=True)
    (run_id,) = conn.execute("select max(run_id) from ops.check_results").fetchone()
    return process, planted, conn, run_id


def failed_checks(conn, run_id) -> dict[tuple[str, str], tuple]:
    rows = conn.execute(
        "select asset_key, check_name, severity, failing_count, metadata from ops.check_results "
        "where run_id = %s and not passed",
        (run_id,),
    ).fetchall()
    return {(asset, check): (severity, count, meta) for asset, check, severity, count, meta in rows}


@pytest.fixture(scope="module")
def defect_run(own_database, tmp_path_factory):
    non_blocking = tuple(d for d in DEFECTS if d != "duplicate_key")
    process, planted, conn, run_id = run_pipeline(
        own_database, tmp_path_factory.mktemp("defects"), "olist_test_defects", non_blocking
    )
    yield process, planted, conn, run_id
    conn.close()


def test_each_defect_is_caught_by_its_check_and_nothing_else_fails(defect_run):
    process, planted, conn, run_id = defect_run
    failed = failed_checks(conn, run_id)
    expected = {(EXPECTED_CHECKS[d][0], EXPECTED_CHECKS[d][1]) for d in planted}
    assert set(failed) == expected, process.stdout[-4000:]
    for defect in planted:
        asset, check, severity = EXPECTED_CHECKS[defect]
        assert failed[(asset, check)][0] == severity
    assert process.returncode == 1  # error-level failures fail the command


def test_failed_checks_explain_themselves(defect_run):
    _, planted, conn, run_id = defect_run
    failed = failed_checks(conn, run_id)

    def meta(asset, check):
        return failed[(asset, check)][2]

    orders = meta("raw/olist_orders", "rows_valid")
    assert orders["failing_count"] == 2  # the null key and the unknown status
    reasons = json.dumps(orders["examples"])
    assert "order_id: expected a value" in reasons
    assert "order_status: expected one of" in reasons and "lost_in_transit" in reasons
    assert orders["rule"] and orders["column"]
    assert "review_score: expected one of 1, 2, 3, 4, 5, got '7'" in json.dumps(
        meta("raw/olist_order_reviews", "rows_valid")["examples"]
    )
    orphans = meta("staging/stg_olist__order_items", "items_have_orders")
    assert orphans["failing_count"] == 1
    assert orphans["examples"] == [f"{planted['orphan_item'][0]}/1"]
    price = meta("core/fact_order_items", "ge_fact_order_items_error")
    assert price["failing_columns"] == "price" and price["failing_count"] == 1
    assert planted["negative_price"][0].split("/")[0] in json.dumps(price["examples"])
    late = meta("core/fact_orders", "ge_fact_orders_warn")
    assert planted["delivery_before_purchase"][0] in json.dumps(late["examples"])
    payments = meta("core/fact_orders", "payments_reconcile")
    assert payments["failing_count"] >= len(planted["payment_mismatch"])
    assert payments["reconciled_share"] < 0.99


def test_quality_score_drops_by_the_failed_error_checks(defect_run, pipeline_run, admin):
    _, _, conn, run_id = defect_run
    clean = admin.execute(
        "select quality_score, error_checks from ops.quality_scores where run_id = %s",
        (pipeline_run.run_id,),
    ).fetchone()
    score, executed, passed = conn.execute(
        "select quality_score, error_checks, error_checks_passed from ops.quality_scores "
        "where run_id = %s",
        (run_id,),
    ).fetchone()
    assert clean[0] == 1
    assert executed == clean[1]
    assert passed == executed - 2  # orphan item and negative price are error-level
    assert float(score) == round((executed - 2) / executed, 4)


def test_error_on_a_raw_asset_blocks_everything_downstream(own_database, tmp_path_factory):
    root = tmp_path_factory.mktemp("blocking")
    process, planted, conn, run_id = run_pipeline(
        own_database, root, "olist_test_blocking", ("duplicate_key",)
    )
    with conn:
        failed = failed_checks(conn, run_id)
        assert set(failed) == {("raw/olist_orders", "unique_key_in_batch")}
        assert planted["duplicate_key"][0] in json.dumps(failed[next(iter(failed))][2])
    assert process.returncode == 1
    with dg.DagsterInstance.from_config(str(root / "dagster")) as instance:
        records = instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        ).records
        layers = {r.event_log_entry.dagster_event.asset_key.path[0] for r in records}
    assert layers == {"raw"}  # no dbt model was built from the broken extract
