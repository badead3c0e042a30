"""The volume, freshness and schema-drift checks on crafted situations."""

from __future__ import annotations

import dataclasses
import itertools
from concurrent.futures import Future
from datetime import timedelta

import pytest

from orchestration.checks.quality import freshness, newest_purchase, schema_drift, volume
from orchestration.contracts import CONTRACTS_BY_TABLE

pytestmark = pytest.mark.integration

ORDERS = CONTRACTS_BY_TABLE["olist_orders"]
_counter = itertools.count()


def ledger(admin, table: str, rows_by_day: dict[str, int]) -> None:
    for day, rows in rows_by_day.items():
        admin.execute(
            "insert into ops.loads (source_table, source_file, file_sha256, file_bytes, "
            "rows_read, rows_loaded, rows_rejected, status) "
            "values (%s, %s, %s, 1, %s, %s, 0, 'loaded')",
            (table, f"landing/{day}/olist_orders_dataset.csv", f"{table}{day}", rows, rows),
        )


@pytest.mark.parametrize(
    ("latest", "failing"), [(110, 0), (1000, 1), (20, 1)], ids=["usual", "spike", "drop"]
)
def test_volume_flags_a_delta_far_from_the_trailing_median(warehouse, admin, latest, failing):
    contract = dataclasses.replace(ORDERS, table=f"test_volume_{next(_counter)}")
    days = {f"2018-10-{d:02d}": 100 + d for d in range(10, 16)}
    ledger(admin, contract.table, {**days, "2018-10-16": latest})
    found = volume(admin, contract, warehouse)
    assert found.failing == failing
    assert found.details["latest_rows"] == latest
    assert found.details["trailing_median"] == 112.5


def test_volume_waits_for_enough_history(warehouse, admin):
    contract = dataclasses.replace(ORDERS, table=f"test_volume_{next(_counter)}")
    ledger(admin, contract.table, {"2018-10-10": 100, "2018-10-11": 5000})
    assert volume(admin, contract, warehouse).failing == 0


def test_freshness_compares_newest_purchase_with_newest_landing_date(warehouse, admin, tmp_path):
    (latest,) = admin.execute(
        "select max(cast(order_purchase_timestamp as timestamp)) from raw.olist_orders"
    ).fetchone()
    settings = dataclasses.replace(warehouse, landing_dir=tmp_path)
    assert freshness(admin, ORDERS, settings).failing == 0  # no dated folder yet
    (tmp_path / str(latest.date())).mkdir()
    assert freshness(admin, ORDERS, settings).details["lag_days"] == 0
    (tmp_path / "2019-01-01").mkdir()
    stale = freshness(admin, ORDERS, settings)
    assert stale.failing == 1
    assert (
        stale.details["lag_days"]
        == (latest.date().replace(year=2019, month=1, day=1) - latest.date()).days
    )


def test_freshness_reads_a_loaded_files_newest_purchase_once_and_keeps_it(warehouse, admin):
    """A loaded file of orders is a partition that never changes: the freshness check reads
    the newest purchase of each file from its partition once, keeps it in the file's ledger
    row, and later checks take it from there instead of reading every order again."""
    admin.execute("update ops.loads set newest_event_at = null where source_table = 'olist_orders'")
    (truth,) = admin.execute(
        "select max(cast(order_purchase_timestamp as timestamp)) from raw.olist_orders"
    ).fetchone()
    assert newest_purchase(admin, ORDERS) == truth
    kept = dict(
        admin.execute(
            "select batch_id, newest_event_at from ops.loads "
            "where source_table = 'olist_orders' and status = 'loaded'"
        ).fetchall()
    )
    per_file = dict(
        admin.execute(
            "select _batch_id, max(cast(order_purchase_timestamp as timestamp)) "
            "from raw.olist_orders group by _batch_id"
        ).fetchall()
    )
    assert kept == per_file
    # a later check reads what is kept: a kept value past every order is what it reports
    first = min(kept)
    admin.execute(
        "update ops.loads set newest_event_at = %s where batch_id = %s",
        (truth + timedelta(days=3), first),
    )
    try:
        assert newest_purchase(admin, ORDERS) == truth + timedelta(days=3)
    finally:
        admin.execute(
            "update ops.loads set newest_event_at = %s where batch_id = %s", (kept[first], first)
        )


def test_schema_drift_reports_the_file_and_its_columns(warehouse, admin, tmp_path):
    folder = tmp_path / "2018-10-20"
    folder.mkdir()
    (folder / ORDERS.file_name).write_text('"order_id","client_id"\n', encoding="utf-8")
    settings = dataclasses.replace(warehouse, landing_dir=tmp_path)
    found = schema_drift(admin, ORDERS, settings)
    assert found.failing == 1
    assert "missing column(s) customer_id" in found.examples[0]
    assert str(folder / ORDERS.file_name) in found.examples[0]


def test_the_payments_reconciliation_started_ahead_is_what_its_check_reports(warehouse):
    """In `python -m orchestration run` the payments reconciliation starts in the Great
    Expectations worker once the dbt build has made fact_orders final, and its check step
    reports that outcome; an outcome is taken once, and without one the step reads fact_orders
    itself."""
    import dagster as dg

    from orchestration.checks import gx_process, quality
    from orchestration.resources import WarehouseResource

    url = warehouse.role_url("loader")
    resource = WarehouseResource()
    key = quality._payments_ahead_key(url)

    def reported() -> dict:
        result = quality.payments_reconcile(dg.build_asset_check_context(), warehouse=resource)
        return {name: value.value for name, value in result.metadata.items()}

    on_its_own = reported()
    assert on_its_own["orders_checked"] > 0

    # without the worker (a run whose steps have processes of their own): nothing starts
    assert not gx_process.running()
    quality.start_ahead(quality.PAYMENTS_RECONCILE.asset_key, url)
    assert not gx_process._ahead

    gx_process.start()
    try:
        quality.start_ahead(dg.AssetKey(["core", "fact_order_items"]), url)
        assert not gx_process._ahead  # no check of that table runs ahead
        quality.start_ahead(quality.PAYMENTS_RECONCILE.asset_key, url)
        ahead = gx_process._ahead[key]
        assert ahead.result(timeout=120) == quality.payments_mismatches(url, quality.EXAMPLES)
        assert reported() == on_its_own
        assert not gx_process._ahead  # taken once

        # the step reports the outcome it finds started ahead, not a second reading
        planted: Future = Future()
        planted.set_result((200, 100, ["planted: paid 1.00, value 9.00"]))
        gx_process._ahead[key] = planted
        taken = reported()
        assert (taken["orders_checked"], taken["reconciled_share"]) == (200, 0.5)
        assert reported() == on_its_own

        # a retried dbt step forgets what it started on its tables
        quality.start_ahead(quality.PAYMENTS_RECONCILE.asset_key, url)
        gx_process.forget_ahead({("core", "fact_orders")})
        assert not gx_process._ahead
    finally:
        gx_process.stop()
