"""Benchmark: the whole platform against the practical limit of this machine, in one run.

    python -m orchestration.benchmarks.pipeline                  # 100k and 1M orders
    python -m orchestration.benchmarks.pipeline --orders 100000  # one scale
    python -m orchestration.benchmarks.pipeline --ten-million    # adds 10M orders

For each scale (generated files cached under ``.local/bench/``):

1. **reference**: the server's own ``COPY ... FROM 'file'`` of every file into plain tables,
   then the SQL of every staging, intermediate, core and mart model executed directly, in
   dependency order, as ``CREATE VIEW`` / ``CREATE TABLE ... AS`` plus the marts' indexes, in
   one session: no dbt, no Dagster, no tests, no checks. The SQL is the models' own compiled
   SQL (``dbt compile``, not timed) rather than a second hand-written copy, because
   BUSINESS_RULES.md wants each rule defined once; what the reference leaves out is exactly
   the platform's overhead (orchestration, validation, quarantine, tests, checks);
2. **full pipeline**: ``python -m orchestration run`` in a fresh database, as a user runs it
   (Dagster job: loading, dbt build with every test, Great Expectations and SQL checks),
   after an untimed ``dbt parse`` for that database (a deployment parses once per change of
   the project; dbt re-parses in full whenever its connection changes);
3. **nightly**: ``--nights`` successive nights (3 by default), each a day's delta of 1 % new
   orders (plus the day's status changes and reviews) dropped into the landing folder, then
   ``python -m orchestration run`` again (incremental), on the database as that night finds
   it: the server's autovacuum processes a run's writes within minutes, so the benchmark runs
   that ``VACUUM`` (untimed) before each night rather than time the nightly beside it (at
   100k orders it ran through the nightly's first 13 s), and a ``CHECKPOINT``: the server
   writes a run's changed pages to disk within checkpoint_timeout (15 min), and the full run
   leaves gigabytes of them at a million orders. The report gives every night and takes the
   median night for the ratio: on this machine the same nightly took 18.6 to 22.7 s from one
   run to the next, and successive nights also show whether the cost grows with the history;
4. **dashboards**: every dashboard query, p50 and p95 over repeated runs of the apps;
5. **memory**: peak RSS of the largest Python process of each stage (the command and every
   process it starts, dbt included).

Prints one table and writes it, with the machine it ran on, to ``docs/benchmarks.md``. The
pipeline's database for each scale is kept (``bench_o<orders>``) for the dashboard benchmark;
the reference database is dropped. Runs on the embedded server.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

from orchestration.contracts import CONTRACTS
from orchestration.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCALES = (100_000, 1_000_000)
DELTA_SHARE = 0.01

# Runs a command and reports its wall time and the peak RSS of the largest process of its tree
# (RUSAGE_CHILDREN covers every descendant that was waited for, dbt's process included).
MEASURE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "seconds": time.perf_counter() - started,
               "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}, out)
"""


@dataclasses.dataclass
class Measured:
    """One command's wall time, peak memory and outcome, and the Dagster run it made."""

    seconds: float
    peak_mb: float
    ok: bool
    output: str = ""
    run_id: str | None = None
    run_seconds: float = 0.0  # the Dagster run's start to end, without start-up and report


