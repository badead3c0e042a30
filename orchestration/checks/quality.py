"""Data-quality checks that Great Expectations does not express well, as Dagster asset checks.

Each check explains itself: its metadata names the column or file, the failing count, up to ten
examples, and the rule it enforces. ERROR checks on raw assets are blocking, so a broken extract
stops what is downstream of it in the same run; WARN checks annotate and let the run go on.
"""

import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import dagster as dg
import psycopg
from psycopg import sql

from orchestration.contracts import CONTRACTS, SourceContract
from orchestration.loader import ContractError, check_header, read_header, source_files
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


def _active_batches(conn: psycopg.Connection, table: str) -> list[int]:
    return [
        row[0]
        for row in conn.execute(
            "select batch_id from ops.loads where source_table = %s and status = 'loaded'",
            (table,),
        )
    ]


# --- raw checks (one set per source contract) ------------------------------------------------


def rows_valid(conn: psycopg.Connection, contract: SourceContract, settings: Settings) -> Finding:
    """Rejected rows of the batches in use: the loader quarantined them, nothing was lost."""
    rows = _rows(
        conn,
        sql.SQL(
            "select _source_file || ':' || coalesce(_line_number::text, '?') || ' ' || reason "
            "from {} where _batch_id = any(%s) order by _batch_id, _line_number"
        ).format(sql.Identifier("raw", contract.rejected_table)),
        (_active_batches(conn, contract.table),),
    )
    read, loaded = conn.execute(
        "select coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0) from ops.loads "
        "where source_table = %s and status = 'loaded'",
        (contract.table,),
    ).fetchone()
    validity = float(loaded) / float(read) if read else 1.0
    return Finding(
        len(rows),
        [r[0] for r in rows[:EXAMPLES]],
        {"row_validity": round(validity, 6), "rows_read": int(read)},
    )


def unique_key_in_batch(
    conn: psycopg.Connection, contract: SourceContract, settings: Settings
) -> Finding:
    """One extract must not hold two rows for the same key: which one is right is unknowable."""
    key = sql.SQL(", ").join(sql.Identifier(c) for c in contract.primary_key)
    label = sql.SQL(" || '/' || ").join(sql.Identifier(c) for c in contract.primary_key)
    rows = _rows(
        conn,
        sql.SQL(
            "select _source_file || ' ' || {label} || ' x' || count(*) from {table} "
            "group by _batch_id, _source_file, {key} having count(*) > 1 "
            "order by _batch_id limit 1000"
        ).format(label=label, key=key, table=sql.Identifier("raw", contract.table)),
    )
    return Finding(len(rows), [r[0] for r in rows[:EXAMPLES]], {})


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
    (latest_purchase,) = conn.execute(
        "select max(cast(order_purchase_timestamp as timestamp)) from raw.olist_orders"
    ).fetchone()
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


def _is_date(name: str) -> bool:
    try:
        date.fromisoformat(name)
        return True
    except ValueError:
        return False


RawCheck = Callable[[psycopg.Connection, SourceContract, Settings], Finding]
RAW_CHECKS: list[tuple[str, RawCheck, dg.AssetCheckSeverity, str, str]] = [
    (
        "rows_valid",
        rows_valid,
        WARN,
        "every row of every file loads (rows read = loaded + "
        "rejected; rejected rows are kept in raw.<table>__rejected)",
        "*",
    ),
    (
        "unique_key_in_batch",
        unique_key_in_batch,
        ERROR,
        "no key twice in one extract",
        "primary key",
    ),
    (
        "schema_drift",
        schema_drift,
        ERROR,
        "every landing file has exactly the contract's columns",
        "header",
    ),
    (
        "volume",
        volume,
        WARN,
        "a daily delta's size is within 1/3 and 3 times the median of the previous ones",
        "rows",
    ),
]


