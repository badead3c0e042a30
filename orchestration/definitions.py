"""The platform in one place: raw loading, dbt models, dbt tests and Great Expectations suites
as asset checks, the job that builds everything and the nightly schedule."""

import dagster as dg

from orchestration.alerts import alert_sensors
from orchestration.assets.dbt import olist_dbt_models
from orchestration.assets.raw import raw_assets
from orchestration.checks.great_expectations import ge_checks
from orchestration.checks.history import history_sensors
from orchestration.checks.quality import quality_checks
from orchestration.resources import build_resources
from orchestration.schedules import build_everything, full_refresh, nightly
from orchestration.sensors import landing_sensor

defs = dg.Definitions(
    assets=[*raw_assets, olist_dbt_models],
    asset_checks=[*ge_checks, *quality_checks],
    jobs=[build_everything, full_refresh],
    schedules=[nightly],
    sensors=[landing_sensor, *history_sensors, *alert_sensors],
    resources=build_resources(),
)
