"""Check history: every check result of every run, kept in ``ops.check_results``.

Dagster keeps check evaluations in its own event log; the quality dashboard and the trend of
the quality score need them in the warehouse, next to the load ledger. ``record_run`` copies
one run's evaluations; the CLI calls it after ``make run`` and a run-status sensor calls it for
runs started by the schedule, the landing sensor or the UI.
"""

from __future__ import annotations

import json
from typing import Any

import dagster as dg
import psycopg

from orchestration.database import connect
from orchestration.settings import Settings, get_settings

DDL = """
create table if not exists ops.check_results (
    run_id text not null,
    job_name text,
    asset_key text not null,
    check_name text not null,
    severity text not null,
    passed boolean not null,
    failing_count bigint,
    description text,
    metadata jsonb,
    evaluated_at timestamp with time zone not null,
    recorded_at timestamp with time zone not null default now(),
    primary key (run_id, asset_key, check_name)
);

create or replace view ops.quality_scores as
select
    run_id,
    min(evaluated_at) as evaluated_at,
    count(*) filter (where severity = 'ERROR') as error_checks,
    count(*) filter (where severity = 'ERROR' and passed) as error_checks_passed,
    round(
        cast(count(*) filter (where severity = 'ERROR' and passed) as numeric)
        / nullif(count(*) filter (where severity = 'ERROR'), 0), 4
    ) as quality_score,
    count(*) filter (where severity = 'WARN') as warn_checks,
    count(*) filter (where severity = 'WARN' and not passed) as warnings
from ops.check_results
group by run_id;

create or replace view ops.row_validity as
select
    run_id,
    source_table,
    source_file,
    rows_read,
    rows_loaded,
    rows_rejected,
    round(cast(rows_loaded as numeric) / nullif(rows_read, 0), 6) as row_validity,
    finished_at
from ops.loads
where status in ('loaded', 'replaced');
"""

# failing-row counts as the two kinds of checks report them
_COUNT_KEYS = ("failing_count", "dagster_dbt/failed_row_count")


def ensure_tables(conn: psycopg.Connection, settings: Settings) -> None:
    from orchestration.loader import ensure_ledger

    ensure_ledger(conn)
    conn.execute(DDL)
    reporter = psycopg.sql.Identifier(settings.role_name("reporter"))
    for name in ("check_results", "quality_scores", "row_validity", "loads"):
        conn.execute(
            psycopg.sql.SQL("grant select on {} to {}").format(
                psycopg.sql.Identifier("ops", name), reporter
            )
        )


def _plain(value: dg.MetadataValue) -> Any:
    raw = getattr(value, "value", value)
    try:
        json.dumps(raw)
        return raw
    except TypeError:
        return str(raw)


def evaluations(instance: dg.DagsterInstance, run_id: str) -> list[tuple[Any, Any]]:
    """The run's check evaluations with the time each was recorded."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=100_000
    ).records
    return [
        (record.event_log_entry.dagster_event.event_specific_data, record.event_log_entry)
        for record in records
    ]


def latest(items: list, evaluation_of=lambda item: item) -> list:
    """The last evaluation of each check: a retried step reports its checks again.

    ``items`` are in event order; ``evaluation_of`` finds the evaluation in an item.
    """
    last = {}
    for item in items:
        evaluation = evaluation_of(item)
        last[(evaluation.asset_key, evaluation.check_name)] = item
    return list(last.values())


def record_run(instance: dg.DagsterInstance, run_id: str, settings: Settings | None = None) -> int:
    """Copy one run's check evaluations into ops.check_results; returns how many."""
    settings = settings or get_settings()
    run = instance.get_run_by_id(run_id)
    rows = []
    for evaluation, entry in latest(evaluations(instance, run_id), lambda pair: pair[0]):
        metadata = {key: _plain(value) for key, value in evaluation.metadata.items()}
        failing = next((metadata[k] for k in _COUNT_KEYS if k in metadata), None)
        rows.append(
            (
                run_id,
                run.job_name if run else None,
                evaluation.asset_key.to_user_string(),
                evaluation.check_name,
                evaluation.severity.value,
                evaluation.passed,
                int(failing) if isinstance(failing, int | float) else None,
                evaluation.description,
                json.dumps(metadata, default=str),
                _timestamp(entry.timestamp),
            )
        )
    with connect("loader", settings, autocommit=True) as conn:
        ensure_tables(conn, settings)
        with conn.transaction(), conn.cursor() as cursor:
            cursor.execute("delete from ops.check_results where run_id = %s", (run_id,))
            cursor.executemany(
                "insert into ops.check_results (run_id, job_name, asset_key, check_name, "
                "severity, passed, failing_count, description, metadata, evaluated_at) "
                "values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )
    return len(rows)


def _timestamp(seconds: float):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, tz=UTC)


def _record_from_sensor(context: dg.RunStatusSensorContext) -> None:
    count = record_run(context.instance, context.dagster_run.run_id)
    context.log.info(f"recorded {count} check results of run {context.dagster_run.run_id}")


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="record_checks_of_successful_runs",
    description="Copies each finished run's check results into ops.check_results.",
    default_status=dg.DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=False,
)
def record_checks_on_success(context: dg.RunStatusSensorContext):
    _record_from_sensor(context)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.FAILURE,
    name="record_checks_of_failed_runs",
    description="Copies a failed run's check results into ops.check_results.",
    default_status=dg.DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=False,
)
def record_checks_on_failure(context: dg.RunStatusSensorContext):
    _record_from_sensor(context)


history_sensors = [record_checks_on_success, record_checks_on_failure]
