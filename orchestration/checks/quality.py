"""Data-quality checks that Great Expectations does not express well, as Dagster asset checks.

Each check explains itself: its metadata names the column or file, the failing count, up to ten
examples, and the rule it enforces. ERROR checks on raw assets are blocking, so a broken extract
stops what is downstream of it in the same run; WARN checks annotate and let the run go on.

Row-level checks look only at rows of batches they have not passed yet (their watermark, see
``watermarks.py``) and say so in their metadata (``scope``, ``checked_rows``); checks about a
whole source (schema drift of the landing files, volume against the ledger's history,
freshness of the newest purchase) and the payments reconciliation (a share of all orders) look
at everything, as before, and say that too.
"""

import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

import dagster as dg
import psycopg
from psycopg import sql

from orchestration.checks import gx_process
from orchestration.checks.payments import payments_mismatches
from orchestration.checks.scope import WHOLE, Scope
from orchestration.checks.watermarks import (
    Passed,
    fingerprint,
    full_refresh_requested,
    keep,
    scope_for,
)
from orchestration.contracts import CONTRACTS, SourceContract
from orchestration.loader import (
    ContractError,
    batch_partition,
    check_header,
    ensure_ledger,
    read_header,
    source_files,
)
from orchestration.resources import WarehouseResource
from orchestration.settings import Settings
from orchestration.transient import is_transient, retry_transient

EXAMPLES = 10
ERROR, WARN = dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN
RULES = "BUSINESS_RULES.md / DESIGN.md (Loading rules)"


@dataclass(frozen=True)
class Finding:
    """What a check found: how many rows fail, a few examples, and anything worth showing."""

    failing: int
    examples: list[str]
    details: dict
    through: int | None = None  # the highest batch looked at (None: none, or not by batch)


def _result(
    severity: dg.AssetCheckSeverity,
    rule: str,
    column: str,
    found: Finding,
    passed: bool | None = None,
    key: dg.AssetCheckKey | None = None,
) -> dg.AssetCheckResult:
    passed = found.failing == 0 if passed is None else passed
    return dg.AssetCheckResult(
        asset_key=key.asset_key if key else None,
        check_name=key.name if key else None,
        passed=passed,
        severity=severity,
        metadata={
            "severity": severity.value,
            "column": column,
            "failing_count": found.failing,
            "examples": dg.MetadataValue.json(found.examples[:EXAMPLES]),
            "rule": rule,
            **found.details,
        },
    )


def _rows(conn: psycopg.Connection, query: sql.Composable, params=None) -> list[tuple]:
    return conn.execute(query, params).fetchall()


def _batches(
    conn: psycopg.Connection, contract: SourceContract, scope: Scope
) -> tuple[list[int], int, int]:
    """The loaded batches of a source in scope, with the rows read and loaded in them.

    The ledger commits with its batch, and batches of one source get their ids in the order
    they commit (under the source's lock): a batch that commits after this read has a higher
    id than any returned, so the watermark never passes over it.
    """
    rows = conn.execute(
        "select batch_id, rows_read, rows_loaded from ops.loads where source_table = %s "
        "and status = 'loaded' and batch_id > %s order by batch_id",
        (contract.table, -1 if scope.whole else scope.after),
    ).fetchall()
    return (
        [row[0] for row in rows],
        sum(row[1] or 0 for row in rows),
        sum(row[2] or 0 for row in rows),
    )


# --- raw checks (one set per source contract) ------------------------------------------------


def rows_valid(
    conn: psycopg.Connection, contract: SourceContract, settings: Settings, scope: Scope = WHOLE
) -> Finding:
    """Rejected rows of the batches in scope: the loader quarantined them, nothing was lost."""
    batches, read, loaded = _batches(conn, contract, scope)
    rows = _rows(
        conn,
        sql.SQL(
            "select _source_file || ':' || coalesce(_line_number::text, '?') || ' ' || reason, "
            "count(*) over () from {} where _batch_id = any(%s) "
            "order by _batch_id, _line_number limit %s"
        ).format(sql.Identifier("raw", contract.rejected_table)),
        (batches, EXAMPLES),
    )
    validity = float(loaded) / float(read) if read else 1.0
    return Finding(
        rows[0][1] if rows else 0,
        [r[0] for r in rows],
        {
            "row_validity": round(validity, 6),
            "rows_read": int(read),
            **scope.metadata(read, max(batches, default=None)),
        },
        max(batches, default=None),
    )


