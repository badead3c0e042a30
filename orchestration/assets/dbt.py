"""dbt models as Dagster assets; dbt tests become asset checks on them."""

import dataclasses
import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration.checks import gx_process, quality
from orchestration.checks.great_expectations import validate_ahead
from orchestration.database import connect
from orchestration.project import dbt_project
from orchestration.resources import WarehouseResource
from orchestration.settings import Settings
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


# One row per dbt build: the newest loaded batch it saw and whether every test passed. The
# next build tests only rows of batches newer than the last build whose tests all passed
# (dbt_project/macros/test_scope.sql), so a failing test keeps failing until it is fixed.
BUILDS_DDL = """
create table if not exists ops.dbt_builds (
    run_id text primary key,
    full_refresh boolean not null,
    tests_since_batch bigint,
    loaded_through_batch bigint,
    tests_passed boolean not null,
    tests_fingerprint text,
    finished_at timestamp with time zone not null default now()
)
"""
TESTS_SINCE = "OLIST_TESTS_SINCE_BATCH"


def tests_fingerprint(manifest_path: Path) -> str:
    """A digest of every dbt test's definition (its id, file checksum and arguments): a new or
    changed test has not seen the old rows yet, so the first build with it tests everything."""
    manifest = json.loads(manifest_path.read_text())
    digest = hashlib.sha256()
    for unique_id, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] == "test":
            definition = [unique_id, node["checksum"], node.get("test_metadata"), node["config"]]
            digest.update(json.dumps(definition, sort_keys=True, default=str).encode())
    return digest.hexdigest()


@dataclasses.dataclass(frozen=True)
class TestScope:
    """What a build's tests read: rows of batches above ``since_batch``, or all (None)."""

    since_batch: int | None
    loaded_through_batch: int | None
    fingerprint: str


def test_scope(settings: Settings, full_refresh: bool, fingerprint: str) -> TestScope:
    """The scope of the tests of a build starting now: the rows of batches newer than the last
    build whose tests all passed, with the same tests.

    Everything is tested on a full refresh, before the first clean build, when a test was
    added or changed since, and when the mark is newer than any loaded batch (a recreated
    warehouse).
    """
    with connect("loader", settings, autocommit=True) as conn:
        conn.execute(BUILDS_DDL)
        conn.execute("alter table ops.dbt_builds add column if not exists tests_fingerprint text")
        (loaded,) = conn.execute(
            "select max(batch_id) from ops.loads where status = 'loaded'"
        ).fetchone()
        last = conn.execute(
            "select loaded_through_batch, tests_fingerprint from ops.dbt_builds "
            "where tests_passed order by finished_at desc limit 1"
        ).fetchone()
    since = None
    if last and not full_refresh and loaded is not None:
        mark, same_tests = last[0], last[1] == fingerprint
        if same_tests and mark is not None and mark <= loaded:
            since = mark
    return TestScope(since, loaded, fingerprint)


def record_build(settings: Settings, run_id: str, full_refresh: bool, scope: TestScope) -> None:
    """Record a build whose models all built and whose error-level tests all passed."""
    with connect("loader", settings, autocommit=True) as conn:
        conn.execute(
            "insert into ops.dbt_builds (run_id, full_refresh, tests_since_batch, "
            "loaded_through_batch, tests_passed, tests_fingerprint) "
            "values (%s, %s, %s, %s, true, %s) "
            "on conflict (run_id) do update set tests_passed = true, finished_at = now()",
            (
                run_id,
                full_refresh,
                scope.since_batch,
                scope.loaded_through_batch,
                scope.fingerprint,
            ),
        )


def prune_builds(target: Path, name: str, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` build folders of the dbt asset ``name``.

    dagster-dbt gives every build a folder of its own in dbt's target folder,
    ``<name>-<run id>-<digest>`` (its dbt.log, run_results.json, manifest and compiled SQL:
    about 9 MB), and never removes one: a nightly schedule filled the disk by 3 GB a year.
    Returns the folders removed."""
    builds = sorted(
        (p for p in target.glob(f"{name}-*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in builds[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    return builds[keep:]


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
    and a nightly run need not pay for them again. Tests read only the rows of batches newer
    than the last build whose tests all passed (ops.dbt_builds); a full refresh, or a new or
    changed test, tests everything. A warehouse that restarts mid-build makes dbt fail with
    connection errors: the step is retried with backoff (dbt build is idempotent). A failing
    model or test fails at once.
    """
    args = ["build", "--exclude-resource-type", "unit_test"]
    # this build's folder makes one more: keep room for it
    kept = warehouse.settings().dbt_builds_kept
    target = dbt_project.project_dir / dbt_project.target_path
    prune_builds(target, context.op_execution_context.op.name, max(kept - 1, 0))
    if config.full_refresh:
        args.append("--full-refresh")
    with retry_transient(context):
        settings = warehouse.ready()
        scope = test_scope(
            settings, config.full_refresh, tests_fingerprint(dbt_project.manifest_path)
        )
        since = scope.since_batch
        context.log.info(
            "dbt tests read every row"
            if since is None
            else f"dbt tests read the rows of batches newer than {since}"
        )
        conninfo = warehouse.url("loader")
        # a retried build may change tables whose checks a failed attempt handed over
        gx_process.forget_ahead({tuple(key.path[:2]) for key in context.selected_asset_keys})
        # dbt's own log file (dbt.log in the build's folder) at info level, not dbt's debug
        # default: the debug events (every statement's SQL, each connection's use) are nine in
        # ten of a build's events (5.6 MB of log a nightly, 0.3 MB at info), and writing them
        # cost the dbt process about 1 of its 23 CPU seconds. The statements are in the
        # folder's run SQL; DBT_LOG_LEVEL_FILE=debug brings them back to the log.
        environment = {
            TESTS_SINCE: None if since is None else str(since),
            "DBT_LOG_LEVEL_FILE": settings.dbt_log_level_file,
        }
        with _environment(environment):
            for event in dbt.cli(args, context=context).stream():
                if isinstance(event, dg.Output):
                    # the model and its hooks are done, and nothing else in the build writes
                    # its table: its Great Expectations suites can start in the worker now,
                    # beside the rest of the build (gx_process.validate_ahead), and so can the
                    # payments reconciliation on fact_orders (quality.start_ahead)
                    asset = context.asset_key_for_output(event.output_name)
                    validate_ahead(context, asset, conninfo)
                    quality.start_ahead(asset, conninfo)
                yield event
        # reached only when dbt exited 0: every model built and every error-level test passed
        record_build(settings, context.run.run_id, config.full_refresh, scope)


class _environment:
    """Set (or, with None, unset) environment variables for a block; dbt's process inherits
    them."""

    def __init__(self, values: dict[str, str | None]) -> None:
        self.values, self.saved = values, {}

    def __enter__(self) -> None:
        for name, value in self.values.items():
            self.saved[name] = os.environ.get(name)
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def __exit__(self, *exc: object) -> None:
        for name, value in self.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
