"""Check watermarks: what a check looks at next, and what the loader may do with them."""

from __future__ import annotations

import itertools

import dagster as dg
import psycopg
import pytest

from orchestration.checks.quality import rows_valid, unique_key_in_batch
from orchestration.checks.scope import Scope
from orchestration.checks.watermarks import advance, scope_for
from orchestration.contracts import CONTRACTS_BY_TABLE
from orchestration.database import connect
from orchestration.schedules import FULL_REFRESH_CONFIG, asks_for_full_refresh

pytestmark = pytest.mark.integration

ORDERS = CONTRACTS_BY_TABLE["olist_orders"]
_counter = itertools.count()


def a_check() -> dg.AssetCheckKey:
    return dg.AssetCheckKey(dg.AssetKey(["test", f"watermarks_{next(_counter)}"]), "a_check")


def test_a_check_sees_only_batches_above_its_watermark(warehouse):
    check = a_check()
    with connect("loader", warehouse, autocommit=True) as conn:
        first = scope_for(conn, check, "v1")
        assert first.whole and first.label == "whole table (first run of this check)"
        assert advance(conn, check, first, 41, "v1")
        assert scope_for(conn, check, "v1") == Scope(41, "passed through batch 41")
        assert scope_for(conn, check, "v1").label == "batches > 41"
        # nothing new in scope: the watermark stays
        assert not advance(conn, check, Scope(41), None, "v1")
        assert scope_for(conn, check, "v1").after == 41
        # a changed check sees every row again, and so does a full refresh
        assert scope_for(conn, check, "v2").label == "whole table (check changed since batch 41)"
        assert scope_for(conn, check, "v1", full_refresh=True).label == (
            "whole table (full refresh)"
        )
        # a whole-table pass sets the watermark to what the table holds, even lower
        assert advance(conn, check, Scope(None, "full refresh"), 30, "v2")
        assert scope_for(conn, check, "v2").after == 30


def test_a_redelivered_source_sends_the_check_back_to_the_whole_table(warehouse, admin):
    check, source = a_check(), f"test_redelivered_{next(_counter)}"
    (passed,) = admin.execute("select max(batch_id) from ops.loads").fetchone()
    with connect("loader", warehouse, autocommit=True) as conn:
        assert advance(conn, check, Scope(None, "first run"), passed, "v1")
        # a file loaded, then replaced by a changed copy: two batches above the watermark
        for status in ("replaced", "loaded"):
            admin.execute(
                "insert into ops.loads (source_table, source_file, file_sha256, file_bytes, "
                "rows_read, rows_loaded, rows_rejected, status) "
                "values (%s, 'landing/2018-10-20/x.csv', %s, 1, 1, 1, 0, %s)",
                (source, status, status),
            )
        (newest,) = admin.execute(
            "select max(batch_id) from ops.loads where source_table = %s", (source,)
        ).fetchone()
        assert scope_for(conn, check, "v1", sources=["olist_orders"]).after == passed
        redelivered = scope_for(conn, check, "v1", sources=[source, "olist_orders"])
        assert redelivered.label == f"whole table ({source} re-delivered after batch {passed})"
        assert advance(conn, check, redelivered, newest, "v1")
        assert scope_for(conn, check, "v1", sources=[source]).after == newest


def test_scoped_raw_checks_read_only_the_batches_in_scope(warehouse, admin):
    (batch, rows) = admin.execute(
        "select batch_id, rows_loaded from ops.loads where source_table = 'olist_orders' "
        "and status = 'loaded' order by batch_id desc limit 1"
    ).fetchone()
    for check in (rows_valid, unique_key_in_batch):
        everything = check(admin, ORDERS, warehouse)
        newest = check(admin, ORDERS, warehouse, Scope(batch - 1))
        nothing = check(admin, ORDERS, warehouse, Scope(batch))
        assert newest.details["checked_rows"] == rows
        assert newest.details["scope"] == f"batches > {batch - 1}"
        assert everything.details["checked_rows"] >= rows
        assert (newest.through, nothing.through) == (batch, None)
        assert nothing.details["checked_rows"] == 0 and nothing.failing == 0


def test_the_loader_moves_watermarks_and_nothing_more(warehouse):
    with connect("loader", warehouse, autocommit=True) as conn:
        conn.execute("select count(*) from ops.check_watermarks")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("delete from ops.check_watermarks")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("truncate ops.check_watermarks")
    with (
        connect("reporter", warehouse) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("select 1 from ops.check_watermarks")


def test_full_refresh_is_the_job_or_its_run_config():
    assert asks_for_full_refresh("full_refresh", None)
    assert asks_for_full_refresh("build_everything", {"loggers": {}, **FULL_REFRESH_CONFIG})
    assert not asks_for_full_refresh("build_everything", {})
    assert not asks_for_full_refresh(
        "build_everything", {"ops": {"olist_dbt_models": {"config": {"full_refresh": False}}}}
    )