def unique_key_in_batch(
    conn: psycopg.Connection, contract: SourceContract, settings: Settings, scope: Scope = WHOLE
) -> Finding:
    """One extract must not hold two rows for the same key: which one is right is unknowable.

    Only the partitions of the batches in scope are read (the raw table is partitioned by
    batch)."""
    batches, _, loaded = _batches(conn, contract, scope)
    key = sql.SQL(", ").join(sql.Identifier(c) for c in contract.primary_key)
    label = sql.SQL(" || '/' || ").join(sql.Identifier(c) for c in contract.primary_key)
    rows = _rows(
        conn,
        sql.SQL(
            "select _source_file || ' ' || {label} || ' x' || count(*) from {table} "
            "where _batch_id = any(%s) "
            "group by _batch_id, _source_file, {key} having count(*) > 1 "
            "order by _batch_id limit 1000"
        ).format(label=label, key=key, table=sql.Identifier("raw", contract.table)),
        (batches,),
    )
    through = max(batches, default=None)
    return Finding(
        len(rows), [r[0] for r in rows[:EXAMPLES]], scope.metadata(loaded, through), through
    )


def schema_drift(conn: psycopg.Connection, contract: SourceContract, settings: Settings) -> Finding:
    """Every file of the source in the landing folder has exactly the contract's header."""
    drifted = []
    for path in source_files(contract, settings):
        try:
            check_header(contract, path, read_header(path))
        except ContractError as error:
            drifted.append(str(error))
    return Finding(len(drifted), drifted, {"files_checked": len(source_files(contract, settings))})


def volume(conn: psycopg.Connection, contract: SourceContract, settings: Settings) -> Finding:
    """The newest daily delta's row count against the median of the recent deltas before it."""
    counts = [
        (name, rows)
        for name, rows in _rows(
            conn,
            sql.SQL(
                "select source_file, rows_read from ops.loads where source_table = %s "
                "and status = 'loaded' and source_file ~ '/[0-9]{4}-[0-9]{2}-[0-9]{2}/' "
                "order by source_file desc limit 8"
            ),
            (contract.table,),
        )
    ]
    if len(counts) < 4:
        return Finding(0, [], {"note": "fewer than four daily deltas: nothing to compare yet"})
    (latest, rows), previous = counts[0], [r for _, r in counts[1:]]
    median = statistics.median(previous)
    ratio = rows / median if median else float("inf")
    failing = 0 if 1 / 3 <= ratio <= 3 else 1
    return Finding(
        failing,
        [f"{latest}: {rows} rows, {ratio:.2f} x the median {median:.0f}"] if failing else [],
        {
            "latest_file": latest,
            "latest_rows": rows,
            "trailing_median": float(median),
            "ratio": round(ratio, 3),
        },
    )


def freshness(conn: psycopg.Connection, contract: SourceContract, settings: Settings) -> Finding:
    """The newest purchase in the data against the newest landing date (folder name)."""
    dated = sorted(
        p.name for p in settings.landing_dir.glob("*") if p.is_dir() and _is_date(p.name)
    )
    latest_purchase = newest_purchase(conn, contract)
    if not dated or latest_purchase is None:
        return Finding(0, [], {"note": "no dated landing folder: freshness not applicable"})
    landing = date.fromisoformat(dated[-1])
    lag = (landing - latest_purchase.date()).days
    return Finding(
        1 if lag > 2 else 0,
        [f"latest purchase {latest_purchase} is {lag} days before landing {landing}"]
        if lag > 2
        else [],
        {"landing_date": str(landing), "latest_purchase": str(latest_purchase), "lag_days": lag},
    )


