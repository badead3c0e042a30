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

full_refresh = dg.define_asset_job(
    "full_refresh",
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
