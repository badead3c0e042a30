"""The platform in one place: raw loading, dbt models and their checks, jobs and schedules."""

import dagster as dg

from orchestration.assets.dbt import olist_dbt_models
from orchestration.assets.raw import raw_assets
from orchestration.resources import build_resources
from orchestration.schedules import build_everything, nightly

defs = dg.Definitions(
    assets=[*raw_assets, olist_dbt_models],
    jobs=[build_everything],
    schedules=[nightly],
    resources=build_resources(),
)