def newest_purchase(conn: psycopg.Connection, contract: SourceContract) -> datetime | None:
    """The newest order_purchase_timestamp of the loaded orders.

    Each loaded file is a partition of its own that never changes (a changed re-delivery is a
    new file and batch), so the newest purchase of a file is read from its partition once and
    kept in its ledger row (``ops.loads.newest_event_at``): a night reads its new files only.
    Reading every order ever loaded took 0.23 s at a million orders (ten times that at ten
    million), on the path of every run before dbt starts.
    """
    ensure_ledger(conn)
    loaded = conn.execute(
        "select batch_id, newest_event_at from ops.loads "
        "where source_table = %s and status = 'loaded'",
        (contract.table,),
    ).fetchall()
    newest = [kept for _, kept in loaded if kept is not None]
    for batch_id, kept in loaded:
        if kept is not None:
            continue
        (found,) = conn.execute(
            sql.SQL("select max(cast(order_purchase_timestamp as timestamp)) from {}").format(
                batch_partition(contract, batch_id)
            )
        ).fetchone()
        if found is not None:  # a file whose every row was rejected has none
            conn.execute(
                "update ops.loads set newest_event_at = %s where batch_id = %s",
                (found, batch_id),
            )
            newest.append(found)
    return max(newest, default=None)


def _is_date(name: str) -> bool:
    try:
        date.fromisoformat(name)
        return True
    except ValueError:
        return False


@dataclass(frozen=True)
class RawCheck:
    """One raw check. ``whole`` is None for a check of rows, which looks only at batches it
    has not passed (its function takes the scope); otherwise it says what the check always
    looks at, because a check about the whole source would mean something else on a delta."""

    name: str
    function: Callable[..., Finding]
    severity: dg.AssetCheckSeverity
    rule: str
    column: str
    whole: str | None = None

    @property
    def description(self) -> str:
        reach = (
            f"Whole source: {self.whole}."
            if self.whole
            else "Scoped: only batches this check has not passed yet (ops.check_watermarks); "
            "a full refresh checks every batch."
        )
        return f"[{self.severity.value}] {self.rule}. {reach}"


RAW_CHECKS: list[RawCheck] = [
    RawCheck(
        "rows_valid",
        rows_valid,
        WARN,
        "every row of every file loads (rows read = loaded + "
        "rejected; rejected rows are kept in raw.<table>__rejected)",
        "*",
    ),
    RawCheck(
        "unique_key_in_batch",
        unique_key_in_batch,
        ERROR,
        "no key twice in one extract",
        "primary key",
    ),
    RawCheck(
        "schema_drift",
        schema_drift,
        ERROR,
        "every landing file has exactly the contract's columns",
        "header",
        whole="the header of every file in the landing folder",
    ),
    RawCheck(
        "volume",
        volume,
        WARN,
        "a daily delta's size is within 1/3 and 3 times the median of the previous ones",
        "rows",
        whole="the newest daily deltas in the load ledger",
    ),
]
FRESHNESS = RawCheck(
    "freshness",
    freshness,
    WARN,
    "newest purchase at most two days before the newest landing date",
    "order_purchase_timestamp",
    whole="the newest purchase of all orders",
)


def _raw_checks_of(contract: SourceContract) -> dict[dg.AssetCheckKey, RawCheck]:
    selected = [c for c in RAW_CHECKS if c.name != "unique_key_in_batch" or contract.primary_key]
    if contract.table == "olist_orders":
        selected.append(FRESHNESS)
    asset = dg.AssetKey(["raw", contract.table])
    return {dg.AssetCheckKey(asset, c.name): c for c in selected}


