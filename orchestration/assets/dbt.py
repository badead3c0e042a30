"""dbt models as Dagster assets; dbt tests become asset checks on them."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration.project import dbt_project
from orchestration.resources import WarehouseResource
from orchestration.transient import retry_transient

OWNER = "team:analytics-engineering"


class OlistTranslator(DagsterDbtTranslator):
    """Asset keys follow the schema (``["core", "fact_orders"]``), groups follow the layer, and
    dbt sources map onto the raw assets so the lineage runs from files to marts."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("schema") or "dbt"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return [OWNER]


translator = OlistTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


class DbtBuildConfig(dg.Config):
    """Run configuration of the dbt step (set it in the launchpad, or run the full_refresh job)."""

    full_refresh: bool = False  # rebuild the incremental facts from scratch


@dbt_assets(
    manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator
)
def olist_dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: DbtBuildConfig,
):
    """Build the selected models and run their tests (dbt build).

    Incremental facts process only new batches; ``full_refresh`` rebuilds them from scratch.
    dbt unit tests are left out, as dbt advises for production builds: they test the SQL on
    fixed inputs, not the data, so ``make test`` runs them (``dbt test -s test_type:unit``)
    and a nightly run need not pay for them again. A warehouse that restarts mid-build makes
    dbt fail with connection errors: the step is retried with backoff (dbt build is
    idempotent). A failing model or test fails at once.
    """
    args = ["build", "--exclude-resource-type", "unit_test"]
    if config.full_refresh:
        args.append("--full-refresh")
    with retry_transient(context):
        warehouse.ready()
        yield from dbt.cli(args, context=context).stream()
