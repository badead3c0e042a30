"""Jobs and the nightly schedule."""

from __future__ import annotations

import dagster as dg

# One process for the whole run: every step waits on PostgreSQL, and a process per step (the
# default executor) spends more time starting Python, Dagster and Great Expectations than
# working on a two-core machine. dbt parallelises inside its own step (threads in profiles.yml).
build_everything = dg.define_asset_job(
    "build_everything",
    selection=dg.AssetSelection.all(),
    description="Load new extracts, build every dbt model and run every check.",
    executor_def=dg.in_process_executor,
)

FULL_REFRESH_CONFIG = {"ops": {"olist_dbt_models": {"config": {"full_refresh": True}}}}
FULL_REFRESH_JOB = "full_refresh"


def asks_for_full_refresh(job_name: str | None, run_config: dict | None) -> bool:
    """True for a run of the full_refresh job, or one whose run config sets what
    ``FULL_REFRESH_CONFIG`` sets (``make run`` with ``--full-refresh``, the launchpad)."""
    if job_name == FULL_REFRESH_JOB:
        return True
    value: object = run_config or {}
    expected: object = FULL_REFRESH_CONFIG
    while isinstance(expected, dict):  # down the one path that FULL_REFRESH_CONFIG spells out
        (name,) = expected
        expected = expected[name]
        value = value.get(name) if isinstance(value, dict) else None
    return value == expected


full_refresh = dg.define_asset_job(
    FULL_REFRESH_JOB,
    selection=dg.AssetSelection.all(),
    config=FULL_REFRESH_CONFIG,
    description=(
        "Load new extracts, rebuild every dbt model from scratch (incremental facts too) and "
        "run every check. Use after a re-delivered file dropped rows, or a model change."
    ),
    executor_def=dg.in_process_executor,
)

nightly = dg.ScheduleDefinition(
    name="nightly_build",
    job=build_everything,
    cron_schedule="0 2 * * *",
    execution_timezone="America/Sao_Paulo",
    description="Every night at 02:00 (São Paulo): load new daily extracts and rebuild.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
