"""Resources: the warehouse connection (by role) and the dbt CLI."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

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


def build_resources() -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    }