def build_raw_checks(contract: SourceContract) -> dg.AssetChecksDefinition:
    """The raw checks of one source, run in one step on one connection.

    Each check is its own spec (its own name, severity, description and result in the UI;
    error-level ones blocking); running them together saves a step, a process-level
    start-up and a connection per check, which is most of what a check on a small delta costs.
    ``can_subset`` lets the UI run any one of them alone.
    """
    selected = [c for c in RAW_CHECKS if c[0] != "unique_key_in_batch" or contract.primary_key]
    if contract.table == "olist_orders":
        selected.append(
            (
                "freshness",
                freshness,
                WARN,
                "newest purchase at most two days before the newest landing date",
                "order_purchase_timestamp",
            )
        )
    asset = dg.AssetKey(["raw", contract.table])
    checks = {
        dg.AssetCheckKey(asset, name): (
            function,
            severity,
            rule,
            ", ".join(contract.primary_key) if column == "primary key" else column,
        )
        for name, function, severity, rule, column in selected
    }
    specs = [
        dg.AssetCheckSpec(
            name=key.name,
            asset=asset,
            description=f"[{severity.value}] {rule}.",
            blocking=severity == ERROR,
            metadata={"severity": severity.value},
        )
        for key, (_, severity, rule, _) in checks.items()
    ]

    @dg.multi_asset_check(
        specs=specs,
        name=f"raw__{contract.table}__quality",
        description=f"Loading and contract checks of raw.{contract.table}.",
        can_subset=True,
    )
    def _checks(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        settings = warehouse.settings()
        results = []
        with retry_transient(context), psycopg.connect(warehouse.url("loader")) as conn:
            for key, (function, severity, rule, column) in checks.items():
                if key not in context.selected_asset_check_keys:
                    continue
                try:
                    found = function(conn, contract, settings)
                except Exception as error:
                    if is_transient(error):
                        raise  # the whole step is retried
                    # one check that cannot run fails alone, with the reason; the others
                    # still report
                    conn.rollback()
                    context.log.exception(f"check {key.name} on raw.{contract.table} failed")
                    found = Finding(1, [], {"error": f"{type(error).__name__}: {error}"})
                results.append(_result(severity, f"{rule} ({RULES})", column, found, key=key))
        yield from results

    return _checks


# --- checks downstream ------------------------------------------------------------------------


@dg.asset_check(
    asset=dg.AssetKey(["staging", "stg_olist__order_items"]),
    name="items_have_orders",
    description="[ERROR] every order item belongs to an order that exists.",
    blocking=True,
    metadata={"severity": "ERROR"},
)
def items_have_orders(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with retry_transient(context), psycopg.connect(warehouse.url("loader")) as conn:
        rows = conn.execute(
            "select items.order_id || '/' || items.order_item_id "
            "from staging.stg_olist__order_items as items "
            "left join staging.stg_olist__orders as orders on items.order_id = orders.order_id "
            "where orders.order_id is null order by 1"
        ).fetchall()
    found = Finding(len(rows), [r[0] for r in rows[:EXAMPLES]], {})
    return _result(
        ERROR, "order items reference an existing order (referential integrity)", "order_id", found
    )


@dg.asset_check(
    asset=dg.AssetKey(["core", "fact_orders"]),
    name="payments_reconcile",
    description=(
        "[WARN] for at least 99% of counted orders with items, payments and order value "
        "differ by at most R$ 1.00 (BUSINESS_RULES.md, Time and money)."
    ),
    metadata={"severity": "WARN"},
)
def payments_reconcile(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with retry_transient(context), psycopg.connect(warehouse.url("loader")) as conn:
        (total,) = conn.execute(
            "select count(*) from core.fact_orders where is_counted and items > 0"
        ).fetchone()
        rows = conn.execute(
            "select order_id || ': paid ' || payment_value || ', value ' || order_value "
            "from core.fact_orders where is_counted and items > 0 "
            "and abs(payment_value - order_value) > 1.00 order by order_id"
        ).fetchall()
    share = 1 - len(rows) / total if total else 1.0
    found = Finding(
        len(rows),
        [r[0] for r in rows[:EXAMPLES]],
        {"reconciled_share": round(share, 4), "orders_checked": total},
    )
    return _result(
        WARN,
        "payments reconcile with items within R$ 1.00 for >= 99% of orders",
        "payment_value",
        found,
        passed=share >= 0.99,
    )


quality_checks = [
    *[build_raw_checks(contract) for contract in CONTRACTS],
    items_have_orders,
    payments_reconcile,
]
