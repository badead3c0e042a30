"""Alerts: a failed run or a failed error-level check reaches a person, not only the UI.

The nightly schedule runs while nobody watches the Dagster UI, so two sensors turn failures into
alerts. Every alert is kept in ``ops.alerts`` (the warehouse is where the team already looks, and
the table is the audit trail of what was sent) and, when ``ALERT_WEBHOOK_URL`` is set, POSTed as
JSON to that webhook (Slack-, Teams- or PagerDuty-style receivers all accept a JSON POST).

- ``alert_on_run_failure``: a ``run_failure_sensor``, one alert per failed run.
- ``alert_on_failed_error_checks``: reads the ``ASSET_CHECK_EVALUATION`` events of the runs that
  finished since its cursor and raises one alert per failed check of severity ERROR (dbt tests
  and Great Expectations suites, see ``orchestration/checks/``). Warnings stay in
  ``ops.check_results``; they annotate, they do not page anyone.

An alert is written once: ``ops.alerts`` is unique on (kind, run, asset, check), so a sensor that
evaluates a run twice (overlapping cursor window, retried tick) neither duplicates the row nor
posts it twice. A webhook that is down never fails a sensor: the outcome is recorded in
``delivered`` / ``delivery_error`` instead. A warehouse that is down does fail it, so the tick is
retried and nothing is lost silently.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg
import psycopg

from orchestration.database import connect
from orchestration.settings import Settings, get_settings

DDL = """
create table if not exists ops.alerts (
    id bigint generated always as identity primary key,
    raised_at timestamp with time zone not null default now(),
    kind text not null check (kind in ('run_failure', 'check_failure')),
    run_id text,
    job_name text,
    asset_key text,
    check_name text,
    severity text not null,
    message text not null,
    delivered boolean not null default false,
    delivery_error text,
    constraint alerts_once unique nulls not distinct (kind, run_id, asset_key, check_name)
)
"""

WEBHOOK_TIMEOUT_SECONDS = 5.0
WEBHOOK_TRIES = 3
WEBHOOK_BACKOFF_SECONDS = 0.5  # doubled after each failed try: 0.5 s, then 1 s
MESSAGE_LIMIT = 4000  # characters; a stack trace belongs in the Dagster UI, not in a chat message
# Runs whose status changed this long before the cursor are read again: a run that finished
# just before another one may be committed just after it. ops.alerts drops the duplicates.
CURSOR_OVERLAP = timedelta(seconds=30)
RUNS_PER_TICK = 100
FINISHED = [
    dg.DagsterRunStatus.SUCCESS,
    dg.DagsterRunStatus.FAILURE,
    dg.DagsterRunStatus.CANCELED,
]


@dataclass(frozen=True)
class Alert:
    """What went wrong, where: one row of ``ops.alerts`` before it is stored."""

    kind: str  # 'run_failure' | 'check_failure'
    message: str
    severity: str = "ERROR"
    run_id: str | None = None
    job_name: str | None = None
    asset_key: str | None = None
    check_name: str | None = None


def ensure_table(conn: psycopg.Connection) -> None:
    """Create ``ops.alerts`` (idempotent; as the loader, which owns ``ops``)."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('olist.alerts.ddl'))")
        conn.execute(DDL)


def deliver(url: str, payload: dict[str, Any]) -> str | None:
    """POST ``payload`` as JSON; returns None when delivered, else the last error.

    Three tries with a doubling pause, 5 s timeout each. A 4xx answer (other than 408 and 429)
    means the receiver rejects this alert, so it is not retried.
    """
    body = json.dumps(payload, default=str).encode()
    error = "not tried"
    for attempt in range(WEBHOOK_TRIES):
        if attempt:
            time.sleep(WEBHOOK_BACKOFF_SECONDS * 2 ** (attempt - 1))
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "User-Agent": "olist-platform-alerts"},
        )
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
                response.read()
            return None
        except urllib.error.HTTPError as failure:
            error = f"HTTP {failure.code} {failure.reason}"
            if 400 <= failure.code < 500 and failure.code not in (408, 429):
                break
        except Exception as failure:  # any network or URL error is a delivery failure
            reason = getattr(failure, "reason", failure)
            error = f"{type(failure).__name__}: {reason}"
    return f"{error} (after {attempt + 1} of {WEBHOOK_TRIES} tries to {url})"