@dataclasses.dataclass
class ScaleResult:
    orders: int
    rows: int
    megabytes: float
    copy_seconds: float = 0.0
    reference_sql_seconds: float = 0.0
    full: Measured | None = None
    loader_seconds: float = 0.0
    nights: list[Measured] = dataclasses.field(default_factory=list)
    delta_orders: list[int] = dataclasses.field(default_factory=list)  # order rows a night
    dashboard_p50_ms: float = 0.0
    dashboard_p95_ms: float = 0.0
    dashboard_table: str = ""
    slowest_models: list[tuple[str, float]] = dataclasses.field(default_factory=list)
    reference_run: bool = True
    nightly_nodes: list[tuple[str, float]] = dataclasses.field(default_factory=list)

    @property
    def reference_seconds(self) -> float:
        return self.copy_seconds + self.reference_sql_seconds

    @property
    def median_night(self) -> int | None:
        """The index of the median night by wall time (the lower one of an even count)."""
        if not self.nights:
            return None
        ranked = sorted(range(len(self.nights)), key=lambda i: self.nights[i].seconds)
        return ranked[(len(ranked) - 1) // 2]

    @property
    def nightly(self) -> Measured | None:
        """The median night: the nightly figure of the report and of its ratio."""
        index = self.median_night
        return None if index is None else self.nights[index]


def _say(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def database_settings(name: str) -> Settings:
    settings = get_settings()
    if not settings.embedded:
        raise SystemExit(
            "the benchmarks run on the embedded server (they create and drop databases): "
            "unset DATABASE_URL"
        )
    return settings.for_database(name)


def drop_database(name: str) -> None:
    """Drop a benchmark database."""
    from orchestration import database

    database.drop_database(get_settings(), name)


def _environment(database: str, sample_dir: Path, landing: Path, home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "OLIST_DATABASE": database,
        "SAMPLE_DIR": str(sample_dir),
        "LANDING_DIR": str(landing),
        "DAGSTER_HOME": str(home),
    }
    env.pop("DATABASE_URL", None)
    return env


def last_run(dagster_home: Path) -> tuple[str | None, float]:
    """The newest Dagster run of the instance: its id and its start to end in seconds (the
    pipeline without the command's own start-up and report)."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            return None, 0.0
        stats = instance.get_run_stats(runs[0].run_id)
        return runs[0].run_id, (stats.end_time or 0) - (stats.start_time or 0)


def slowest_dbt_nodes(
    run_id: str, target: Path = ROOT / "dbt_project" / "target", count: int = 8
) -> list[tuple[str, float]]:
    """The slowest dbt nodes (models, snapshots, tests) of a Dagster run, from the
    run_results.json of its dbt build: dagster-dbt names the build's target folder
    ``<assets name>-<first 7 characters of the run id>-<digest>``."""
    found = sorted(
        target.glob(f"*-{run_id[:7]}-*/run_results.json"), key=lambda p: p.stat().st_mtime
    )
    if not found:
        return []
    results = json.loads(found[-1].read_text())["results"]
    # unique ids: <resource type>.<project>.<name>[.<digest> for tests]
    nodes = [(r["unique_id"].split(".")[2], float(r["execution_time"])) for r in results]
    return sorted(nodes, key=lambda node: -node[1])[:count]


def measure(command: list[str], env: dict[str, str], log: Path) -> Measured:
    """Run ``command`` with its output in ``log``; wall time and peak RSS of its process tree."""
    with tempfile.NamedTemporaryFile(suffix=".json") as report, log.open("w") as out:
        subprocess.run(
            [sys.executable, "-c", MEASURE, report.name, *command],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            cwd=ROOT,
        )
        figures = json.loads(Path(report.name).read_text())
    return Measured(
        figures["seconds"], figures["peak_mb"], figures["code"] == 0, log.read_text()[-3000:]
    )


# -- 1. the reference ---------------------------------------------------------------------


def reference_copy(conn: psycopg.Connection, folder: Path) -> tuple[float, int]:
    """The server's own COPY of every file into plain tables shaped like the raw tables."""
    conn.execute("create schema if not exists raw")
    total_rows, started = 0, time.perf_counter()
    for contract in CONTRACTS:
        table = sql.Identifier("raw", contract.table)
        columns = sql.SQL(", ").join(
            sql.SQL("{} text").format(sql.Identifier(c)) for c in contract.column_names
        )
        conn.execute(
            sql.SQL(
                "create table {} ({}, _batch_id bigint not null default 1, "
                "_source_file text not null default {}, "
                "_row_number bigint generated by default as identity, "
                "_loaded_at timestamp with time zone not null default now())"
            ).format(table, columns, sql.Literal(contract.file_name))
        )
        copied = conn.execute(
            sql.SQL("copy {} ({}) from {} with (format csv, header true)").format(
                table,
                sql.SQL(", ").join(sql.Identifier(c) for c in contract.column_names),
                sql.Literal(str(folder / contract.file_name)),
            )
        )
        total_rows += copied.rowcount
    return time.perf_counter() - started, total_rows


def compiled_models(database: str, work: Path) -> list[dict]:
    """Every model's compiled SQL, in dependency order (``dbt compile`` against ``database``)."""
    target = work / "dbt-target"
    env = {**os.environ, "OLIST_DATABASE": database, "DBT_TARGET_PATH": str(target)}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestration",
            "dbt",
            "compile",
            "--select",
            "resource_type:model",
        ],
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    models = {key: node for key, node in nodes.items() if node["resource_type"] == "model"}
    ordered: list[dict] = []
    seen: set[str] = set()

    def visit(key: str) -> None:
        if key in seen or key not in models:
            return
        seen.add(key)
        for parent in models[key]["depends_on"]["nodes"]:
            visit(parent)
        ordered.append(models[key])

    for key in sorted(models):
        visit(key)
    return ordered


def reference_sql(conn: psycopg.Connection, models: list[dict]) -> tuple[float, dict[str, float]]:
    """Build every model from its compiled SQL, with the marts' indexes; seconds taken, in all
    and per model."""
    per_model: dict[str, float] = {}
    started = time.perf_counter()
    for schema in sorted({model["schema"] for model in models}):
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
    for model in models:
        materialized = model["config"]["materialized"]
        if materialized == "ephemeral":
            continue
        kind = "view" if materialized == "view" else "table"
        relation = sql.SQL(model["relation_name"])
        model_started = time.perf_counter()
        conn.execute(
            sql.SQL("create {} {} as {}").format(
                sql.SQL(kind), relation, sql.SQL(model["compiled_code"])
            )
        )
        for index in model["config"].get("indexes") or []:
            conn.execute(
                sql.SQL("create {}index on {} using {} ({})").format(
                    sql.SQL("unique " if index.get("unique") else ""),
                    relation,
                    sql.SQL(index.get("type") or "btree"),
                    # as dbt does: index columns are SQL (they may say "desc nulls last")
                    sql.SQL(", ").join(sql.SQL(c) for c in index["columns"]),
                )
            )
        per_model[model["name"]] = time.perf_counter() - model_started
    return time.perf_counter() - started, per_model


def run_reference(
    orders: int, folder: Path, work: Path
) -> tuple[float, float, int, dict[str, float]]:
    from orchestration.database import connect, ensure_warehouse

    name = f"bench_ref_o{orders}"
    drop_database(name)
    settings = ensure_warehouse(database_settings(name))
    try:
        models = compiled_models(name, work)
        with connect("admin", settings, autocommit=True) as conn:
            copy_seconds, rows = reference_copy(conn, folder)
            sql_seconds, per_model = reference_sql(conn, models)
    finally:
        drop_database(name)
    return copy_seconds, sql_seconds, rows, per_model


# -- 2. and 3. the pipeline, full and nightly --------------------------------------------------


def pipeline_database(orders: int) -> str:
    return f"bench_o{orders}"


def run_full(orders: int, folder: Path, work: Path) -> tuple[Measured, float]:
    """``python -m orchestration run`` on the files in a fresh database; and its loading span."""
    from orchestration.database import connect

    name = pipeline_database(orders)
    drop_database(name)
    landing, home = work / "landing", work / "dagster"
    shutil.rmtree(landing, ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)
    landing.mkdir(parents=True)
    env = _environment(name, folder, landing, home)
    # Not timed: parsing the dbt project for this database. dbt re-parses in full whenever
    # its connection changes (every benchmark database is new); a deployment parses once per
    # change of the project, not per run, so the timed runs start from a current manifest.
    subprocess.run(
        [sys.executable, "-c", "import orchestration.project"],
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    result = measure([sys.executable, "-m", "orchestration", "run"], env, work / "full.log")
    loader_seconds = 0.0
    if result.ok:
        with connect("admin", database_settings(name)) as conn:
            (span,) = conn.execute(
                "select extract(epoch from max(finished_at) - min(started_at)) from ops.loads"
            ).fetchone()
            loader_seconds = float(span or 0)
    return result, loader_seconds


def delta_days(orders: int, seed: int, nights: int, work: Path) -> tuple[list[Path], list[int]]:
    """The nights' daily extracts (one folder a day, written once under ``work/deltas``) and
    each day's order rows (its new orders and the orders whose status changed)."""
    from orchestration.generator import generate_deltas

    deltas = work / "deltas"
    shutil.rmtree(deltas, ignore_errors=True)
    days = generate_deltas(deltas, orders, days=nights, seed=seed, new_orders_share=DELTA_SHARE)
    rows = []
    for day in days:
        with (day / "olist_orders_dataset.csv").open(encoding="utf-8-sig") as handle:
            rows.append(sum(1 for _ in handle) - 1)
    return days, rows


def run_nightly(orders: int, day: Path, folder: Path, work: Path) -> Measured:
    """One night: the day's extracts arrive in the landing folder, then the command runs."""
    from orchestration.database import connect

    landing, home = work / "landing", work / "dagster"
    shutil.copytree(day, landing / day.name)
    name = pipeline_database(orders)
    # the next night's database: autovacuum has processed the last run's writes, and the
    # server has written its changed pages to disk
    with connect("admin", database_settings(name), autocommit=True) as conn:
        conn.execute("vacuum")
        conn.execute("checkpoint")
    env = _environment(name, folder, landing, home)
    return measure(
        [sys.executable, "-m", "orchestration", "run"], env, work / f"nightly-{day.name}.log"
    )


def built_warehouse(orders: int, seed: int = 42) -> Settings:
    """The pipeline benchmark's warehouse at this scale, built first when it is missing."""
    from orchestration.benchmarks.load import generate_files
    from orchestration.database import connect, ensure_warehouse

    name = pipeline_database(orders)
    settings = ensure_warehouse(database_settings(name))
    with connect("admin", settings) as conn:
        (built,) = conn.execute(
            "select to_regclass('marts.mart_executive_dashboard') is not null"
        ).fetchone()
    if not built:
        _say(f"building the warehouse for {orders:,} orders (python -m orchestration run) ...")
        folder = generate_files(orders, seed)
        work = settings.local_dir / "bench" / f"work-o{orders}"
        result, _ = run_full(orders, folder, work)
        if not result.ok:
            raise SystemExit(f"the pipeline run failed; see {work / 'full.log'}")
    return database_settings(name)


# -- the report --------------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as handle:
        memory_kb = int(handle.readline().split()[1])
    with psycopg.connect(get_settings().admin_url) as conn:
        (server,) = conn.execute("show server_version").fetchone()
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory_kb / 1024 / 1024:.0f} GiB; "
        f"PostgreSQL {server} (embedded); Python {platform.python_version()}; "
        f"{platform.system()} {platform.release()}"
    )


