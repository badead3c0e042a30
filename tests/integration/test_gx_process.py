"""Great Expectations in the worker process that ``python -m orchestration run`` starts."""

from __future__ import annotations

import psycopg
import pytest

from orchestration.checks import gx_process, gx_validation
from orchestration.checks.scope import Scope
from orchestration.checks.suites import SUITES, Suite
from orchestration.transient import is_transient


@pytest.fixture
def worker():
    gx_process.start()
    assert gx_process.running()
    yield
    gx_process.stop()
    assert not gx_process.running()


def test_the_worker_validates_as_the_calling_process_does(warehouse, worker, admin):
    suite = next(s for s in SUITES if (s.schema, s.table) == ("raw", "olist_orders"))
    url = warehouse.role_url("loader")
    (orders,) = admin.execute("select count(*) from raw.olist_orders").fetchone()

    in_worker = gx_process.validate(suite, url, Scope(None, "test"))
    here = gx_validation.validate(suite, url, Scope(None, "test"))

    assert in_worker == here
    assert in_worker.passed
    assert in_worker.checked_rows == orders > 0
    assert [s["expectation"] for s in in_worker.summaries] == [e.type for e in suite.expectations]


def test_a_lost_connection_in_the_worker_reaches_the_caller_as_transient(tmp_path, worker):
    suite = SUITES[0]
    nowhere = f"postgresql://loader@/olist?host={tmp_path}&connect_timeout=2"
    with pytest.raises(psycopg.OperationalError) as raised:
        gx_process.validate(suite, nowhere, Scope(None, "test"))
    assert is_transient(raised.value)  # so the check step is retried, as in one process


def test_a_validation_started_ahead_serves_the_same_scope_only(warehouse, worker, admin):
    suite = next(s for s in SUITES if (s.schema, s.table) == ("raw", "olist_orders"))
    url = warehouse.role_url("loader")
    (newest,) = admin.execute("select max(_batch_id) from raw.olist_orders").fetchone()
    whole, nothing_new = Scope(None, "test"), Scope(newest, "test")

    assert gx_process.validate_ahead(suite, url, whole)
    # another scope is validated for itself: none of the rows the one ahead sees
    scoped = gx_process.validate(suite, url, nothing_new)
    assert scoped.checked_rows == 0
    assert scoped == gx_validation.validate(suite, url, nothing_new)
    assert len(gx_process._ahead) == 1
    taken = gx_process.validate(suite, url, whole)
    assert taken == gx_validation.validate(suite, url, whole)
    assert taken.checked_rows > 0
    assert not gx_process._ahead  # taken once


def test_validations_ahead_of_a_table_can_be_forgotten(warehouse, worker):
    url = warehouse.role_url("loader")
    raw, core = (
        next(s for s in SUITES if s.schema == "raw"),
        next(s for s in SUITES if s.schema == "core"),
    )
    gx_process.validate_ahead(raw, url, Scope(None, "test"))
    gx_process.validate_ahead(core, url, Scope(None, "test"))
    gx_process.forget_ahead({(core.schema, core.table)})
    assert [key[:2] for key in gx_process._ahead] == [(raw.schema, raw.table)]
    gx_process.forget_ahead()
    assert not gx_process._ahead


def test_nothing_is_validated_ahead_without_a_worker(warehouse):
    assert not gx_process.running()
    assert not gx_process.validate_ahead(SUITES[0], warehouse.role_url("loader"), Scope())
    assert not gx_process._ahead


def _types(value) -> set[type]:
    found = {type(value)}
    if isinstance(value, dict):
        for key, item in value.items():
            found |= _types(key) | _types(item)
    elif isinstance(value, list | tuple):
        for item in value:
            found |= _types(item)
    return found


def test_a_failing_outcome_holds_only_plain_values(warehouse, worker, admin):
    """The outcome crosses to the caller pickled: a Great Expectations type in it (the keys of
    the failing examples were) makes the caller import Great Expectations while it unpickles,
    in the pool's result thread, which raced the run's own imports."""
    suite = next(s for s in SUITES if (s.schema, s.table) == ("core", "fact_order_items"))
    admin.execute("create temporary table negative as select * from core.fact_order_items limit 1")
    admin.execute("update negative set order_item_id = order_item_id + 1000, price = -1")
    admin.execute("insert into core.fact_order_items select * from negative")
    try:
        outcome = gx_process.validate(suite, warehouse.role_url("loader"), Scope(None, "test"))
    finally:
        admin.execute("delete from core.fact_order_items where price = -1")
        admin.execute("drop table negative")

    assert not outcome.passed
    failed = next(s for s in outcome.summaries if not s["passed"])
    assert failed["column"] == "price" and failed["failing_count"] == 1
    assert failed["examples"] and all(isinstance(k, str) for k in failed["examples"][0])
    plain = {dict, list, tuple, str, int, float, bool, type(None)}
    assert _types(outcome.summaries) <= plain


def test_an_error_of_great_expectations_crosses_back_as_a_plain_one(warehouse, worker):
    missing = Suite("public", "no_such_table", ("id",), SUITES[-1].expectations)
    with pytest.raises(RuntimeError, match=r"^great_expectations\.") as raised:
        gx_process.validate(missing, warehouse.role_url("loader"), Scope(None, "test"))
    assert "no_such_table" in str(raised.value)