def raise_alert(alert: Alert, settings: Settings | None = None) -> dict[str, Any] | None:
    """Store the alert and post it to the webhook; returns the stored row, None if already raised.

    Never raises because of the webhook; raises when the warehouse cannot be written.
    """
    settings = settings or get_settings()
    message = alert.message[:MESSAGE_LIMIT]
    with connect("loader", settings, autocommit=True) as conn:
        ensure_table(conn)
        row = conn.execute(
            "insert into ops.alerts (kind, run_id, job_name, asset_key, check_name, severity, "
            "message) values (%s, %s, %s, %s, %s, %s, %s) "
            "on conflict on constraint alerts_once do nothing returning id, raised_at",
            (
                alert.kind,
                alert.run_id,
                alert.job_name,
                alert.asset_key,
                alert.check_name,
                alert.severity,
                message,
            ),
        ).fetchone()
        if row is None:
            return None
        stored = {
            "id": row[0],
            "raised_at": row[1].isoformat(),
            **asdict(alert),
            "message": message,
            "delivered": False,
            "delivery_error": None,
        }
        if settings.alert_webhook_url:
            payload = {k: v for k, v in stored.items() if k not in ("delivered", "delivery_error")}
            error = deliver(settings.alert_webhook_url, {"source": "olist-platform", **payload})
            stored.update(delivered=error is None, delivery_error=error)
            conn.execute(
                "update ops.alerts set delivered = %s, delivery_error = %s where id = %s",
                (error is None, error, stored["id"]),
            )
    return stored


# --- failed runs ---------------------------------------------------------------------------


def run_failure_alert(context: dg.RunFailureSensorContext) -> Alert:
    """The alert for one failed run: Dagster's failure message and each failed step's error."""
    run = context.dagster_run
    lines = [context.failure_event.message or f"run {run.run_id} failed"]
    for event in context.get_step_failure_events():
        error = getattr(event.event_specific_data, "error", None)
        while error is not None and error.cause is not None:
            error = error.cause  # Dagster wraps the user's exception: report the root cause
        detail = error.message.strip() if error else "failed"
        lines.append(f"- step {event.step_key}: {detail}")
    return Alert(
        kind="run_failure",
        run_id=run.run_id,
        job_name=run.job_name,
        severity="ERROR",
        message="\n".join(lines),
    )


@dg.run_failure_sensor(
    name="alert_on_run_failure",
    description="Records an alert in ops.alerts for every failed run and posts it to "
    "ALERT_WEBHOOK_URL when set.",
    default_status=dg.DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=False,
)
def alert_on_run_failure(context: dg.RunFailureSensorContext) -> None:
    stored = raise_alert(run_failure_alert(context))
    _log(context.log, stored, f"run {context.dagster_run.run_id}")


# --- failed error-level checks ---------------------------------------------------------------


def check_failure_alerts(instance: dg.DagsterInstance, run: dg.DagsterRun) -> list[Alert]:
    """Alerts for the failed ERROR-severity check evaluations of one finished run."""
    records = instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=100_000
    ).records
    alerts = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if evaluation.passed or evaluation.severity != dg.AssetCheckSeverity.ERROR:
            continue
        asset = evaluation.asset_key.to_user_string()
        text = f"check {asset} :: {evaluation.check_name} failed (ERROR) in job {run.job_name}"
        metadata = {key: getattr(v, "value", v) for key, v in evaluation.metadata.items()}
        failing = metadata.get("failing_count", metadata.get("dagster_dbt/failed_row_count"))
        if failing is not None:
            text += f": {failing} failing rows"
        if evaluation.description:
            text += f"\n{evaluation.description}"
        alerts.append(
            Alert(
                kind="check_failure",
                run_id=run.run_id,
                job_name=run.job_name,
                asset_key=asset,
                check_name=evaluation.check_name,
                severity="ERROR",
                message=text,
            )
        )
    return alerts


def _cursor_time(context: dg.SensorEvaluationContext) -> datetime:
    """Where the last tick stopped; on the first tick, when the sensor was started (or now)."""
    if context.cursor:
        return datetime.fromtimestamp(json.loads(context.cursor)["updated_after"], UTC)
    started = context.last_sensor_start_time
    return datetime.fromtimestamp(started, UTC) if started else datetime.now(UTC)


@dg.sensor(
    name="alert_on_failed_error_checks",
    description="Records an alert in ops.alerts for every failed check of severity ERROR in "
    "the runs finished since the last tick, and posts it to ALERT_WEBHOOK_URL when set.",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def alert_on_failed_error_checks(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    since = _cursor_time(context)
    runs = context.instance.get_run_records(
        filters=dg.RunsFilter(statuses=FINISHED, updated_after=since - CURSOR_OVERLAP),
        order_by="update_timestamp",
        ascending=True,
        limit=RUNS_PER_TICK,
    )
    raised = 0
    for record in runs:
        for alert in check_failure_alerts(context.instance, record.dagster_run):
            stored = raise_alert(alert)
            raised += stored is not None
            _log(context.log, stored, f"{alert.asset_key} :: {alert.check_name}")
    latest = max([since, *(record.update_timestamp for record in runs)])
    context.update_cursor(json.dumps({"updated_after": latest.timestamp()}))
    return dg.SkipReason(f"{len(runs)} finished runs read, {raised} new check alerts")


def _log(log: Any, stored: dict[str, Any] | None, what: str) -> None:
    if stored is None:
        log.info(f"alert for {what} was already raised")
    elif stored["delivery_error"]:
        log.warning(f"alert {stored['id']} for {what} not delivered: {stored['delivery_error']}")
    else:
        log.info(f"alert {stored['id']} raised for {what}")


alert_sensors = [alert_on_run_failure, alert_on_failed_error_checks]
