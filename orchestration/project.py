"""The dbt project as Dagster sees it, kept apart from the assets.

The CLI and the tests import this module to prepare the manifest before the code location is
loaded; ``dagster dev`` re-parses on start so model edits show up in the UI at once.
"""

from __future__ import annotations

import os

from dagster_dbt import DbtProject

from orchestration.settings import get_settings

settings = get_settings()
# dbt reads its connection from the environment (dbt_project/profiles.yml); settings decide it.
os.environ.update(settings.dbt_env())

dbt_project = DbtProject(
    project_dir=settings.dbt_project_dir,
    profiles_dir=settings.dbt_project_dir,
    target=settings.dbt_target,
)
dbt_project.prepare_if_dev()


def prepare_manifest() -> None:
    """Parse the dbt project into target/manifest.json (dbt parse)."""
    dbt_project.preparer.prepare(dbt_project)


if not dbt_project.manifest_path.exists():
    prepare_manifest()
