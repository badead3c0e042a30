"""The generic loader: stream source files into ``raw`` with COPY, account for every row.

One code path serves every source contract. For each file it checks the header against the
contract, streams the bytes into the raw table with ``COPY`` (memory stays flat whatever the
file size) while hashing them, skips (rolls back) a file whose SHA-256 is already loaded, moves
rows whose values break the contract to ``raw.<table>__rejected`` in one set-based statement, and
records the file in the ``ops.loads`` ledger. All of that happens in one transaction under a
per-table advisory lock, so a crash leaves no partial batch and two runs cannot load the same
file twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from orchestration.contracts import Column, SourceContract
from orchestration.settings import Settings

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20
BATCH_COLUMNS = ("_batch_id", "_source_file", "_row_number", "_loaded_at")

# Columns added to the ledger after its first version, for warehouses created before them.
# newest_event_at: the newest purchase among a loaded file's orders (a file's partition never
# changes), found and kept by the freshness check (checks/quality.py); null until then
LEDGER_ADDED_COLUMNS = (
    ("run_id", "text"),
    ("file_mtime_ns", "bigint"),
    ("newest_event_at", "timestamp"),
)
LEDGER_DDL = (
    """
create table if not exists ops.loads (
    batch_id bigserial primary key,
    source_table text not null,
    source_file text not null,
    file_sha256 text not null,
    file_bytes bigint not null,
    rows_read bigint,
    rows_loaded bigint,
    rows_rejected bigint,
    status text not null check (status in ('loaded', 'replaced', 'failed')),
    error text,
    started_at timestamp with time zone not null default now(),
    finished_at timestamp with time zone,
    duration_seconds numeric(12, 3)
);
"""
    + "".join(
        f"alter table ops.loads add column if not exists {name} {type_};\n"
        for name, type_ in LEDGER_ADDED_COLUMNS
    )
    + "create index if not exists loads_sha_idx on ops.loads (source_table, file_sha256);\n"
)


class ContractError(ValueError):
    """A file does not have the shape its contract promises; nothing of it was loaded."""


@dataclass(frozen=True)
class LoadResult:
    table: str
    source_file: str
    sha256: str
    bytes: int
    status: str  # loaded | skipped
    batch_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    duration_seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.duration_seconds if self.duration_seconds else 0.0


# --- files -----------------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def read_header(path: Path) -> list[str]:
    """The first record of the file, without a byte-order mark."""
    with path.open("rb") as handle:
        first = handle.readline(1 << 16)
    if not first.strip():
        raise ContractError(f"{path}: the file is empty; expected a header line")
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ContractError(f"{path}, line 1: the header is not valid UTF-8 ({error})") from error
    return next(csv.reader(io.StringIO(text)))


def check_header(contract: SourceContract, path: Path, header: list[str]) -> None:
    """Raise a ContractError that names the file and the columns when the header differs."""
    expected = list(contract.column_names)
    if header == expected:
        return
    missing = [name for name in expected if name not in header]
    extra = [name for name in header if name not in expected]
    problems = []
    if len(header) == 1 and len(expected) > 1 and any(sep in header[0] for sep in ";\t|"):
        problems.append("the file does not seem to be comma-separated")
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if extra:
        problems.append(f"unexpected column(s) {', '.join(extra)}")
    if not missing and not extra:
        problems.append(f"columns out of order: {', '.join(header)}")
    raise ContractError(
        f"{path}, line 1: header does not match the contract of {contract.table} "
        f"({'; '.join(problems)}). Expected: {', '.join(expected)}"
    )


def source_files(contract: SourceContract, settings: Settings) -> list[Path]:
    """Files of one source in load order: landing root, then dated folders in date order.

    When the landing folder holds no CSV at all, the committed sample stands in for it, so a
    fresh clone has something to load.
    """
    landing = settings.landing_dir
    has_landing = landing.is_dir() and any(landing.glob("*.csv")) or any(landing.glob("*/*.csv"))
    root = landing if has_landing else settings.sample_dir
    files = sorted(root.glob(contract.file_name)) + sorted(root.glob(f"*/{contract.file_name}"))
    return [path for path in files if path.is_file()]


def source_name(path: Path, settings: Settings) -> str:
    """How the ledger names a file: relative to the folder above landing or sample."""
    for root in (settings.landing_dir, settings.sample_dir):
        try:
            return str(path.resolve().relative_to(root.resolve().parent))
        except ValueError:
            continue
    return str(path.resolve())


# --- tables ------------------------------------------------------------------------------------


def _ident(*names: str) -> sql.Identifier:
    return sql.Identifier(*names)


def ensure_tables(conn: psycopg.Connection, contract: SourceContract) -> None:
    """Create the raw, rejected and ledger tables of a source when missing.

    Two first runs at once would race on ``create ... if not exists``: a lock serialises them.
    """
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('olist.loader.ddl'))")
        _create_tables(conn, contract)


def ensure_ledger(conn: psycopg.Connection) -> None:
    """Create or upgrade ``ops.loads`` only when the catalog says it is needed.

    Its DDL is not free even when there is nothing to do: ``alter table`` waits for an
    exclusive lock and ``create index`` for a share lock on the ledger, which every load in
    progress holds open in its transaction. Run unconditionally, it made each source wait for
    the load of another source to commit, so sources loaded side by side ran one after the
    other for much of the run.
    """
    ready, columns = conn.execute(
        "select to_regclass('ops.loads_sha_idx') is not null, array(select attname::text "
        "from pg_attribute where attrelid = to_regclass('ops.loads') and not attisdropped)"
    ).fetchone()
    if not ready or any(name not in columns for name, _ in LEDGER_ADDED_COLUMNS):
        conn.execute(LEDGER_DDL)


def _create_tables(conn: psycopg.Connection, contract: SourceContract) -> None:
    """The raw table is partitioned by batch: each loaded file is one partition.

    A batch is written into a table of its own (no index, constant defaults), validated with
    a scan of that batch only, and attached; replacing a file's batch drops its partition. So
    a load costs in proportion to the file, never to the history already loaded.
    """
    table = contract.table
    data_columns = sql.SQL(", ").join(
        sql.SQL("{} text").format(_ident(name)) for name in contract.column_names
    )
    ensure_ledger(conn)
    conn.execute(
        sql.SQL("create sequence if not exists {} cache 10000").format(_row_sequence(contract))
    )
    conn.execute(
        sql.SQL(
            """
            create table if not exists {table} (
                {data_columns},
                _batch_id bigint not null,
                _source_file text not null,
                _row_number bigint not null,
                _loaded_at timestamp with time zone not null default now()
            ) partition by list (_batch_id)
            """
        ).format(table=_ident("raw", table), data_columns=data_columns)
    )
    conn.execute(
        sql.SQL(
            """
            create table if not exists {} (
                _batch_id bigint not null,
                _source_file text not null,
                _row_number bigint,
                _line_number bigint,
                column_name text,
                reason text not null,
                raw_record text not null,
                _loaded_at timestamp with time zone not null default now()
            )
            """
        ).format(_ident("raw", contract.rejected_table))
    )


def _row_sequence(contract: SourceContract) -> sql.Identifier:
    return _ident("raw", f"{contract.table}__row_seq")


def batch_partition(contract: SourceContract, batch_id: int) -> sql.Identifier:
    """The partition of ``contract``'s raw table that holds the rows of one loaded file."""
    return _ident("raw", f"{contract.table}__batch_{batch_id}")


