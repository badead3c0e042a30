"""Alerts: real failures, evaluated by the real sensors, land in ops.alerts and on a webhook.

A small Dagster job that raises and an asset whose ERROR check fails are executed for real; the
sensors are evaluated with contexts built as the Dagster testing docs show; a local HTTP server
on an ephemeral port stands in for the webhook. Nothing is mocked.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

pytestmark = pytest.mark.integration


# --- the webhook -------------------------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        length = int(self.headers.get("Content-Length", 0))
        self.server.bodies.append(
            {"content_type": self.headers["Content-Type"], **json.loads(self.rfile.read(length))}
        )
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def webhook():
    """A JSON receiver on 127.0.0.1; yields (url, received bodies)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.bodies = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/olist", server.bodies
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def _webhook_setting(url: str | None):
    """ALERT_WEBHOOK_URL set (or unset) for the code under test, as a deployment sets it."""
    import os

    from orchestration.settings import get_settings

    before = os.environ.pop("ALERT_WEBHOOK_URL", None)
    if url:
        os.environ["ALERT_WEBHOOK_URL"] = url
    get_settings.cache_clear()
    try:
        assert get_settings().alert_webhook_url == url
        yield
    finally:
        os.environ.pop("ALERT_WEBHOOK_URL", None)
        if before is not None:
            os.environ["ALERT_WEBHOOK_URL"] = before
        get_settings.cache_clear()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _alerts(settings, **where) -> list[dict]:
    from orchestration.database import connect

    clauses = " and ".join(f"{column} = %s" for column in where)
    with connect("admin", settings) as conn, conn.cursor() as cursor:
        cursor.execute(
            f"select * from ops.alerts where {clauses} order by id", list(where.values())
        )
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- a failing run -------------------------------------------------------------------------


@dg.op
def explode() -> None:
    raise RuntimeError("planted failure: the extract server is unreachable")


@dg.job
def alerting_probe_job() -> None:
    explode()


def _failed_run_context(instance: dg.DagsterInstance):
    result = alerting_probe_job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    return dg.build_run_status_sensor_context(
        sensor_name="alert_on_run_failure",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
    ).for_run_failure()


def test_a_failed_run_is_recorded_and_posted(empty_warehouse, webhook):
    from orchestration.alerts import alert_on_run_failure

    url, bodies = webhook
    with dg.DagsterInstance.ephemeral() as instance, _webhook_setting(url):
        context = _failed_run_context(instance)
        run_id = context.dagster_run.run_id
        alert_on_run_failure(context)
        alert_on_run_failure(context)  # a retried tick neither duplicates nor re-posts

    [row] = _alerts(empty_warehouse, run_id=run_id)
    assert row["kind"] == "run_failure"
    assert row["job_name"] == "alerting_probe_job"
    assert row["severity"] == "ERROR"
    assert row["delivered"] is True and row["delivery_error"] is None
    assert "planted failure: the extract server is unreachable" in row["message"]
    assert "step explode" in row["message"]

    [body] = bodies
    assert body["content_type"] == "application/json"
    assert body["kind"] == "run_failure"
    assert body["run_id"] == run_id
    assert body["job_name"] == "alerting_probe_job"
    assert body["id"] == row["id"]
    assert body["message"] == row["message"]


# --- a failed ERROR check --------------------------------------------------------------------


@dg.asset(key=["probe", "orders"])
def probe_orders() -> int:
    return 3


@dg.asset_check(asset=probe_orders, name="no_orphan_items")
def probe_orphans() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=False,
        severity=dg.AssetCheckSeverity.ERROR,
        description="order items without an order",
        metadata={"failing_count": 7},
    )


@dg.asset_check(asset=probe_orders, name="late_deliveries")
def probe_late() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN)


@dg.asset_check(asset=probe_orders, name="has_rows")
def probe_rows() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True, severity=dg.AssetCheckSeverity.ERROR)


@contextlib.contextmanager
def _instance(kind: str):
    if kind == "ephemeral":
        with dg.DagsterInstance.ephemeral() as instance:
            yield instance
    else:  # the local instance of `make dev`: run-sharded SQLite event log
        with dg.instance_for_test(set_dagster_home=False) as instance:
            yield instance


@pytest.mark.parametrize("instance_kind", ["ephemeral", "local_sqlite"])
def test_a_failed_error_check_is_recorded_and_posted(empty_warehouse, webhook, instance_kind):
    from orchestration.alerts import alert_on_failed_error_checks

    url, bodies = webhook
    started = time.time()
    with _instance(instance_kind) as instance, _webhook_setting(url):
        result = dg.materialize(
            [probe_orders, probe_orphans, probe_late, probe_rows],
            instance=instance,
            raise_on_error=False,
        )
        assert result.success  # a failed non-blocking check does not fail the run
        run_id = result.run_id
        context = dg.build_sensor_context(instance=instance, last_sensor_start_time=started)
        outcome = alert_on_failed_error_checks(context)
        assert "1 new check alerts" in outcome.skip_message
        assert json.loads(context.cursor)["updated_after"] >= started

        # the next tick, from the cursor, raises nothing again
        again = dg.build_sensor_context(instance=instance, cursor=context.cursor)
        assert "0 new check alerts" in alert_on_failed_error_checks(again).skip_message

    [row] = _alerts(empty_warehouse, run_id=run_id)  # the WARN and the passed check: no alert
    assert row["kind"] == "check_failure"
    assert row["asset_key"] == "probe/orders"
    assert row["check_name"] == "no_orphan_items"
    assert row["severity"] == "ERROR"
    assert row["delivered"] is True
    assert "7 failing rows" in row["message"]
    assert "order items without an order" in row["message"]

    [body] = bodies
    assert body["kind"] == "check_failure"
    assert body["run_id"] == run_id
    assert body["asset_key"] == "probe/orders"
    assert body["check_name"] == "no_orphan_items"
    assert body["message"] == row["message"]


def test_a_refusing_webhook_is_recorded_and_does_not_fail_the_sensor(empty_warehouse):
    from orchestration.alerts import WEBHOOK_TRIES, alert_on_run_failure

    url = f"http://127.0.0.1:{_closed_port()}/hooks/olist"
    with dg.DagsterInstance.ephemeral() as instance, _webhook_setting(url):
        context = _failed_run_context(instance)
        started = time.perf_counter()
        alert_on_run_failure(context)  # must not raise
        elapsed = time.perf_counter() - started

    [row] = _alerts(empty_warehouse, run_id=context.dagster_run.run_id)
    assert row["delivered"] is False
    assert "Connection refused" in row["delivery_error"]
    assert f"after {WEBHOOK_TRIES} of {WEBHOOK_TRIES} tries" in row["delivery_error"]
    assert elapsed < 10  # backoff, not a hang


def test_without_a_webhook_alerts_are_only_recorded(empty_warehouse):
    from orchestration.alerts import alert_on_run_failure

    with dg.DagsterInstance.ephemeral() as instance, _webhook_setting(None):
        context = _failed_run_context(instance)
        alert_on_run_failure(context)

    [row] = _alerts(empty_warehouse, run_id=context.dagster_run.run_id)
    assert (row["delivered"], row["delivery_error"]) == (False, None)