def build_raw_checks(contracts: list[SourceContract]) -> dg.AssetChecksDefinition:
    """The raw checks of every source, run in one step on one connection.

    Each check is its own spec (its own name, severity, description and result in the UI;
    error-level ones blocking, so a broken extract stops what is downstream of its source);
    running them together saves a step, a connection and a watermark write per check, and
    per source, which is most of what a check on a small delta costs (a step of its own per
    source took 0.03-0.05 s each in a 1M nightly, on the path before dbt starts).
    ``can_subset`` lets the UI run any one of them alone. A scoped check that passes moves its
    watermark once every result is reported.
    """
    checks = {
        key: (contract, c) for contract in contracts for key, c in _raw_checks_of(contract).items()
    }
    definitions = {
        key: fingerprint(c.function, c.rule, contract) for key, (contract, c) in checks.items()
    }
    specs = [
        dg.AssetCheckSpec(
            name=key.name,
            asset=key.asset_key,
            description=c.description,
            blocking=c.severity == ERROR,
            metadata={"severity": c.severity.value},
        )
        for key, (_, c) in checks.items()
    ]

    @dg.multi_asset_check(
        specs=specs,
        name="raw__quality",
        description="Loading and contract checks of every raw source.",
        can_subset=True,
        # before the raw Great Expectations steps, which wait for their suites in the worker:
        # these queries run meanwhile (dagster/priority orders the steps that are ready)
        op_tags={"dagster/priority": "1"},
    )
    def _checks(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        settings = warehouse.settings()
        full_refresh = full_refresh_requested(context)
        results, passed = [], []
        with retry_transient(context), psycopg.connect(warehouse.url("loader")) as conn:
            for key, (contract, c) in checks.items():
                if key not in context.selected_asset_check_keys:
                    continue
                scope = None
                try:
                    if c.whole:
                        found = c.function(conn, contract, settings)
                        found.details.setdefault("scope", f"whole source: {c.whole}")
                    else:
                        scope = scope_for(conn, key, definitions[key], full_refresh=full_refresh)
                        found = c.function(conn, contract, settings, scope)
                except Exception as error:
                    if is_transient(error):
                        raise  # the whole step is retried
                    # one check that cannot run fails alone, with the reason; the others
                    # still report
                    conn.rollback()
                    context.log.exception(f"check {key.name} on raw.{contract.table} failed")
                    found = Finding(1, [], {"error": f"{type(error).__name__}: {error}"})
                column = ", ".join(contract.primary_key) if c.column == "primary key" else c.column
                results.append(_result(c.severity, f"{c.rule} ({RULES})", column, found, key=key))
                if scope is not None and found.failing == 0:
                    passed.append(Passed(key, scope, found.through, definitions[key]))
        yield from results
        keep(context, warehouse.url("loader"), passed)

    return _checks


# --- checks downstream ------------------------------------------------------------------------


ITEMS_HAVE_ORDERS = dg.AssetCheckKey(
    dg.AssetKey(["staging", "stg_olist__order_items"]), "items_have_orders"
)
# the raw sources of the two staging models: a re-delivery can drop an order
ITEMS_HAVE_ORDERS_SOURCES = ("olist_order_items", "olist_orders")


def orphan_items(conn: psycopg.Connection, scope: Scope = WHOLE) -> Finding:
    """Order items in scope whose order does not exist, in one pass: how many items were
    looked at, the highest batch among them, the orphans and the first ten of them.

    The items are scoped by batch; the orders they are looked up in are all orders. An order
    only disappears with a re-delivered file (a replaced batch), after which the check runs on
    every item again (``ITEMS_HAVE_ORDERS_SOURCES``)."""
    checked, through, failing, examples = conn.execute(
        sql.SQL(
            "select count(*), max(items.batch_id), "
            "count(*) filter (where orders.order_id is null), "
            "(array_agg(items.order_id || '/' || items.order_item_id "
            "order by items.order_id || '/' || items.order_item_id) "
            "filter (where orders.order_id is null))[1:%s] "
            "from staging.stg_olist__order_items as items "
            "left join staging.stg_olist__orders as orders on items.order_id = orders.order_id "
            "where {}"
        ).format(scope.condition("batch_id", "items")),
        (EXAMPLES,),
    ).fetchone()
    return Finding(failing, list(examples or []), scope.metadata(checked, through), through)


@dg.asset_check(
    asset=ITEMS_HAVE_ORDERS.asset_key,
    name=ITEMS_HAVE_ORDERS.name,
    description=(
        "[ERROR] every order item belongs to an order that exists. Scoped: only items of "
        "batches this check has not passed yet, looked up in all orders; every item after a "
        "re-delivered items or orders file, or in a full refresh."
    ),
    blocking=True,
    metadata={"severity": "ERROR"},
)
def items_have_orders(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    definition = fingerprint(orphan_items)
    with retry_transient(context), psycopg.connect(warehouse.url("loader")) as conn:
        scope = scope_for(
            conn,
            ITEMS_HAVE_ORDERS,
            definition,
            full_refresh=full_refresh_requested(context),
            sources=ITEMS_HAVE_ORDERS_SOURCES,
        )
        found = orphan_items(conn, scope)
    yield _result(
        ERROR, "order items reference an existing order (referential integrity)", "order_id", found
    )
    if found.failing == 0:
        keep(
            context,
            warehouse.url("loader"),
            [Passed(ITEMS_HAVE_ORDERS, scope, found.through, definition)],
        )


PAYMENTS_RECONCILE = dg.AssetCheckKey(dg.AssetKey(["core", "fact_orders"]), "payments_reconcile")


def _payments_ahead_key(conninfo: str) -> tuple:
    schema, table = PAYMENTS_RECONCILE.asset_key.path
    return schema, table, PAYMENTS_RECONCILE.name, conninfo


def start_ahead(asset: dg.AssetKey, conninfo: str) -> None:
    """Start the checks on ``asset`` that can run ahead of their step; call it once the step
    that builds ``asset`` has made it final for the run. The payments reconciliation reads
    all of fact_orders (0.3 s at a million orders): in `python -m orchestration run` it runs
    in the Great Expectations worker beside the rest of the dbt build, and its check step
    takes the outcome (``gx_process.run_ahead``; a retried build step forgets it with the
    suites). Without the worker (the Dagster UI and daemon) nothing starts."""
    if asset == PAYMENTS_RECONCILE.asset_key:
        gx_process.run_ahead(_payments_ahead_key(conninfo), payments_mismatches, conninfo, EXAMPLES)


@dg.asset_check(
    asset=PAYMENTS_RECONCILE.asset_key,
    name=PAYMENTS_RECONCILE.name,
    description=(
        "[WARN] for at least 99% of counted orders with items, payments and order value "
        "differ by at most R$ 1.00 (BUSINESS_RULES.md, Time and money). Whole table: the rule "
        "is a share of all counted orders, which the orders of new batches alone would not give."
    ),
    metadata={"severity": "WARN"},
)
def payments_reconcile(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    conninfo = warehouse.url("loader")
    counts = None
    ahead = gx_process.take_ahead(_payments_ahead_key(conninfo))
    if ahead is not None:
        try:
            counts = ahead.result()
        except Exception as error:  # noqa: BLE001  (read again below, and then it counts)
            context.log.info(f"reconciling payments ahead failed ({error}); again")
    if counts is None:
        with retry_transient(context):
            counts = payments_mismatches(conninfo, EXAMPLES)
    total, failing, examples = counts
    share = 1 - failing / total if total else 1.0
    found = Finding(
        failing,
        examples,
        {
            "reconciled_share": round(share, 4),
            "orders_checked": total,
            "scope": "whole table (a share of all counted orders)",
            "checked_rows": total,
        },
    )
    return _result(
        WARN,
        "payments reconcile with items within R$ 1.00 for >= 99% of orders",
        "payment_value",
        found,
        passed=share >= 0.99,
    )


quality_checks = [
    build_raw_checks(list(CONTRACTS)),
    items_have_orders,
    payments_reconcile,
]
