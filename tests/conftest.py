"""Session fixtures: a real PostgreSQL and the whole pipeline run once on the sample.

Tests use the embedded server with a database of their own (``olist_test``), or the server in
``TEST_DATABASE_URL`` when set (its layer schemas are dropped: never point it at real data).
Nothing is mocked.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Settings are read once per process: decide the test environment before anything imports them.
_TMP = Path(tempfile.mkdtemp(prefix="olist-tests-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)
os.environ.pop("DATABASE_URL", None)
if os.environ.get("TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["TEST_DATABASE_URL"]
os.environ["OLIST_DATABASE"] = os.environ.get("OLIST_TEST_DATABASE", "olist_test")
os.environ["LANDING_DIR"] = str(_TMP / "landing")  # empty: the committed sample is loaded
os.environ["DAGSTER_HOME"] = str(_TMP / "dagster")
(_TMP / "landing").mkdir()
(_TMP / "dagster").mkdir()

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"


@pytest.fixture(scope="session")
def settings():
    from orchestration.settings import get_settings

    return get_settings()


@pytest.fixture(scope="session")
def empty_warehouse(settings):
    """A started, bootstrapped warehouse with empty layer schemas."""
    from orchestration.database import bootstrap, ensure_warehouse, reset_warehouse

    ensure_warehouse(settings)
    reset_warehouse(settings)
    bootstrap(settings)
    return settings


@pytest.fixture(scope="session")
def pipeline_run(empty_warehouse):
    """The whole pipeline (load, dbt build, checks) run once through Dagster on the sample."""
    import dagster as dg

    from orchestration.definitions import defs

    job = defs.resolve_job_def("build_everything")
    from orchestration.checks.history import record_run

    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
        record_run(instance, result.run_id)
    return result


@pytest.fixture(scope="session")
def warehouse(pipeline_run, settings):
    """Settings of a warehouse on which the whole pipeline has run successfully."""
    assert pipeline_run.success, "the pipeline run on the sample failed"
    return settings


@pytest.fixture
def admin(settings, empty_warehouse):
    from orchestration.database import connect

    with connect("admin", settings, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="session")
def own_database(settings, empty_warehouse):
    """For tests that run the platform's commands in subprocesses: a fresh database of their
    own on the embedded server. ``own_database(name, dagster_home, **variables)`` returns the
    environment for the subprocesses and the owner's URL of that database."""

    def make(name: str, dagster_home: Path, **variables: str) -> tuple[dict[str, str], str]:
        if not settings.embedded:
            pytest.skip("runs its own database on the embedded server")
        from orchestration.database import drop_database

        drop_database(settings, name)
        env = {
            **os.environ,
            "OLIST_DATABASE": name,
            "DAGSTER_HOME": str(dagster_home),
            "OLIST_LOCAL_DIR": str(settings.local_dir),
            **variables,
        }
        env.pop("DATABASE_URL", None)
        return env, settings.admin_url_for(name)

    return make
