"""Which failures are worth a retry."""

from __future__ import annotations

import psycopg
import pytest

from orchestration.transient import is_transient


@pytest.mark.parametrize(
    "error",
    [
        psycopg.OperationalError("connection refused"),
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        psycopg.errors.CannotConnectNow("the database system is starting up"),
        RuntimeError("Errors parsed from dbt logs:\nserver closed the connection unexpectedly"),
        RuntimeError("dbt: could not connect to server: No such file or directory"),
    ],
)
def test_server_going_away_is_transient(error):
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        psycopg.errors.UndefinedTable("relation does not exist"),
        RuntimeError("Errors parsed from dbt logs:\nsyntax error at or near 'selec'"),
        ValueError("header does not match the contract"),
    ],
)
def test_broken_code_and_data_are_not(error):
    assert not is_transient(error)


def test_cause_chain_is_followed():
    try:
        try:
            raise psycopg.OperationalError("connection refused")
        except psycopg.OperationalError as inner:
            raise RuntimeError("load failed") from inner
    except RuntimeError as outer:
        assert is_transient(outer)


def test_a_deadlock_is_retried():
    assert is_transient(psycopg.errors.DeadlockDetected("deadlock detected"))
