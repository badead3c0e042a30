"""Least privilege: the reporting role reads marts and nothing else, and writes nowhere."""

from __future__ import annotations

import psycopg
import pytest

from orchestration.database import connect

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
