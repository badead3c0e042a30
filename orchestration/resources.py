"""Resources: the warehouse connection (by role) and the dbt CLI."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cached_property
from importlib.metadata import version as installed_version

import dagster as dg
from dagster_dbt import DbtCliResource
from packaging import version

from orchestration.database import ensure_warehouse
from orchestration.project import DBT_EXECUTABLE, dbt_project
from orchestration.settings import Settings, get_settings


class WarehouseResource(dg.ConfigurableResource):
    """The PostgreSQL warehouse; starts the embedded server when no DATABASE_URL is set."""

    def settings(self) -> Settings:
        return get_settings()

    def ready(self) -> Settings:
        """Make sure the server runs and is bootstrapped, then return the settings."""
        return ensure_warehouse(self.settings())

    def url(self, role: str) -> str:
        return self.settings().role_url(role)


class DbtCli(DbtCliResource):
    """dagster-dbt's dbt CLI without two start-up costs of every invocation that this project
    never uses (about 4 s of every run, measured on a nightly at 100k orders):

    - the dbt version, asked of ``dbt --version`` in a subprocess (a whole dbt start-up), is
      read from the installed dbt-core package, which is the dbt the CLI runs;
    - a dbt adapter, set up in the Dagster process (importing dbt and loading the profile),
      only serves ``fetch_row_counts`` and ``fetch_column_metadata``, which the dbt assets do
      not call: none is made.

    The two methods overridden are dagster-dbt internals of the pinned version; the tests
    run the dbt step through this resource.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


def build_resources() -> dict[str, object]:
    # `python -m orchestration run` starts a warm dbt (orchestration/warm_dbt.py) and names its
    # client here before the definitions load; everywhere else dbt runs as itself
    from orchestration.warm_dbt import CLIENT_ENV

    return {
        "warehouse": WarehouseResource(),
        "dbt": DbtCli(
            project_dir=dbt_project, dbt_executable=os.environ.get(CLIENT_ENV) or DBT_EXECUTABLE
        ),
    }