def render(results: list[ScaleResult], command: str) -> str:
    def ratio(value: float | None, target: str) -> str:
        # three decimals: at two, a ratio of 0.1525 read as meeting a target of 0.15
        return "-" if value is None else f"{value:.3f} ({target})"

    def seconds(r: ScaleResult, value: float) -> str:
        return f"{value:.1f} s" if r.reference_run else "not run"

    header = ["", *[f"{r.orders:,} orders" for r in results]]
    rows: list[list[str]] = [
        ["files", *[f"{r.rows:,} rows, {r.megabytes:,.0f} MB" for r in results]],
        ["reference: server COPY of every file", *[seconds(r, r.copy_seconds) for r in results]],
        [
            "reference: models' SQL, no dbt/tests/checks",
            *[seconds(r, r.reference_sql_seconds) for r in results],
        ],
        ["reference total", *[seconds(r, r.reference_seconds) for r in results]],
        [
            "full pipeline (`python -m orchestration run`)",
            *[f"{r.full.seconds:.1f} s" + ("" if r.full.ok else " FAILED") for r in results],
        ],
        [
            "  of which the Dagster run (start to end)",
            *[f"{r.full.run_seconds:.1f} s" if r.full else "-" for r in results],
        ],
        ["  of which loading (ops.loads span)", *[f"{r.loader_seconds:.1f} s" for r in results]],
        [
            "nightly run, delta of 1 % new orders (median night)",
            *[
                (f"{r.nightly.seconds:.1f} s" if r.nightly else "-")
                + ("" if all(night.ok for night in r.nights) else " FAILED")
                for r in results
            ],
        ],
        [
            "  every night, in order",
            *[
                " / ".join(f"{night.seconds:.1f}" for night in r.nights) + " s" if r.nights else "-"
                for r in results
            ],
        ],
        [
            "  order rows of each night's delta (new and changed orders)",
            *[" / ".join(f"{rows:,}" for rows in r.delta_orders) or "-" for r in results],
        ],
        [
            "  of which the Dagster run (start to end)",
            *[f"{r.nightly.run_seconds:.1f} s" if r.nightly else "-" for r in results],
        ],
        [
            "dashboard queries p50 / p95 (slowest query)",
            *[f"{r.dashboard_p50_ms:.0f} / {r.dashboard_p95_ms:.0f} ms" for r in results],
        ],
        [
            "peak RSS, largest Python process (full / nightly)",
            *[
                f"{r.full.peak_mb:,.0f} / {max((n.peak_mb for n in r.nights), default=0):,.0f} MB"
                for r in results
            ],
        ],
        [
            "loader rows/s vs server COPY rows/s",
            *[
                ratio(
                    (r.copy_seconds / r.loader_seconds)
                    if r.loader_seconds and r.reference_run
                    else None,
                    "target >= 0.8",
                )
                for r in results
            ],
        ],
        [
            "full pipeline / reference",
            *[
                ratio(
                    r.full.seconds / r.reference_seconds if r.reference_run else None,
                    "target <= 2.5 at 1M",
                )
                for r in results
            ],
        ],
        [
            "nightly (median night) / full run",
            *[
                ratio(r.nightly.seconds / r.full.seconds if r.nightly else 0, "target <= 0.15")
                for r in results
            ],
        ],
    ]
    lines = [
        "| " + " | ".join(header) + " |",
        "|---" + "|---:" * len(results) + "|",
        *["| " + " | ".join(row) + " |" for row in rows],
    ]
    parts = [
        "# Benchmarks",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        "",
        f"Command: `{command}` (see `orchestration/benchmarks/pipeline.py` for what each row "
        "measures).",
        "",
        *lines,
    ]
    for r in results:
        if r.slowest_models:
            parts += [
                "",
                f"## Slowest models in the reference at {r.orders:,} orders",
                "",
                "| model | seconds |",
                "|---|---:|",
                *[f"| {name} | {seconds:.2f} |" for name, seconds in r.slowest_models],
            ]
        if r.nightly_nodes:
            parts += [
                "",
                f"## Slowest dbt nodes of the median night at {r.orders:,} orders",
                "",
                "Seconds each model or test took inside `dbt build` (its threads run "
                "side by side, so these overlap).",
                "",
                "| node | seconds |",
                "|---|---:|",
                *[f"| {name} | {seconds:.2f} |" for name, seconds in r.nightly_nodes],
            ]
        if r.dashboard_table:
            parts += ["", f"## Dashboard queries at {r.orders:,} orders", "", r.dashboard_table]
    return "\n".join(parts) + "\n"


