"""Run the suites of ``suites.py`` with Great Expectations as Dagster asset checks.

Great Expectations takes seconds to import, so it is imported inside the check, never when the
code location loads. The validation runs in PostgreSQL (SQL datasource), and a failed check's
metadata names the expectation, the column, the failing count and up to ten example keys.
"""

import logging
import warnings
from typing import Any

import dagster as dg

from orchestration.checks.suites import ERROR, SUITES, Suite
from orchestration.resources import WarehouseResource
from orchestration.transient import retry_transient

EXAMPLES = 10


def validate(suite: Suite, conninfo: str) -> tuple[bool, list[dict[str, Any]]]:
    """Validate one suite against the warehouse; returns success and one summary per expectation."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # A generic SQL datasource is deliberate: GX's Postgres one rejects Unix-socket URLs.
    warnings.filterwarnings("ignore", message=".*more specific PostgresDatasource.*")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    url = conninfo.replace("postgresql://", "postgresql+psycopg2://", 1)
    source = context.data_sources.add_sql(name="warehouse", connection_string=url)
    asset = source.add_table_asset(
        name=f"{suite.schema}.{suite.table}", table_name=suite.table, schema_name=suite.schema
    )
    batch = asset.add_batch_definition_whole_table("whole_table").get_batch()
    gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name))
    for expectation in suite.expectations:
        gx_suite.add_expectation(getattr(gx.expectations, expectation.type)(**expectation.kwargs))
    result = batch.validate(
        gx_suite,
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": list(suite.key_columns),
            "partial_unexpected_count": EXAMPLES,
        },
    )
    summaries = []
    for outcome, expectation in zip(result.results, suite.expectations, strict=True):
        details = outcome.result or {}
        examples = [
            {k: str(v) for k, v in row.items()} if isinstance(row, dict) else str(row)
            for row in (details.get("unexpected_index_list") or [])[:EXAMPLES]
        ]
        summaries.append(
            {
                "expectation": expectation.type,
                "column": expectation.column,
                "kwargs": {k: v for k, v in expectation.kwargs.items() if k != "column"},
                "passed": bool(outcome.success),
                "failing_count": details.get("unexpected_count", 0 if outcome.success else None),
                "checked_rows": details.get("element_count", details.get("observed_value")),
                "examples": examples,
            }
        )
    return bool(result.success), summaries


def _explain(suite: Suite, summaries: list[dict[str, Any]]) -> str:
    lines = [f"**{suite.description}** (severity {suite.severity})", ""]
    for s in summaries:
        mark = "passed" if s["passed"] else f"FAILED: {s['failing_count']} failing rows"
        column = f" on `{s['column']}`" if s["column"] else ""
        lines.append(f"- `{s['expectation']}`{column} {s['kwargs'] or ''}: {mark}")
        if not s["passed"] and s["examples"]:
            lines.append(f"  - examples: {s['examples']}")
    return "\n".join(lines)


def build_check(suite: Suite) -> dg.AssetChecksDefinition:
    severity = (
        dg.AssetCheckSeverity.ERROR if suite.severity == ERROR else (dg.AssetCheckSeverity.WARN)
    )

    @dg.asset_check(
        asset=dg.AssetKey([suite.schema, suite.table]),
        name=suite.name,
        description=f"[{suite.severity}] Great Expectations: {suite.description}",
        blocking=suite.severity == ERROR,
        metadata={"severity": suite.severity},
    )
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        with retry_transient(context):
            passed, summaries = validate(suite, warehouse.url("loader"))
        failed = [s for s in summaries if not s["passed"]]
        return dg.AssetCheckResult(
            passed=passed,
            severity=severity,
            metadata={
                "severity": suite.severity,
                "expectations": len(summaries),
                "failed_expectations": len(failed),
                "failing_columns": ", ".join(str(s["column"]) for s in failed) or "none",
                "failing_count": sum(s["failing_count"] or 0 for s in failed),
                "examples": dg.MetadataValue.json(
                    {f"{s['expectation']}:{s['column']}": s["examples"] for s in failed}
                ),
                "explanation": dg.MetadataValue.md(_explain(suite, summaries)),
            },
        )

    return _check


ge_checks = [build_check(suite) for suite in SUITES]
