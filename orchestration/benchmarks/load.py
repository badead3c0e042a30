"""Benchmark: the loader against the server's own COPY, on the same files, in one run.

    python -m orchestration.benchmarks.load --orders 1000000

1. generates (once, cached under .local/bench/) the nine files for N orders;
2. the limit: PostgreSQL's own ``COPY table FROM 'file'`` of each file into a plain text table
   (server-side, embedded server; ``COPY FROM STDIN`` when the server is elsewhere);
3. the project's loader on the same files (header check, SHA-256, COPY, contract validation,
   ledger), in a child process so its peak memory is its own;
4. prints rows/s for both, the ratio, and the loader's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from psycopg import sql

from orchestration.contracts import CONTRACTS
from orchestration.database import connect, ensure_warehouse
from orchestration.settings import get_settings

PREFIX = "bench_"

CHILD = """
import dataclasses, json, resource, sys, time
from pathlib import Path
from orchestration.contracts import CONTRACTS
from orchestration.loader import load_sources
from orchestration.settings import get_settings
settings = get_settings()
folder, workers = Path(sys.argv[1]), int(sys.argv[2])
bench = dataclasses.replace(settings, landing_dir=folder, sample_dir=folder)
contracts = [dataclasses.replace(c, table="bench_" + c.table) for c in CONTRACTS]
started = time.perf_counter()
results, errors = load_sources(contracts, bench, settings.role_url("loader"), workers=workers)
wall = time.perf_counter() - started
assert not errors, errors
timings = {table[len("bench_"):]: [r[0].duration_seconds, r[0].rows_read, r[0].rows_rejected]
           for table, r in results.items()}
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"timings": timings, "wall": wall, "peak_mb": peak_kb / 1024}))
"""


def generate_files(orders: int, seed: int) -> Path:
    from orchestration.generator import generate

    folder = get_settings().local_dir / "bench" / f"orders-{orders}-seed-{seed}"
    if not (folder / "_complete").exists():
        print(f"generating {orders:,} orders into {folder} ...", flush=True)
        folder.mkdir(parents=True, exist_ok=True)
        generate(folder, orders, seed)
        (folder / "_complete").touch()
    # the embedded server runs as its own OS user and reads the files itself
    for path in [folder, *folder.parents]:
        if path == Path("/"):
            break
        path.chmod(path.stat().st_mode | 0o055)
    return folder


def drop_bench_tables(admin) -> None:
    tables = admin.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'raw' and table_name like 'bench\\_%'"
    ).fetchall()
    for (table,) in tables:
        # dropping a partitioned table drops its partitions: later names may be gone already
        admin.execute(
            sql.SQL("drop table if exists {} cascade").format(sql.Identifier("raw", table))
        )
    for (sequence,) in admin.execute(
        "select sequence_name from information_schema.sequences "
        "where sequence_schema = 'raw' and sequence_name like 'bench\\_%'"
    ).fetchall():
        admin.execute(sql.SQL("drop sequence {}").format(sql.Identifier("raw", sequence)))
    # the loader creates the ledger on its first run: a fresh warehouse has none yet
    if admin.execute("select to_regclass('ops.loads')").fetchone()[0]:
        admin.execute("delete from ops.loads where source_table like 'bench\\_%'")


def server_copy(admin, folder: Path, server_side: bool) -> dict[str, tuple[float, int]]:
    """The limit: the server's own COPY of each file into a plain text table."""
    timings = {}
    for contract in CONTRACTS:
        table = sql.Identifier("raw", f"{PREFIX}ref_{contract.table}")
        columns = sql.SQL(", ").join(
            sql.SQL("{} text").format(sql.Identifier(c)) for c in contract.column_names
        )
        admin.execute(sql.SQL("create table {} ({})").format(table, columns))
        path = folder / contract.file_name
        started = time.perf_counter()
        if server_side:
            cursor = admin.execute(
                sql.SQL("copy {} from {} with (format csv, header true)").format(
                    table, sql.Literal(str(path))
                )
            )
            rows = cursor.rowcount
        else:
            with admin.cursor() as cursor:
                statement = sql.SQL("copy {} from stdin with (format csv, header true)")
                with cursor.copy(statement.format(table)) as copy, path.open("rb") as handle:
                    while chunk := handle.read(1 << 20):
                        copy.write(chunk)
                rows = cursor.rowcount
        timings[contract.table] = (time.perf_counter() - started, rows)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.benchmarks.load",
        description="Loader throughput against the server's own COPY, on the same files.",
    )
    parser.add_argument("--orders", type=int, default=1_000_000, help="scale (default 1M)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--workers", type=int, default=2, help="sources loaded side by side (default 2)"
    )
    args = parser.parse_args(argv)

    settings = ensure_warehouse(get_settings())
    folder = generate_files(args.orders, args.seed)
    size = sum((folder / c.file_name).stat().st_size for c in CONTRACTS)
    with connect("admin", settings, autocommit=True) as admin:
        drop_bench_tables(admin)
        print("server COPY (the limit) ...", flush=True)
        reference = server_copy(admin, folder, server_side=settings.embedded)
    print("project loader ...", flush=True)
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder), str(args.workers)],
        capture_output=True,
        text=True,
        check=True,
    )
    loader = json.loads(child.stdout.strip().splitlines()[-1])
    with connect("admin", settings, autocommit=True) as admin:
        drop_bench_tables(admin)

    print(f"\n{args.orders:,} orders, {size / 1e6:,.0f} MB in 9 files ({folder})\n")
    print("per file: each file's own load time (files load side by side, so these overlap)")
    header = f"{'file':<36}{'rows':>12}{'COPY rows/s':>14}{'loader rows/s':>15}{'ratio':>8}"
    print(header)
    print("-" * len(header))
    total_copy = total_loader = total_rows = 0.0
    for contract in CONTRACTS:
        copy_s, rows = reference[contract.table]
        loader_s, loader_rows, rejected = loader["timings"][contract.table]
        assert loader_rows == rows and rejected == 0, (contract.table, loader_rows, rows)
        total_copy, total_loader, total_rows = (
            total_copy + copy_s,
            total_loader + loader_s,
            total_rows + rows,
        )
        print(
            f"{contract.file_name:<36}{rows:>12,}{rows / copy_s:>14,.0f}"
            f"{rows / loader_s:>15,.0f}{copy_s / loader_s:>8.2f}"
        )
    wall = loader["wall"]
    print("-" * len(header))
    print(
        f"{'all files, one at a time':<36}{total_rows:>12,.0f}{total_rows / total_copy:>14,.0f}"
        f"{total_rows / total_loader:>15,.0f}{total_copy / total_loader:>8.2f}"
    )
    print(
        f"{f'all files, {args.workers} side by side':<36}{total_rows:>12,.0f}"
        f"{total_rows / total_copy:>14,.0f}{total_rows / wall:>15,.0f}{total_copy / wall:>8.2f}"
    )
    print(
        f"\nserver COPY, one file at a time: {total_copy:.1f}s; loader: {wall:.1f}s wall "
        f"({total_loader:.1f}s of per-file work); throughput ratio {total_copy / wall:.2f} "
        f"(target >= 0.8); loader peak memory {loader['peak_mb']:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