def _create_partition(
    conn: psycopg.Connection, contract: SourceContract, batch_id: int, enforce: bool
) -> None:
    """A new table for one batch, with the batch id as a column default and the check that
    lets ATTACH skip its validation scan; the other batch constants come after COPY.

    With ``enforce`` the contract is a CHECK constraint too, so the server validates every row
    as COPY writes it, in the same pass; one bad row fails the COPY and the careful path takes
    over, which validates with a scan instead and quarantines what breaks the contract.
    """
    violation = violation_sql(contract)
    contract_check = (
        sql.SQL(", constraint contract_valid check (not ({}))").format(violation)
        if enforce and violation is not None
        else sql.SQL("")
    )
    data_columns = sql.SQL(", ").join(
        sql.SQL("{} text").format(_ident(column)) for column in contract.column_names
    )
    conn.execute(
        sql.SQL(
            """
            create table {partition} (
                {data_columns},
                _batch_id bigint not null default {batch} check (_batch_id = {batch}),
                _row_number bigint not null default nextval({sequence})
                {contract_check}
            )
            """
        ).format(
            partition=batch_partition(contract, batch_id),
            contract_check=contract_check,
            data_columns=data_columns,
            batch=sql.Literal(batch_id),
            sequence=sql.Literal(f"raw.{contract.table}__row_seq"),
        )
    )
    conn.execute("select setval(%s, 1, false)", (f"raw.{contract.table}__row_seq",))


