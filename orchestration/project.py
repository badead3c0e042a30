"""The dbt project as Dagster sees it, kept apart from the assets.

Importing this module prepares target/manifest.json, which the dbt assets are built from:
``dbt parse`` runs only when the project's files changed since the last parse, so model edits
show up at once (in ``dagster dev`` too) and an unchanged project costs no dbt start-up.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.dbt_sources import source_files
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


def project_fingerprint() -> str:
    """A digest of the dbt project's source files (path, size, mtime), the target and the
    connection dbt is given (the manifest names the database in every relation).

    The manifest depends on nothing else: when the digest is unchanged, parsing again would
    give the same manifest, so ``prepare_manifest`` skips dbt's start-up (seconds per run).
    """
    digest = hashlib.sha256()
    for name, value in sorted(settings.dbt_env().items()):
        if "PASSWORD" not in name:
            digest.update(f"{name}={value}\n".encode())
    root = settings.dbt_project_dir
    for path, (size, mtime_ns) in sorted(source_files(root).items()):
        digest.update(f"{path.relative_to(root)}\0{size}\0{mtime_ns}\n".encode())
    return digest.hexdigest()


def prepare_manifest() -> None:
    """Parse the dbt project into target/manifest.json (dbt parse, partial when possible).

    Skipped when the manifest was parsed from exactly the project files present now.
    """
    stamp = dbt_project.manifest_path.with_name("manifest.fingerprint")
    fingerprint = project_fingerprint()
    if dbt_project.manifest_path.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return
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
    stamp.write_text(fingerprint)


# Every process that loads the definitions gets a manifest of the project files as they are
# now (an edited model or a new test is never missing from a stale manifest); unchanged files
# cost a fingerprint, not a parse.
prepare_manifest()
