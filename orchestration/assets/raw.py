"""Raw assets: one per source contract, loaded together by one step that loads the files each
source has not loaded yet."""

import dagster as dg
import psycopg
from psycopg import sql

from orchestration.checks.great_expectations import validate_ahead
from orchestration.contracts import CONTRACTS, SourceContract
from orchestration.loader import LoadResult, load_sources
from orchestration.resources import WarehouseResource
from orchestration.transient import retry_transient

OWNER = "team:data-engineering"


def _table_rows(conninfo: str, contract: SourceContract) -> tuple[int, int]:
    """Rows in the raw table and in its rejected table, from the ledger (``ops.loads``): the
    loader changes the ledger in the same transaction as the rows, so the sums are exact, and
    they cost the same at any history, where counting the tables reads every row ever loaded."""
    with psycopg.connect(conninfo) as conn:
        loaded, rejected = conn.execute(
            "select coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0) "
            "from ops.loads where source_table = %s and status = 'loaded'",
            (contract.table,),
        ).fetchone()
    return int(loaded), int(rejected)


def _rejected_preview(conninfo: str, contract: SourceContract, batch_ids: list[int]) -> str:
    """A few rejected rows of this run's batches, as a markdown table for the UI."""
    if not batch_ids:
        return ""
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            sql.SQL(
                "select _source_file, _line_number, reason, left(raw_record, 120) from {} "
                "where _batch_id = any(%s) order by _batch_id, _line_number limit 10"
            ).format(sql.Identifier("raw", contract.rejected_table)),
            (batch_ids,),
        ).fetchall()
    if not rows:
        return ""
    lines = ["| file | line | reason | raw record |", "| --- | --- | --- | --- |"]
    for file, line, reason, raw in rows:
        cells = [file, str(line), reason, raw.replace("|", "\\|").replace("\n", " ")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _metadata(results: list[LoadResult], table_rows: int, rejected_rows: int) -> dict:
    loaded = [r for r in results if r.status == "loaded"]
    seconds = sum(r.duration_seconds for r in loaded)
    rows_read = sum(r.rows_read for r in loaded)
    return {
        "files_loaded": len(loaded),
        "files_skipped": len(results) - len(loaded),
        "rows_read": rows_read,
        "rows_loaded": sum(r.rows_loaded for r in loaded),
        "rows_rejected": sum(r.rows_rejected for r in loaded),
        "bytes": sum(r.bytes for r in loaded),
        "duration_seconds": round(seconds, 3),
        "rows_per_second": round(rows_read / seconds) if seconds else 0,
        "table_rows": table_rows,
        "dagster/row_count": table_rows,
        "rejected_rows_total": rejected_rows,
        "files": dg.MetadataValue.md(
            "\n".join(
                f"- `{r.source_file}` {r.status}: {r.bytes:,} bytes, {r.rows_read} read, "
                f"{r.rows_loaded} loaded, {r.rows_rejected} rejected in "
                f"{r.duration_seconds:.2f}s ({r.rows_per_second:,.0f} rows/s), "
                f"sha256 `{r.sha256}`"
                for r in results
            )
            or "no files found"
        ),
    }


def _raw_spec(contract: SourceContract) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=["raw", contract.table],
        group_name="raw",
        description=(
            f"{contract.description} Loaded from `{contract.file_name}` with COPY; rows that "
            f"break the contract go to `raw.{contract.rejected_table}`."
        ),
        owners=[OWNER],
        kinds={"postgres", "csv"},
        metadata={"file_name": contract.file_name, "primary_key": list(contract.primary_key)},
    )


@dg.multi_asset(
    name="raw_extracts",
    specs=[_raw_spec(contract) for contract in CONTRACTS],
    can_subset=True,
    description=(
        "Loads the extracts of the selected sources that are not loaded yet, two sources at a "
        "time (OLIST_LOAD_WORKERS), each file in one transaction."
    ),
)
def raw_extracts(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    selected = [
        contract
        for contract in CONTRACTS
        if dg.AssetKey(["raw", contract.table]) in context.selected_asset_keys
    ]
    with retry_transient(context):
        settings = warehouse.ready()
    conninfo = warehouse.url("loader")
    results, errors = load_sources(
        selected, settings, conninfo, workers=settings.load_workers, run_id=context.run_id
    )
    for contract in selected:
        if contract.table not in results:
            continue
        for result in results[contract.table]:
            context.log.info(
                f"{result.source_file}: {result.status}, {result.rows_read} read, "
                f"{result.rows_rejected} rejected in {result.duration_seconds:.2f}s"
            )
        # the table is final for this run: its Great Expectations suites start in the worker,
        # beside the raw checks (gx_process.validate_ahead)
        validate_ahead(context, dg.AssetKey(["raw", contract.table]), conninfo)
        yield _materialization(contract, results[contract.table], conninfo)
    if errors:
        with retry_transient(context):  # a server that went away: retry the step
            raise next(iter(errors.values()))


def _materialization(
    contract: SourceContract, results: list[LoadResult], conninfo: str
) -> dg.MaterializeResult:
    table_rows, rejected_rows = _table_rows(conninfo, contract)
    metadata = _metadata(results, table_rows, rejected_rows)
    preview = _rejected_preview(
        conninfo, contract, [r.batch_id for r in results if r.rows_rejected]
    )
    if preview:
        metadata["rejected_preview"] = dg.MetadataValue.md(preview)
    return dg.MaterializeResult(asset_key=dg.AssetKey(["raw", contract.table]), metadata=metadata)


raw_assets = [raw_extracts]