def _add_batch_constants(
    conn: psycopg.Connection, contract: SourceContract, batch_id: int, name: str
) -> None:
    """The columns that are the same on every row of a batch, added after COPY.

    A column added with a constant default is stored once in the catalog, not in each row
    (PostgreSQL's "fast default"): no rewrite, no scan, and COPY writes rows that are
    shorter by the file name and a timestamp; on narrow files that was a third of the bytes.
    ``now()`` is the transaction's start, the same value a per-row default would give.
    """
    conn.execute(
        sql.SQL(
            "alter table {} add column _source_file text not null default {}, "
            "add column _loaded_at timestamp with time zone not null default now()"
        ).format(batch_partition(contract, batch_id), sql.Literal(name))
    )


def _attach_partition(conn: psycopg.Connection, contract: SourceContract, batch_id: int) -> None:
    partition = batch_partition(contract, batch_id)
    conn.execute(
        sql.SQL(
            "alter table {} drop constraint if exists contract_valid, "
            "alter column _batch_id drop default, alter column _row_number drop default"
        ).format(partition)
    )
    conn.execute(
        sql.SQL("alter table {} attach partition {} for values in ({})").format(
            _ident("raw", contract.table), partition, sql.Literal(batch_id)
        )
    )


# --- validation -------------------------------------------------------------------------------

# What a valid value of each type looks like, as SQL over {col}. The server's own input functions
# (pg_input_is_valid) judge the value; cheap string tests close the gaps they leave open
# ('now' and 'infinity' are valid timestamps, 'NaN' a valid numeric). Regular expressions would
# say the same at twice the cost on every row of every good file. The timestamp length is
# counted in bytes: a valid timestamp is ASCII (the server's date parser rejects any other
# byte), so it has 19 bytes exactly when it has 19 characters, and counting bytes is free where
# counting characters is a tenth of the rule's cost.
_VALID = {
    "timestamp": (
        "octet_length({col}) = 19 and pg_input_is_valid({col}, 'timestamp')",
        "a timestamp YYYY-MM-DD HH:MM:SS",
    ),
    "numeric": (
        "pg_input_is_valid({col}, 'numeric') and strpos({col}, 'N') = 0 and strpos({col}, 'n') = 0",
        "a decimal number with a dot",
    ),
    "integer": ("pg_input_is_valid({col}, 'bigint')", "an integer"),
}


def _violations(column: Column) -> list[tuple[sql.Composable, str]]:
    """SQL conditions that are true when the column's value breaks one rule of its contract,
    each with what was expected, so a rejected row says exactly which rule it broke."""
    col = _ident(column.name)
    rules: list[tuple[sql.Composable, str]] = []
    if not column.nullable:
        rules.append((sql.SQL("({col} is null or {col} = '')").format(col=col), "a value"))
    if column.type in _VALID:
        valid, text = _VALID[column.type]
        rules.append(
            (
                sql.SQL("({col} <> '' and not (" + valid + "))").format(col=col),
                text,
            )
        )
    if column.allowed:
        rules.append(
            (
                sql.SQL("({col} <> '' and {col} <> all({allowed}))").format(
                    col=col, allowed=sql.Literal(list(column.allowed))
                ),
                "one of " + ", ".join(column.allowed),
            )
        )
    return rules


def violation_sql(contract: SourceContract) -> sql.Composable | None:
    """True for a row that breaks any rule of the contract (NULL counts as no violation)."""
    rules = [cond for column in contract.columns for cond, _ in _violations(column)]
    return sql.SQL(" or ").join(rules) if rules else None


