"""Least privilege: the reporting role reads marts and nothing else, and writes nowhere."""

from __future__ import annotations

from dataclasses import replace

import psycopg
import pytest

from orchestration.database import bootstrap, connect

pytestmark = pytest.mark.integration


def test_reporter_reads_marts(warehouse):
    with connect("reporter", warehouse) as conn:
        (days,) = conn.execute("select count(*) from marts.mart_executive_dashboard").fetchone()
    assert days > 0


@pytest.mark.parametrize(
    "table", ["raw.olist_orders", "core.fact_orders", "staging.stg_olist__orders"]
)
def test_reporter_cannot_read_other_layers(warehouse, table):
    with (
        connect("reporter", warehouse) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(f"select 1 from {table} limit 1")


@pytest.mark.parametrize(
    "statement",
    [
        "delete from marts.mart_executive_dashboard",
        "create table marts.reporter_was_here (id int)",
        "create table public.reporter_was_here (id int)",
    ],
)
def test_reporter_cannot_write(warehouse, statement):
    with (
        connect("reporter", warehouse) as conn,
        pytest.raises(
            (psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction)
        ),
    ):
        conn.execute(statement)


def test_loader_cannot_touch_models(warehouse):
    with connect("loader", warehouse) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("delete from core.fact_orders")


def _workers_per_query(role, settings):
    with connect(role, settings) as conn:
        return conn.execute("show max_parallel_workers_per_gather").fetchone()[0]


def test_the_platforms_sessions_take_the_parallel_workers_setting(settings, admin):
    """The loader's and transformer's sessions run with OLIST_PARALLEL_WORKERS workers per
    query (none on the embedded server: its cores are busy with dbt's threads); the owner's
    keep the server's setting, and so does everyone when the setting says so."""
    server_default = admin.execute("show max_parallel_workers_per_gather").fetchone()[0]
    expected = server_default if settings.parallel_workers is None else "0"
    assert [_workers_per_query(r, settings) for r in ("loader", "transformer")] == [expected] * 2
    try:
        bootstrap(replace(settings, parallel_workers=3))
        assert _workers_per_query("transformer", settings) == "3"
        assert _workers_per_query("loader", settings) == "3"
        assert _workers_per_query("reporter", settings) == server_default
        bootstrap(replace(settings, parallel_workers=None))
        assert _workers_per_query("transformer", settings) == server_default
        assert _workers_per_query("loader", settings) == server_default
    finally:
        bootstrap(settings)
    assert _workers_per_query("transformer", settings) == expected
