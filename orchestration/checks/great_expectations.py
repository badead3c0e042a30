"""Run the suites of ``suites.py`` with Great Expectations as Dagster asset checks.

Great Expectations takes seconds to import, so it is never imported when the code location
loads: ``python -m orchestration run`` imports it in a worker process while Dagster starts
(``gx_process.py``), and any other process imports it at its first check. The validation runs
in PostgreSQL (SQL datasource; ``gx_validation.py``), and a failed check's metadata names the
expectation, the column, the failing count and up to ten example keys.

A suite on a table with a batch column validates its row-level expectations on the rows of
batches it has not passed yet, its expectations across rows (unique) on those rows and every
row sharing a value with one, and its table-level ones (row count) on the whole table; its
metadata says which (``scope``, ``checked_rows``). Suites on tables without a batch column
validate the whole table.
"""

from collections.abc import Iterator
from typing import Any

import dagster as dg
import psycopg

from orchestration.checks import gx_process
from orchestration.checks.gx_validation import WHOLE_TABLE, Outcome, reach
from orchestration.checks.scope import Scope
from orchestration.checks.suites import ERROR, SUITES, Suite
from orchestration.checks.watermarks import (
    Passed,
    fingerprint,
    full_refresh_requested,
    keep,
    scope_for,
)
from orchestration.resources import WarehouseResource
from orchestration.transient import retry_transient


def _explain(suite: Suite, outcome: Outcome) -> str:
    lines = [f"**{suite.description}** (severity {suite.severity})", ""]
    for s in outcome.summaries:
        mark = "passed" if s["passed"] else f"FAILED: {s['failing_count']} failing rows"
        column = f" on `{s['column']}`" if s["column"] else ""
        lines.append(f"- `{s['expectation']}`{column} {s['kwargs'] or ''} ({s['scope']}): {mark}")
        if not s["passed"] and s["examples"]:
            lines.append(f"  - examples: {s['examples']}")
    return "\n".join(lines)


def _scope_metadata(suite: Suite, scope: Scope, outcome: Outcome) -> dict[str, Any]:
    if not suite.batch_column:
        checked = max((s["checked_rows"] or 0 for s in outcome.summaries), default=0)
        return {"scope": f"{WHOLE_TABLE} (no batch column)", "checked_rows": int(checked)}
    meta = scope.metadata(outcome.checked_rows, outcome.through)
    if not scope.whole and any(reach(e) == "table" for e in suite.expectations):
        meta["scope"] += "; table-level expectations on the whole table"
    return meta


def _check_key(suite: Suite) -> dg.AssetCheckKey:
    return dg.AssetCheckKey(dg.AssetKey([suite.schema, suite.table]), suite.name)


def _scope(suite: Suite, conninfo: str, full_refresh: bool) -> Scope:
    """The rows a run of the suite's check validates (see ``watermarks.py``)."""
    if not suite.batch_column:
        return Scope(None, "no batch column")
    with psycopg.connect(conninfo) as conn:
        return scope_for(
            conn,
            _check_key(suite),
            fingerprint(suite),
            full_refresh=full_refresh,
            sources=suite.sources,
        )


def validate_ahead(context: dg.AssetExecutionContext, asset: dg.AssetKey, conninfo: str) -> None:
    """Hand the suites on ``asset`` to the Great Expectations worker now, on the scope their
    checks will ask for (``gx_process.validate_ahead``): call it once the step has made the
    table final for this run. Without a worker, or when anything goes wrong here, the checks
    validate as usual."""
    if not gx_process.running():
        return
    for suite in SUITES:
        if dg.AssetKey([suite.schema, suite.table]) != asset:
            continue
        try:
            scope = _scope(suite, conninfo, full_refresh_requested(context))
        except psycopg.Error as error:
            context.log.debug(f"not validating {suite.name} ahead: {error}")
            continue
        gx_process.validate_ahead(suite, conninfo, scope)


def build_check(suite: Suite) -> dg.AssetChecksDefinition:
    severity = (
        dg.AssetCheckSeverity.ERROR if suite.severity == ERROR else (dg.AssetCheckSeverity.WARN)
    )
    key = _check_key(suite)
    definition = fingerprint(suite)
    sees = (
        "Scoped: row-level expectations see only rows of batches this suite has not passed yet "
        "(ops.check_watermarks), uniqueness also the rows sharing their value, table-level "
        "ones the whole table; a full refresh validates the whole table."
        if suite.batch_column
        else "Whole table (it has no batch column)."
    )

    @dg.asset_check(
        asset=key.asset_key,
        name=key.name,
        description=f"[{suite.severity}] Great Expectations: {suite.description} {sees}",
        blocking=suite.severity == ERROR,
        metadata={"severity": suite.severity},
    )
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        conninfo = warehouse.url("loader")
        with retry_transient(context):
            scope = _scope(suite, conninfo, full_refresh_requested(context))
            outcome = gx_process.validate(suite, conninfo, scope)
        failed = [s for s in outcome.summaries if not s["passed"]]
        yield dg.AssetCheckResult(
            passed=outcome.passed,
            severity=severity,
            metadata={
                "severity": suite.severity,
                "expectations": len(outcome.summaries),
                "failed_expectations": len(failed),
                "failing_columns": ", ".join(str(s["column"]) for s in failed) or "none",
                "failing_count": sum(s["failing_count"] or 0 for s in failed),
                "examples": dg.MetadataValue.json(
                    {f"{s['expectation']}:{s['column']}": s["examples"] for s in failed}
                ),
                **_scope_metadata(suite, scope, outcome),
                "explanation": dg.MetadataValue.md(_explain(suite, outcome)),
            },
        )
        if outcome.passed and suite.batch_column:
            keep(context, conninfo, [Passed(key, scope, outcome.through, definition)])

    return _check


ge_checks = [build_check(suite) for suite in SUITES]
