"""Jobs and the nightly schedule."""

from __future__ import annotations

import dagster as dg

build_everything = dg.define_asset_job(
    "build_everything",
    selection=dg.AssetSelection.all(),
    description="Load new extracts, build every dbt model and run every check.",
)

nightly = dg.ScheduleDefinition(
    name="nightly_build",
    job=build_everything,
    cron_schedule="0 2 * * *",
    execution_timezone="America/Sao_Paulo",
    description="Every night at 02:00 (São Paulo): load new daily extracts and rebuild.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
