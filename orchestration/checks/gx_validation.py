"""Validate a suite of ``suites.py`` with Great Expectations, in PostgreSQL: no Dagster here.

The Dagster checks (``great_expectations.py``) call this through ``gx_process.py``, which may run
it in a worker process that imported Great Expectations while Dagster started; so this module
and what it imports stay free of Dagster.

A suite on a table with a batch column validates its row-level expectations on the rows of
batches it has not passed yet (a query asset, ``... where <batch column> > <watermark>``), its
expectations across rows (unique) on those rows and every row sharing a value with one, and its
table-level ones (row count) on the whole table. Suites on tables without a batch column
validate the whole table. A failed expectation's summary names the column, the failing count
and up to ten example keys.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from orchestration.checks.scope import Scope
from orchestration.checks.suites import ACROSS_ROWS, ROW_LEVEL, Expectation, Suite

EXAMPLES = 10
WHOLE_TABLE = "whole table"


@dataclass(frozen=True)
class Outcome:
    """A suite's validation: its verdict, one summary per expectation (in the suite's order),
    the rows of the batches in scope and the highest batch among them."""

    passed: bool
    summaries: list[dict[str, Any]]
    checked_rows: int | None = None
    through: int | None = None


def reach(expectation: Expectation) -> str:
    """What an expectation's verdict depends on: a row alone ("rows"), a value across rows
    ("across") or the whole table ("table")."""
    if expectation.type in ROW_LEVEL:
        return "rows"
    if expectation.type in ACROSS_ROWS:
        return "across"
    return "table"


def _in_scope(suite: Suite, scope: Scope, conninfo: str) -> tuple[int, int | None]:
    """How many rows are in scope and the highest batch among them, in one read."""
    table = sql.Identifier(suite.schema, suite.table)
    with psycopg.connect(conninfo) as conn:
        count, through = conn.execute(
            sql.SQL("select count(*), max({column}) from {table} where {scope}").format(
                column=sql.Identifier(suite.batch_column),
                table=table,
                scope=scope.condition(suite.batch_column),
            )
        ).fetchone()
    return int(count), through


def _plan(suite: Suite, scope: Scope, through: int | None) -> dict[tuple[str, str | None], list]:
    """Which expectations validate on what: (scope label, query or None for the whole table)
    -> positions of the expectations in the suite."""
    table = sql.Identifier(suite.schema, suite.table).as_string()
    scoped = suite.batch_column is not None and not scope.whole
    new_rows = scope.condition(suite.batch_column, through=through).as_string() if scoped else ""
    plan: dict[tuple[str, str | None], list[int]] = {}
    for position, expectation in enumerate(suite.expectations):
        extent = reach(expectation) if scoped else "table"
        if extent == "rows":
            target = (scope.label, f"select * from {table} where {new_rows}")
        elif extent == "across":
            # the new rows and every row sharing the value of one: a duplicate of a new row is
            # found wherever it is, without grouping the whole table
            column = sql.Identifier(expectation.column).as_string()
            target = (
                f"{scope.label} and rows sharing their {expectation.column}",
                f"select * from {table} where {column} in "
                f"(select {column} from {table} where {new_rows})",
            )
        elif suite.batch_column is not None and scope.whole:
            target = (scope.label, None)
        else:
            target = (WHOLE_TABLE, None)
        plan.setdefault(target, []).append(position)
    return plan


def validate(suite: Suite, conninfo: str, scope: Scope) -> Outcome:
    """Validate one suite on the rows of ``scope``; see the module's docstring for what each
    kind of expectation sees."""
    checked_rows, through = None, None
    if suite.batch_column:
        checked_rows, through = _in_scope(suite, scope, conninfo)
    summaries: list[dict[str, Any]] = [{}] * len(suite.expectations)
    passed = True
    context = None
    try:
        for (label, query), positions in _plan(suite, scope, through).items():
            expectations = [suite.expectations[p] for p in positions]
            if query is not None and not checked_rows:
                results = [_nothing_new(e, label) for e in expectations]  # nothing new
            else:
                context = context or _context(conninfo)
                group_passed, results = _validate_group(context, suite, expectations, query, label)
                passed = passed and group_passed
            for position, summary in zip(positions, results, strict=True):
                summaries[position] = summary
    finally:
        if context is not None:
            _close(context)
    return Outcome(passed, summaries, checked_rows, through)


def _nothing_new(expectation: Expectation, label: str) -> dict[str, Any]:
    return {
        "expectation": expectation.type,
        "column": expectation.column,
        "kwargs": {k: v for k, v in expectation.kwargs.items() if k != "column"},
        "passed": True,
        "failing_count": 0,
        "checked_rows": 0,
        "scope": label,
        "examples": [],
    }


def _context(conninfo: str):
    """An ephemeral GX context with two SQL datasources on the warehouse: ``table`` reads
    tables in place; ``scoped`` first copies a query's rows (the rows in scope) into a
    temporary table, read once, so that each of the expectations' queries reads those rows and
    not the table they were selected from again."""
    from orchestration.checks.gx_import import import_great_expectations

    gx = import_great_expectations()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # A generic SQL datasource is deliberate: GX's Postgres one rejects Unix-socket URLs.
    warnings.filterwarnings("ignore", message=".*more specific PostgresDatasource.*")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    url = conninfo.replace("postgresql://", "postgresql+psycopg2://", 1)
    context.data_sources.add_sql(name="table", connection_string=url)
    context.data_sources.add_sql(name="scoped", connection_string=url, create_temp_table=True)
    return context


def _close(context) -> None:
    """Close the context's connections (a temporary table goes with its connection)."""
    for name in ("table", "scoped"):
        with contextlib.suppress(Exception):
            context.data_sources.get(name).get_execution_engine().engine.dispose()


def _validate_group(
    context, suite: Suite, expectations: list[Expectation], query: str | None, label: str
) -> tuple[bool, list[dict[str, Any]]]:
    """Validate some of a suite's expectations on the whole table (``query`` None) or on the
    rows of a query asset."""
    from orchestration.checks.gx_import import import_great_expectations

    gx = import_great_expectations()

    name = f"{suite.schema}.{suite.table} [{label}]"
    if query is None:
        asset = context.data_sources.get("table").add_table_asset(
            name=name, table_name=suite.table, schema_name=suite.schema
        )
    else:
        asset = context.data_sources.get("scoped").add_query_asset(name=name, query=query)
    gx_suite = context.suites.add(gx.ExpectationSuite(name=name))
    for expectation in expectations:
        gx_suite.add_expectation(getattr(gx.expectations, expectation.type)(**expectation.kwargs))
    # a validation definition reads the batch once (Batch.validate would select it again)
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(
            name=name, data=asset.add_batch_definition_whole_table("all rows"), suite=gx_suite
        )
    )
    index_columns = list(suite.key_columns)
    if suite.batch_column:
        index_columns.append(suite.batch_column)  # the batch that brought a failing row
    result = validation.run(
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": index_columns,
            "partial_unexpected_count": EXAMPLES,
        },
    )
    summaries = []
    for outcome, expectation in zip(result.results, expectations, strict=True):
        details = outcome.result or {}
        # plain strings only: an outcome is unpickled in the calling process, and a Great
        # Expectations key type (CaseInsensitiveString) made that import Great Expectations
        # there, in the pool's result thread, racing the run's own imports of SQLAlchemy
        examples = [
            {str(k): str(v) for k, v in row.items()} if isinstance(row, dict) else str(row)
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
                "scope": label,
                "examples": examples,
            }
        )
    return bool(result.success), summaries