def quarantine_sql(
    contract: SourceContract, batch_id: int
) -> tuple[sql.Composed, sql.Composed] | None:
    """Two statements: a read-only count of a batch's invalid rows, and the move of those rows
    to the rejected table.

    A valid file pays one read-only scan of its own batch (which the server may run in
    parallel); only a file with invalid rows pays for the move. Nothing is row-by-row. The
    reason names the first broken rule of the row, its column, what was expected and the value.
    """
    rules = [
        (column, cond, text) for column in contract.columns for cond, text in _violations(column)
    ]
    if not rules:
        return None
    any_violation = violation_sql(contract)
    first_column = sql.SQL("case {} end").format(
        sql.SQL(" ").join(
            sql.SQL("when {} then {}").format(cond, sql.Literal(column.name))
            for column, cond, _ in rules
        )
    )
    reason = sql.SQL("case {} end").format(
        sql.SQL(" ").join(
            sql.SQL(
                "when {cond} then {prefix} || coalesce(quote_literal({col}), 'nothing')"
            ).format(
                cond=cond,
                prefix=sql.Literal(f"{column.name}: expected {text}, got "),
                col=_ident(column.name),
            )
            for column, cond, text in rules
        )
    )
    record = sql.SQL("json_build_object({})").format(
        sql.SQL(", ").join(
            sql.SQL("{}, {}").format(sql.Literal(name), _ident(name))
            for name in contract.column_names
        )
    )
    probe = sql.SQL("select count(*) from {table} where {cond}")
    probe = probe.format(table=batch_partition(contract, batch_id), cond=any_violation)
    return probe, sql.SQL(
        """
        with bad as (
            delete from {table}
            where {any_violation}
            returning *
        )
        insert into {rejected}
            (_batch_id, _source_file, _row_number, column_name, reason, raw_record)
        select _batch_id, _source_file, _row_number, {first_column}, {reason},
               cast({record} as text)
        from bad
        """
    ).format(
        table=batch_partition(contract, batch_id),
        rejected=_ident("raw", contract.rejected_table),
        any_violation=any_violation,
        first_column=first_column,
        reason=reason,
        record=record,
    )


@dataclass(frozen=True)
class Record:
    """One data record of a file as the careful path sees it."""

    line: int
    fields: list[str] | None
    error: str | None
    raw: str


