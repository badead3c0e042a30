"""Command line of the platform: ``python -m orchestration --help``.

The Makefile calls these commands; each is usable on its own too.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time

from orchestration.settings import Settings, get_settings

LAYERS = ("raw", "staging", "intermediate", "core", "marts")
DAGSTER_PORT = 3000
DASHBOARD_PORT = 2718


def _dagster_env(settings: Settings) -> None:
    """Point Dagster at the project's instance (``DAGSTER_HOME``) and write its dagster.yaml
    (the project owns that file): pipeline runs never overlap.

    Runs, events and schedules stay in SQLite files there; events go through
    ``orchestration.instance.LocalEventLogStorage``, which skips SQLite's flush to disk per
    event. Keeping them in the embedded PostgreSQL was measured (it saves the per-event
    connection SQLite opens) and given up: a restart of the warehouse server then fails the
    run that is logging to it, where the warehouse's own retries would have carried it
    through.
    """
    import yaml

    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    config = {
        "run_queue": {"max_concurrent_runs": 1},
        "telemetry": {"enabled": False},
        "event_log_storage": {
            "module": "orchestration.instance",
            "class": "LocalEventLogStorage",
            "config": {"base_dir": str(settings.dagster_home / "history" / "runs")},
        },
    }
    text = yaml.safe_dump(config, sort_keys=False)
    dagster_yaml = settings.dagster_home / "dagster.yaml"
    if not dagster_yaml.exists() or dagster_yaml.read_text() != text:
        dagster_yaml.write_text(text)
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)


def cmd_db(args: argparse.Namespace) -> int:
    from orchestration import database

    settings = get_settings()
    if args.action == "start":
        database.ensure_warehouse(settings)
        print(f"warehouse ready: {database._redact(settings.admin_url)}")
    elif args.action == "stop":
        if not settings.embedded:
            print("DATABASE_URL is set: the server is not ours to stop.")
        elif database.stop_embedded(settings):
            print("embedded PostgreSQL stopped")
        else:
            print("embedded PostgreSQL was not running")
    elif args.action == "status":
        if settings.embedded:
            running = database.embedded_is_running(settings)
            print(
                f"embedded PostgreSQL in {settings.pgdata_dir}: "
                f"{'running' if running else 'stopped'}"
            )
            return 0 if running else 3
        print(f"external server: {database._redact(settings.admin_url)}")
    elif args.action == "url":
        url = settings.admin_url if args.role == "admin" else settings.role_url(args.role)
        print(url)
    return 0


# Tables the run summary counts exactly; larger ones show the planner's estimate, which the
# project's post-hook (macros/olist.sql, analyze_built_table) keeps current, because counting
# every row of every layer grows with the history (about 50 s at ten million orders, 1.7 s of
# a nightly run at a million with a limit of a million rows, 0.4 s with this one).
EXACT_COUNT_LIMIT = 200_000


def layer_counts(settings: Settings) -> dict[str, list[tuple[str, int, bool]]]:
    """Rows of every table and view per layer, as the owner sees them: (name, rows, exact).
    Relations estimated at more than ``EXACT_COUNT_LIMIT`` rows are not counted; their
    estimate (a table's ``pg_class.reltuples``, from the last ANALYZE; a view's, the planner's
    for reading it) is returned with ``exact`` False."""
    from psycopg import sql

    from orchestration.database import connect

    counts: dict[str, list[tuple[str, int, bool]]] = {}
    with connect("admin", settings) as conn:
        relations = conn.execute(
            # a partitioned table (raw: a partition per batch) has no estimate of its own:
            # the sum of its partitions', when every one has been analyzed
            "select n.nspname, c.relname, c.relkind::text, case when c.relkind = 'p' then "
            "(select case when bool_and(part.reltuples >= 0) then sum(part.reltuples) end "
            "from pg_inherits i join pg_class part on part.oid = i.inhrelid "
            "where i.inhparent = c.oid) else c.reltuples end::bigint "
            "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm', 'f') "
            "and not c.relispartition order by 1, 2",
            (list(LAYERS),),
        ).fetchall()
        for schema, name, kind, estimate in relations:
            relation = sql.Identifier(schema, name)
            if kind == "v":
                # a view has no statistics of its own: the planner's estimate of reading it
                # (counting a view of a million people took 0.4 s of a nightly run)
                (plan,) = conn.execute(
                    sql.SQL("explain (format json) select * from {}").format(relation)
                ).fetchone()
                estimate = int(plan[0]["Plan"]["Plan Rows"])
            if (estimate or 0) > EXACT_COUNT_LIMIT:
                counts.setdefault(schema, []).append((name, estimate, False))
                continue
            (rows,) = conn.execute(sql.SQL("select count(*) from {}").format(relation)).fetchone()
            counts.setdefault(schema, []).append((name, rows, True))
    return counts


def cmd_run(args: argparse.Namespace) -> int:
    """Set up the warehouse, load the data, build every asset and run every check."""
    settings = get_settings()
    started = time.perf_counter()
    from orchestration.checks import gx_process

    # Great Expectations imports in a worker process on the other core while this one starts
    # the warehouse and Dagster (orchestration/checks/gx_process.py)
    gx_process.start()
    from orchestration.database import ensure_warehouse

    def done(since: float) -> float:
        now = time.perf_counter()
        print(f"  ({now - since:.1f}s)", flush=True)
        return now

    phase = time.perf_counter()
    print("• preparing the warehouse", flush=True)
    ensure_warehouse(settings)
    _dagster_env(settings)
    phase = done(phase)
    print("• parsing the dbt project (skipped when no project file changed)", flush=True)
    import dagster as dg

    import orchestration.project  # noqa: F401  (importing it prepares the manifest)

    # a server forked from this process imports the rest of dbt while the run starts and
    # loads the files, and forks a child per dbt invocation (warm_dbt.py); forked after
    # dagster-dbt's import, which brought in a part of dbt already
    from orchestration import warm_dbt

    warm_dbt.start(settings.dbt_project_dir)
    from orchestration.definitions import defs

    phase = done(phase)

    print("• materializing every asset (loading, dbt build, checks)", flush=True)
    from orchestration.schedules import FULL_REFRESH_CONFIG

    job = defs.resolve_job_def("build_everything")
    run_config = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    if args.full_refresh:
        run_config.update(FULL_REFRESH_CONFIG)
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config=run_config,
        )
        from orchestration.checks.history import latest, record_run

        record_run(instance, result.run_id, settings)
    gx_process.stop()
    warm_dbt.stop()
    done(phase)
    checks = latest(result.get_asset_check_evaluations())
    failed = [c for c in checks if not c.passed]
    print()
    print(
        f"run {result.run_id}: {'succeeded' if result.success else 'FAILED'} "
        f"in {time.perf_counter() - started:.1f}s"
    )
    counts = layer_counts(settings)
    for layer in LAYERS:
        print(f"\n{layer}")
        relations = counts.get(layer, [])
        for name, rows, exact in relations:
            print(f"  {name:<48} {'' if exact else '~'}{rows:>10,}")
    if any(not exact for relations in counts.values() for _, _, exact in relations):
        print(f"\n~ estimated from the last ANALYZE (tables over {EXACT_COUNT_LIMIT:,} rows)")
    errors = [c for c in failed if c.severity.value == "ERROR"]
    print(
        f"\nchecks: {len(checks) - len(failed)} passed, {len(failed)} failed "
        f"({len(errors)} error, {len(failed) - len(errors)} warn)"
    )
    for check in failed:
        print(
            f"  FAILED [{check.severity.value}] {check.asset_key.to_user_string()} :: "
            f"{check.check_name}"
        )
    from orchestration.database import connect

    with connect("admin", settings) as conn:
        score = conn.execute(
            "select quality_score, error_checks_passed, error_checks, warnings "
            "from ops.quality_scores where run_id = %s",
            (result.run_id,),
        ).fetchone()
    if score:
        print(
            f"quality score {score[0]:.2%} ({score[1]} of {score[2]} error-level checks "
            f"passed; {score[3]} warnings) - history in ops.quality_scores"
        )
    print(
        "\nwhere to look:\n"
        f"  Dagster UI   make dev          -> http://127.0.0.1:{DAGSTER_PORT}\n"
        f"  dashboards   make dashboards   -> http://127.0.0.1:{DASHBOARD_PORT}\n"
        f"  warehouse    {settings.admin_url}"
    )
    # warnings annotate (the real Olist files have a few timestamp anomalies); errors fail
    return 0 if result.success and not errors else 1


def cmd_dev(args: argparse.Namespace) -> int:
    settings = get_settings()
    from orchestration.database import ensure_warehouse

    ensure_warehouse(settings)
    _dagster_env(settings)
    command = [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-m",
        "orchestration.definitions",
        "-h",
        args.host,
        "-p",
        str(args.port),
    ]
    print(f"Dagster UI on http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
    return subprocess.call(command)


def cmd_dashboards(args: argparse.Namespace) -> int:
    """Serve every marimo app of dashboards/ on one port, with a landing page at /.

    `marimo run <folder>` would show marimo's own gallery; the platform wants its landing page
    (dashboards/index.py: what each dashboard is for, which are still to come), so the apps are
    mounted with marimo's ASGI API instead: index.py at /, every other app at /<file name>/.
    """
    settings = get_settings()
    if not settings.reporter_database_url_override:
        # Locally the dashboards need the (embedded) warehouse running; with
        # REPORTER_DATABASE_URL the warehouse is someone else's server and is left alone.
        from orchestration.database import ensure_warehouse

        ensure_warehouse(settings)
    import marimo
    import uvicorn

    from orchestration.apps import DASHBOARDS_DIR as folder
    from orchestration.apps import dashboard_apps

    apps = dashboard_apps(folder)
    builder = marimo.create_asgi_app(quiet=True)
    for path in apps:
        builder = builder.with_app(path=f"/{path.stem}", root=str(path))
    builder = builder.with_app(path="", root=str(folder / "index.py"))
    base = f"http://{args.host}:{args.port}"
    print(f"dashboards on {base}/ (Ctrl-C stops them)", flush=True)
    for path in apps:
        print(f"  {base}/{path.stem}/", flush=True)
    uvicorn.run(builder.build(), host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_dbt(args: argparse.Namespace) -> int:
    """dbt with the platform's connection (as the transformer role)."""
    settings = get_settings()
    from orchestration.database import ensure_warehouse

    ensure_warehouse(settings)
    dbt = os.path.join(os.path.dirname(sys.executable), "dbt")
    project = str(settings.dbt_project_dir)
    env = {**os.environ, **settings.dbt_env()}
    return subprocess.call(
        [dbt, *args.rest, "--project-dir", project, "--profiles-dir", project], env=env
    )


