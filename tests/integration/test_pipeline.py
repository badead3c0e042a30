"""The whole pipeline on the committed sample, checked against the files themselves."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from psycopg import sql

from orchestration.contracts import CONTRACTS, CONTRACTS_BY_TABLE

pytestmark = pytest.mark.integration

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data" / "sample"


def read_records(file_name: str) -> list[dict[str, str]]:
    with (SAMPLE_DIR / file_name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_raw_table_holds_every_record_of_its_file(warehouse, admin):
    for contract in CONTRACTS:
        expected = len(read_records(contract.file_name))
        (loaded,) = admin.execute(
            sql.SQL("select count(*) from {}").format(sql.Identifier("raw", contract.table))
        ).fetchone()
        (rejected,) = admin.execute(
            sql.SQL("select count(*) from {}").format(
                sql.Identifier("raw", contract.rejected_table)
            )
        ).fetchone()
        assert (loaded, rejected) == (expected, 0), contract.file_name


def test_ledger_accounts_for_every_row(warehouse, admin):
    rows = admin.execute(
        "select source_file, rows_read, rows_loaded, rows_rejected from ops.loads "
        "where status = 'loaded' and source_table = any(%s)",
        ([contract.table for contract in CONTRACTS],),
    ).fetchall()
    assert len(rows) == len(CONTRACTS)
    for source_file, read, loaded, rejected in rows:
        assert read == loaded + rejected, source_file


def test_mart_gmv_equals_items_of_counted_orders_in_the_files(warehouse, admin):
    counted = {
        row["order_id"]
        for row in read_records(CONTRACTS_BY_TABLE["olist_orders"].file_name)
        if row["order_status"] not in ("canceled", "unavailable")
    }
    expected = sum(
        Decimal(row["price"]) + Decimal(row["freight_value"])
        for row in read_records(CONTRACTS_BY_TABLE["olist_order_items"].file_name)
        if row["order_id"] in counted
    )
    (gmv,) = admin.execute("select sum(gmv) from marts.mart_executive_dashboard").fetchone()
    (orders,) = admin.execute("select sum(orders) from marts.mart_executive_dashboard").fetchone()
    assert gmv == expected
    assert orders == len(counted)


def test_every_check_passed(pipeline_run):
    evaluations = pipeline_run.get_asset_check_evaluations()
    assert len(evaluations) >= 50
    failed = [f"{e.asset_key.to_user_string()}:{e.check_name}" for e in evaluations if not e.passed]
    assert failed == []


def test_every_asset_materialized(pipeline_run):
    from orchestration.definitions import defs

    expected = {key for key in defs.resolve_asset_graph().get_all_asset_keys()}
    materialized = {event.asset_key for event in pipeline_run.get_asset_materialization_events()}
    assert materialized == expected


def test_raw_materializations_report_the_rows_in_each_table(pipeline_run, admin):
    """The row counts the Dagster UI shows for raw assets (from the ledger) are the tables'."""
    reported = {
        event.asset_key.path[-1]: event.materialization.metadata
        for event in pipeline_run.get_asset_materialization_events()
        if event.asset_key.path[0] == "raw"
    }
    assert set(reported) == {contract.table for contract in CONTRACTS}
    for contract in CONTRACTS:
        rows, rejected = (
            admin.execute(
                sql.SQL("select count(*) from {}").format(sql.Identifier("raw", table))
            ).fetchone()[0]
            for table in (contract.table, contract.rejected_table)
        )
        metadata = reported[contract.table]
        assert metadata["dagster/row_count"].value == rows, contract.table
        assert metadata["rejected_rows_total"].value == rejected, contract.table


def test_second_load_is_a_no_op(warehouse, admin):
    from orchestration.loader import load_source

    tables = [contract.table for contract in CONTRACTS]
    ledger = "select count(*), max(batch_id) from ops.loads where source_table = any(%s)"
    before = admin.execute(ledger, (tables,)).fetchone()
    for contract in CONTRACTS:
        results = load_source(contract, warehouse, warehouse.role_url("loader"))
        assert [r.status for r in results] == ["skipped"]
    assert admin.execute(ledger, (tables,)).fetchone() == before


def test_every_dbt_unit_test_passes(warehouse, tmp_path):
    """The business rules pinned by dbt unit tests (left out of the production build) hold."""
    env = {**os.environ, "DBT_TARGET_PATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "orchestration", "dbt", "test", "--select", "test_type:unit"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    results = json.loads((tmp_path / "run_results.json").read_text())["results"]
    assert len(manifest["unit_tests"]) >= 10
    assert {r["unique_id"] for r in results} == set(manifest["unit_tests"])
    assert {r["status"] for r in results} == {"pass"}


def test_run_summary_counts_small_tables_and_estimates_large_ones(warehouse, admin, monkeypatch):
    from orchestration import cli

    monkeypatch.setattr(cli, "EXACT_COUNT_LIMIT", 5000)
    counts = dict(
        ((layer, name), (rows, exact))
        for layer, relations in cli.layer_counts(warehouse).items()
        for name, rows, exact in relations
    )
    assert set(cli.LAYERS) <= {layer for layer, _ in counts}
    # raw tables are partitioned by batch: the estimate is the partitions' (each analyzed)
    (estimate,) = admin.execute(
        "select sum(reltuples)::bigint from pg_class where oid in "
        "(select inhrelid from pg_inherits where inhparent = 'raw.olist_geolocation'::regclass)"
    ).fetchone()
    assert estimate > 5000  # the sample's geolocation file has 30,000 rows
    assert counts["raw", "olist_geolocation"] == (estimate, False)
    (points,) = admin.execute(
        "select reltuples::bigint from pg_class "
        "where oid = 'staging.stg_olist__geolocation'::regclass"
    ).fetchone()
    assert counts["staging", "stg_olist__geolocation"] == (points, False)
    # a view is counted while the planner expects it small, estimated by the planner past that
    (people,) = admin.execute("select count(*) from marts.mart_customer_analytics").fetchone()
    assert people < 5000 and counts["marts", "mart_customer_analytics"] == (people, True)
    monkeypatch.setattr(cli, "EXACT_COUNT_LIMIT", people // 2)
    view_rows, view_exact = dict(
        (name, (rows, exact)) for name, rows, exact in cli.layer_counts(warehouse)["marts"]
    )["mart_customer_analytics"]
    assert not view_exact and abs(view_rows - people) <= people // 10
    orders = len(read_records(CONTRACTS_BY_TABLE["olist_orders"].file_name))
    assert counts["raw", "olist_orders"] == (orders, True)
    assert counts["core", "fact_orders"] == (orders, True)


def test_dbt_log_of_a_run_is_kept_at_info_level(pipeline_run, settings):
    """The run's dbt build folder keeps dbt.log with the nodes' events but not dbt's debug
    events (every statement's SQL), which cost the nightly's dbt process a tenth of its CPU."""
    target = settings.dbt_project_dir / "target"
    folders = list(target.glob(f"olist_dbt_models-{pipeline_run.run_id[:7]}-*"))
    assert len(folders) == 1
    events = [
        json.loads(line) for line in (folders[0] / "dbt.log").read_text().splitlines() if line
    ]
    levels = {event["info"]["level"] for event in events}
    names = {event["info"]["name"] for event in events}
    assert levels <= {"info", "warn", "error"}
    assert {"LogStartLine", "LogModelResult", "LogTestResult"} <= names
    assert (folders[0] / "run").is_dir()  # the statements that ran, for who needs the SQL