class _LineTap:
    """Feeds lines to the csv reader and keeps them, so a bad record's raw text survives."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.lines: list[str] = []

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        line = next(self.handle)
        self.lines.append(line)
        return line

    def take(self) -> str:
        raw, self.lines = "".join(self.lines), []
        return raw


def _printable(text: str) -> str:
    """Raw text that PostgreSQL can store: invalid bytes and NUL shown as escapes."""
    shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return shown.replace("\x00", "\\x00")


def iter_records(path: Path, columns: tuple[str, ...]) -> Iterator[Record]:
    """Every data record with the line it starts on, and why it is unloadable if it is.

    Invalid UTF-8 bytes are kept (surrogate escapes) so they can be reported, never guessed.
    """
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        tap = _LineTap(handle)
        reader = csv.reader(tap, strict=True)
        try:
            next(reader)
        except (StopIteration, csv.Error):
            return
        tap.take()
        line = reader.line_num + 1
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                raw = tap.take()
                if "unexpected end of data" in str(error):
                    reason = "unterminated quoted field: it runs to the end of the file"
                else:
                    reason = f"broken quoting ({error})"
                yield Record(line, None, reason, raw)
                line = reader.line_num + 1
                continue
            raw = tap.take()
            yield Record(line, fields, _field_error(fields, columns), raw)
            line = reader.line_num + 1


def _field_error(fields: list[str], columns: tuple[str, ...]) -> str | None:
    if len(fields) != len(columns):
        return f"expected {len(columns)} fields, found {len(fields)}"
    for name, value in zip(columns, fields, strict=True):
        if "\x00" in value:
            return f"{name}: NUL byte in the value"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            shown = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            return f"{name}: invalid UTF-8 bytes in {shown!r}"
    return None


# --- loading ------------------------------------------------------------------------------------


def _known_unchanged(
    conn: psycopg.Connection, contract: SourceContract, name: str, size: int, mtime_ns: int
) -> str | None:
    """SHA-256 of a file the ledger has loaded from this path with this size and time.

    Nightly runs see every historical file again; skipping those without reading them keeps a
    run's cost in proportion to what is new. A re-delivered file has a new modification time
    and is hashed as usual.
    """
    row = conn.execute(
        "select file_sha256 from ops.loads where source_table = %s and source_file = %s "
        "and file_bytes = %s and file_mtime_ns = %s and status = 'loaded'",
        (contract.table, name, size, mtime_ns),
    ).fetchone()
    return row[0] if row else None


def _size_loaded(conn: psycopg.Connection, contract: SourceContract, size: int) -> bool:
    return bool(
        conn.execute(
            "select 1 from ops.loads where source_table = %s and file_bytes = %s "
            "and status = 'loaded' limit 1",
            (contract.table, size),
        ).fetchone()
    )


def _already_loaded(conn: psycopg.Connection, contract: SourceContract, sha: str) -> bool:
    return bool(
        conn.execute(
            "select 1 from ops.loads where source_table = %s and file_sha256 = %s "
            "and status = 'loaded'",
            (contract.table, sha),
        ).fetchone()
    )


def _copy_file(
    conn: psycopg.Connection, contract: SourceContract, path: Path, batch_id: int
) -> tuple[int, str]:
    """Fast path: the server parses the file as it streams in; returns the records read and
    the SHA-256 of the bytes sent, hashed on the way (one read of the file, not two)."""
    columns = sql.SQL(", ").join(_ident(name) for name in contract.column_names)
    statement = sql.SQL(
        "copy {} ({}) from stdin with (format csv, header true, encoding 'UTF8')"
    ).format(batch_partition(contract, batch_id), columns)
    digest = hashlib.sha256()
    with conn.cursor() as cursor:
        with cursor.copy(statement) as copy, path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                digest.update(chunk)
                copy.write(chunk)
        return cursor.rowcount, digest.hexdigest()


def _copy_careful(
    conn: psycopg.Connection, contract: SourceContract, path: Path, batch_id: int, name: str
) -> tuple[int, int]:
    """Slow path for a file the server cannot parse (field count, quoting, encoding, NUL).

    Python parses record by record: loadable records stream into the raw table, the others go
    to the rejected table with their line, raw text and reason. Returns the records read and
    rejected.
    """
    columns = sql.SQL(", ").join(_ident(name) for name in (*contract.column_names, "_row_number"))
    rejected: list[tuple] = []
    read = 0
    with conn.cursor() as cursor:
        statement = sql.SQL("copy {} ({}) from stdin").format(
            batch_partition(contract, batch_id), columns
        )
        with cursor.copy(statement) as copy:
            for read, record in enumerate(iter_records(path, contract.column_names), start=1):
                if record.error:
                    rejected.append(
                        (batch_id, name, read, record.line, record.error, _printable(record.raw))
                    )
                else:
                    copy.write_row([value or None for value in record.fields] + [read])
        statement = sql.SQL(
            "copy {} (_batch_id, _source_file, _row_number, _line_number, reason, raw_record) "
            "from stdin"
        ).format(_ident("raw", contract.rejected_table))
        with cursor.copy(statement) as copy:
            for row in rejected:
                copy.write_row(row)
    return read, len(rejected)


def load_file(
    conn: psycopg.Connection,
    contract: SourceContract,
    path: Path,
    name: str,
    run_id: str | None = None,
) -> LoadResult:
    """Load one file in one transaction (the caller's connection must be in autocommit mode).

    The fast path hands the bytes to the server's COPY, which also checks the contract on every
    row. When the server cannot parse the file or a row breaks the contract, that transaction
    is rolled back and the careful path loads the file again, quarantining what it must: nothing
    is lost, and good files never pay for the careful path.

    The file is read once on the fast path: COPY hashes what it sends. Only a file with a
    loaded twin of the same size (a possible duplicate) is hashed first, so that an unchanged
    re-delivery is skipped without loading it.
    """
    started = time.perf_counter()
    stat = path.stat()
    known = _known_unchanged(conn, contract, name, stat.st_size, stat.st_mtime_ns)
    if known:
        return LoadResult(contract.table, name, known, stat.st_size, "skipped")
    check_header(contract, path, read_header(path))
    size = stat.st_size
    # A file already loaded has a twin of the same size in the ledger: only then is it worth
    # reading the file once more to hash it first; otherwise COPY hashes what it streams.
    sha = file_sha256(path) if _size_loaded(conn, contract, size) else None
    file = (path, name, size, stat.st_mtime_ns)
    try:
        return _load(conn, contract, file, sha, started, run_id, careful=False)
    except (
        psycopg.errors.BadCopyFileFormat,
        psycopg.errors.CharacterNotInRepertoire,
        psycopg.errors.UntranslatableCharacter,
        psycopg.errors.CheckViolation,
    ) as error:
        log.warning("%s: the server cannot parse it (%s); loading it carefully", path, error)
        return _load(conn, contract, file, sha, started, run_id, careful=True)


def _load(
    conn: psycopg.Connection,
    contract: SourceContract,
    file: tuple[Path, str, int, int],
    sha: str | None,
    started: float,
    run_id: str | None,
    careful: bool,
) -> LoadResult:
    """One transaction under the source's lock. With no ``sha`` yet, the fast path hashes
    the file as it streams and a file found to be loaded already is rolled back: as if the
    COPY had never run. ``file`` is the path, its ledger name, and its size and modification
    time as seen before reading it."""
    path, name, size, mtime_ns = file
    duplicate = False
    with conn.transaction() as transaction:
        conn.execute(
            "select pg_advisory_xact_lock(hashtext(%s))", (f"olist.load.{contract.table}",)
        )
        if careful:
            sha = sha or file_sha256(path)
        if sha is not None and _already_loaded(conn, contract, sha):
            return LoadResult(contract.table, name, sha, size, "skipped")
        (batch_id,) = conn.execute(
            "select nextval(pg_get_serial_sequence('ops.loads', 'batch_id'))"
        ).fetchone()
        _create_partition(conn, contract, batch_id, enforce=not careful)
        if careful:
            rows_read, rejected = _copy_careful(conn, contract, path, batch_id, name)
            _add_batch_constants(conn, contract, batch_id, name)
            statements = quarantine_sql(contract, batch_id)
            if statements is not None:
                probe, move = statements
                if conn.execute(probe).fetchone()[0]:
                    rejected += conn.execute(move).rowcount
        else:
            (rows_read, streamed), rejected = _copy_file(conn, contract, path, batch_id), 0
            if streamed != sha:  # not hashed before, or changed since: what was loaded counts
                sha = streamed
                if _already_loaded(conn, contract, sha):
                    duplicate = True
                    raise psycopg.Rollback(transaction)
            _add_batch_constants(conn, contract, batch_id, name)
        if rejected:
            _fill_line_numbers(conn, contract, path, batch_id)
        # a changed re-delivery replaces its own batch, in this same transaction
        previous = [
            row[0]
            for row in conn.execute(
                "update ops.loads set status = 'replaced' where source_table = %s "
                "and source_file = %s and status = 'loaded' returning batch_id",
                (contract.table, name),
            )
        ]
        for old_batch in previous:
            conn.execute(
                sql.SQL("drop table if exists {}").format(batch_partition(contract, old_batch))
            )
        conn.execute(
            sql.SQL("delete from {} where _batch_id = any(%s)").format(
                _ident("raw", contract.rejected_table)
            ),
            (previous,),
        )
        _attach_partition(conn, contract, batch_id)
        duration = time.perf_counter() - started
        conn.execute(
            "insert into ops.loads (batch_id, source_table, source_file, file_sha256, "
            "file_bytes, status, run_id, file_mtime_ns, rows_read, rows_loaded, rows_rejected, "
            "finished_at, duration_seconds) "
            "values (%s, %s, %s, %s, %s, 'loaded', %s, %s, %s, %s, %s, now(), %s)",
            (
                batch_id,
                contract.table,
                name,
                sha,
                size,
                run_id,
                mtime_ns,
                rows_read,
                rows_read - rejected,
                rejected,
                round(duration, 3),
            ),
        )
    if duplicate:
        return LoadResult(contract.table, name, sha, size, "skipped")
    return LoadResult(
        contract.table,
        name,
        sha,
        size,
        "loaded",
        batch_id,
        rows_read,
        rows_read - rejected,
        rejected,
        duration,
    )


def _fill_line_numbers(
    conn: psycopg.Connection, contract: SourceContract, path: Path, batch_id: int
) -> None:
    """Bad files take this slower path: the file line of each rejected record."""
    rejected_table = _ident("raw", contract.rejected_table)
    wanted = {
        row[0]
        for row in conn.execute(
            sql.SQL(
                "select _row_number from {} where _batch_id = %s and _line_number is null"
            ).format(rejected_table),
            (batch_id,),
        )
    }
    if not wanted:
        return
    lines = [
        (record.line, batch_id, number)
        for number, record in enumerate(iter_records(path, contract.column_names), start=1)
        if number in wanted
    ]
    with conn.cursor() as cursor:
        cursor.executemany(
            sql.SQL(
                "update {} set _line_number = %s where _batch_id = %s and _row_number = %s"
            ).format(rejected_table),
            lines,
        )


def _record_failure(
    conn: psycopg.Connection,
    contract: SourceContract,
    path: Path,
    name: str,
    error: Exception,
    run_id: str | None,
) -> None:
    sha = file_sha256(path) if path.exists() else ""
    conn.execute(
        "insert into ops.loads (source_table, source_file, file_sha256, file_bytes, status, "
        "error, finished_at, run_id) values (%s, %s, %s, %s, 'failed', %s, now(), %s)",
        (
            contract.table,
            name,
            sha,
            path.stat().st_size if path.exists() else 0,
            str(error),
            run_id,
        ),
    )


def load_source(
    contract: SourceContract,
    settings: Settings,
    conninfo: str,
    files: list[Path] | None = None,
    progress: Callable[[LoadResult], None] | None = None,
    run_id: str | None = None,
) -> list[LoadResult]:
    """Load every not-yet-loaded file of one source; a bad file stops with a clear error."""
    files = source_files(contract, settings) if files is None else files
    results = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        ensure_tables(conn, contract)
        for path in files:
            name = source_name(path, settings)
            try:
                result = load_file(conn, contract, path, name, run_id)
            except (ContractError, psycopg.DataError) as error:
                _record_failure(conn, contract, path, name, error, run_id)
                if isinstance(error, ContractError):
                    raise
                raise ContractError(f"{path}: {error}".strip()) from error
            if result.status == "loaded":
                # statistics of the new batch only, from a small sample: cost follows the
                # file, not the history, and staging plans need no fine histograms
                with conn.transaction():
                    conn.execute("set local default_statistics_target = 10")
                    conn.execute(
                        sql.SQL("analyze {}").format(batch_partition(contract, result.batch_id))
                    )
            log.info(
                "%s: %s %s (%d read, %d loaded, %d rejected)",
                contract.table,
                result.status,
                name,
                result.rows_read,
                result.rows_loaded,
                result.rows_rejected,
            )
            if progress:
                progress(result)
            results.append(result)
    return results


__all__ = [
    "ContractError",
    "LoadResult",
    "check_header",
    "file_sha256",
    "load_file",
    "load_source",
    "read_header",
    "source_files",
]


def load_sources(
    contracts: list[SourceContract],
    settings: Settings,
    conninfo: str,
    workers: int = 2,
    run_id: str | None = None,
) -> tuple[dict[str, list[LoadResult]], dict[str, Exception]]:
    """Load several sources at once, each on its own connection, biggest first.

    One COPY keeps one server core busy; loading two sources side by side uses a two-core
    machine fully. A source that fails does not stop the others: its error is returned.
    """

    def size(contract: SourceContract) -> int:
        return sum(path.stat().st_size for path in source_files(contract, settings))

    results: dict[str, list[LoadResult]] = {}
    errors: dict[str, Exception] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {
            pool.submit(load_source, contract, settings, conninfo, None, None, run_id): contract
            for contract in sorted(contracts, key=size, reverse=True)
        }
        for future in as_completed(futures):
            contract = futures[future]
            try:
                results[contract.table] = future.result()
            except Exception as error:  # reported to the caller, per source
                errors[contract.table] = error
    return results, errors