def cmd_backup(args: argparse.Namespace) -> int:
    """Dump the warehouse (every layer schema, as the owner) to a custom-format file."""
    from datetime import UTC, datetime
    from pathlib import Path

    from orchestration.backup import backup
    from orchestration.database import ensure_warehouse

    settings = get_settings()
    ensure_warehouse(settings)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out) if args.out else settings.local_dir / "backups" / f"olist-{stamp}.dump"
    path = backup(settings, out)
    size = path.stat().st_size
    shown = f"{size / 1_048_576:,.1f} MiB" if size >= 1_048_576 else f"{size / 1024:,.1f} KiB"
    print(f"backup written: {path} ({shown}, {size:,} bytes)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup into an empty database on the warehouse's server."""
    from pathlib import Path

    from orchestration.backup import restore
    from orchestration.database import ensure_warehouse

    settings = get_settings()
    ensure_warehouse(settings)
    restore(settings, Path(args.file), args.database)
    print(f"restored {args.file} into database {args.database}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from orchestration import generate

    return generate.main(args.rest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration",
        description="Marketplace analytics platform: warehouse, pipeline, UI and dashboards.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output")
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="manage the warehouse (embedded PostgreSQL by default)")
    db.add_argument("action", choices=["start", "stop", "status", "url"])
    db.add_argument(
        "--role",
        default="admin",
        choices=["admin", "loader", "transformer", "reporter"],
        help="whose connection string `url` prints (default: admin)",
    )
    db.set_defaults(func=cmd_db)

    run = commands.add_parser(
        "run", help="load new extracts, build every asset, run every check, print a summary"
    )
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental facts from scratch (dbt build --full-refresh)",
    )
    run.set_defaults(func=cmd_run)

    dev = commands.add_parser("dev", help="serve the Dagster UI (webserver and daemon)")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=DAGSTER_PORT)
    dev.set_defaults(func=cmd_dev)

    dash = commands.add_parser("dashboards", help="serve the marimo dashboards")
    dash.add_argument("--host", default="127.0.0.1")
    dash.add_argument("--port", type=int, default=DASHBOARD_PORT)
    dash.set_defaults(func=cmd_dashboards)

    dbt = commands.add_parser("dbt", help="run dbt with the platform's connection", add_help=False)
    dbt.add_argument("rest", nargs=argparse.REMAINDER)
    dbt.set_defaults(func=cmd_dbt)

    bak = commands.add_parser("backup", help="dump the warehouse with pg_dump (custom format)")
    bak.add_argument(
        "--out", help="file to write (default: .local/backups/olist-<UTC timestamp>.dump)"
    )
    bak.set_defaults(func=cmd_backup)

    res = commands.add_parser(
        "restore", help="restore a backup into an empty database on the same server"
    )
    res.add_argument("file", help="a file written by `backup`")
    res.add_argument(
        "--database", required=True, help="target database (created when missing; must be empty)"
    )
    res.set_defaults(func=cmd_restore)

    gen = commands.add_parser(
        "generate",
        help="write synthetic Olist files (see `generate -- --help`)",
        add_help=False,
    )
    gen.add_argument("rest", nargs=argparse.REMAINDER)
    gen.set_defaults(func=cmd_generate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from orchestration.database import DatabaseError
    from orchestration.loader import ContractError

    try:
        return args.func(args)
    except (DatabaseError, ContractError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