def ledger_rows(orders: int) -> int:
    """Rows read from the files by the pipeline's loader (its ledger, ``ops.loads``)."""
    from orchestration.database import connect

    with connect("admin", database_settings(pipeline_database(orders))) as conn:
        (rows,) = conn.execute(
            "select coalesce(sum(rows_read), 0) from ops.loads where status = 'loaded'"
        ).fetchone()
    return int(rows)


def bench_scale(
    orders: int, seed: int, repeats: int, reference: bool = True, nights: int = 3
) -> ScaleResult:
    from orchestration.benchmarks.dashboards import time_queries
    from orchestration.benchmarks.load import generate_files

    folder = generate_files(orders, seed)
    work = get_settings().local_dir / "bench" / f"work-o{orders}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    size = sum((folder / c.file_name).stat().st_size for c in CONTRACTS)
    result = ScaleResult(orders=orders, rows=0, megabytes=size / 1e6, reference_run=reference)

    if reference:
        _say(f"{orders:,} orders: reference (server COPY + the models' SQL) ...")
        result.copy_seconds, result.reference_sql_seconds, result.rows, per_model = run_reference(
            orders, folder, work
        )
        _say(f"  COPY {result.copy_seconds:.1f} s, SQL {result.reference_sql_seconds:.1f} s")
        result.slowest_models = sorted(per_model.items(), key=lambda item: -item[1])[:8]

    _say(f"{orders:,} orders: full pipeline (python -m orchestration run) ...")
    result.full, result.loader_seconds = run_full(orders, folder, work)
    result.full.run_id, result.full.run_seconds = last_run(work / "dagster")
    if not reference and result.full.ok:
        result.rows = ledger_rows(orders)
    _say(f"  {result.full.seconds:.1f} s, peak {result.full.peak_mb:.0f} MB")
    if not result.full.ok:
        print(result.full.output)
        return result

    days, result.delta_orders = delta_days(orders, seed, nights, work)
    for number, day in enumerate(days, start=1):
        _say(f"{orders:,} orders: night {number} of {len(days)}, the delta of {day.name} ...")
        night = run_nightly(orders, day, folder, work)
        result.nights.append(night)
        night.run_id, night.run_seconds = last_run(work / "dagster")
        _say(f"  {night.seconds:.1f} s, peak {night.peak_mb:.0f} MB")
        if not night.ok:
            print(night.output)
            break
    run_id = result.nightly.run_id if result.nightly else None
    result.nightly_nodes = slowest_dbt_nodes(run_id) if run_id else []

    _say(f"{orders:,} orders: dashboard queries ({repeats} runs of every app) ...")
    from orchestration.benchmarks.dashboards import render as render_queries

    timings = time_queries(
        database_settings(pipeline_database(orders)).reporter_database_url, repeats
    )
    if timings:
        result.dashboard_p50_ms = max(t.p50_ms for t in timings)
        result.dashboard_p95_ms = max(t.p95_ms for t in timings)
        result.dashboard_table = render_queries(timings)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.benchmarks.pipeline",
        description=(
            "The whole platform against the practical limit (server COPY + the models' SQL), "
            "at several scales in one run; writes docs/benchmarks.md."
        ),
    )
    parser.add_argument(
        "--orders",
        type=int,
        action="append",
        help="a scale to run (repeatable; default 100000 and 1000000)",
    )
    parser.add_argument("--ten-million", action="store_true", help="add 10,000,000 orders")
    parser.add_argument(
        "--no-reference",
        action="store_true",
        help=(
            "skip the reference (its rows say 'not run', its ratios '-'): for a disk that "
            "cannot hold its database, about as large as the pipeline's (65 GB at 10M orders)"
        ),
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats", type=int, default=20, help="runs of each dashboard app")
    parser.add_argument(
        "--nights",
        type=int,
        default=3,
        help="successive nightly runs after the full run, each on its day's 1 %% delta "
        "(the report's nightly figure is the median night; default 3)",
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "benchmarks.md", help="report file"
    )
    args = parser.parse_args(argv)
    if args.nights < 1:
        parser.error("--nights must be at least 1")
    scales = list(args.orders or DEFAULT_SCALES)
    if args.ten_million:
        scales.append(10_000_000)

    from orchestration.database import ensure_warehouse

    ensure_warehouse(get_settings())
    results = [
        bench_scale(
            orders, args.seed, args.repeats, reference=not args.no_reference, nights=args.nights
        )
        for orders in scales
    ]
    command = "python -m orchestration.benchmarks.pipeline " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    report = render(results, command.strip())
    print()
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    print(f"written to {args.out}")
    succeeded = all(
        r.full and r.full.ok and r.nights and all(night.ok for night in r.nights) for r in results
    )
    return 0 if succeeded else 1


if __name__ == "__main__":
    raise SystemExit(main())
