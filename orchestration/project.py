"""The dbt project as Dagster sees it, kept apart from the assets.

The CLI and the tests import this module to prepare the manifest before the code location is
loaded; ``dagster dev`` re-parses on start so model edits show up in the UI at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject
from dagster_dbt.dbt_project import using_dagster_dev

from orchestration.settings import get_settings

settings = get_settings()
# dbt reads its connection from the environment (dbt_project/profiles.yml); settings decide it.
os.environ.update(settings.dbt_env())

dbt_project = DbtProject(
    project_dir=settings.dbt_project_dir,
    profiles_dir=settings.dbt_project_dir,
    target=settings.dbt_target,
)
# The dbt of this interpreter's environment, whether or not the virtualenv is on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


def prepare_manifest() -> None:
    """Parse the dbt project into target/manifest.json (dbt parse, partial when possible)."""
    project_dir = str(settings.dbt_project_dir)
    subprocess.run(
        [
            DBT_EXECUTABLE,
            "parse",
            "--quiet",
            "--project-dir",
            project_dir,
            "--profiles-dir",
            project_dir,
            "--target",
            settings.dbt_target,
        ],
        check=True,
    )


# `dagster dev` re-parses so model edits show at once; elsewhere the commands prepared it.
if using_dagster_dev() or not dbt_project.manifest_path.exists():
    prepare_manifest()
