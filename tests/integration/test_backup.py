"""Backup and restore: a dump of the warehouse restores into an empty database, identical.

The source is the test warehouse after the whole pipeline ran on the sample; the target is a
fresh database on the same server. Every relation of ``core`` and ``marts`` is compared by row
count and by a checksum of its content, so a restore that lost rows or changed values fails.
"""

from __future__ import annotations

import pytest
from psycopg import sql

from orchestration.database import drop_database

pytestmark = pytest.mark.integration

RESTORED = "olist_test_restore"
CHECKED_SCHEMAS = ("core", "marts")


def _fingerprints(url: str) -> dict[str, tuple[int, str | None]]:
    """Row count and content checksum of every table and view in core and marts."""
    import psycopg

    fingerprints = {}
    with psycopg.connect(url, autocommit=True) as conn:
        relations = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema = any(%s) order by 1, 2",
            (list(CHECKED_SCHEMAS),),
        ).fetchall()
        for schema, name in relations:
            query = sql.SQL(
                "select count(*), md5(string_agg(t::text, '|' order by t::text)) from {} as t"
            ).format(sql.Identifier(schema, name))
            fingerprints[f"{schema}.{name}"] = conn.execute(query).fetchone()
    return fingerprints


@pytest.fixture(scope="module")
def restored(warehouse, tmp_path_factory):
    """A backup of the test warehouse restored into a fresh database; dropped afterwards."""
    import time

    from orchestration.backup import backup, restore, settings_for_database

    drop_database(warehouse, RESTORED)
    started = time.perf_counter()
    path = backup(warehouse, tmp_path_factory.mktemp("backup") / "olist.dump")
    backed_up = time.perf_counter()
    restore(warehouse, path, RESTORED)
    print(
        f"backup {path.stat().st_size:,} bytes in {backed_up - started:.1f}s, "
        f"restore in {time.perf_counter() - backed_up:.1f}s"
    )
    yield path, settings_for_database(warehouse, RESTORED)
    drop_database(warehouse, RESTORED)


def test_restore_reproduces_every_core_and_mart_relation(warehouse, restored):
    _, target = restored
    source = _fingerprints(warehouse.admin_url)
    copy = _fingerprints(target.admin_url)

    assert any(name.startswith("core.fact_") for name in source)
    assert any(name.startswith("marts.mart_") for name in source)
    assert sorted(copy) == sorted(source)
    for name, (rows, checksum) in source.items():
        assert copy[name] == (rows, checksum), name
    assert sum(rows for rows, _ in source.values()) > 0


def test_restore_keeps_the_load_ledger_owners_and_grants(warehouse, restored):
    import psycopg

    _, target = restored
    with psycopg.connect(warehouse.admin_url) as source, psycopg.connect(target.admin_url) as copy:
        ledger = "select count(*), max(file_sha256) from ops.loads"
        assert copy.execute(ledger).fetchone() == source.execute(ledger).fetchone()
        owners = (
            "select nspname, pg_get_userbyid(nspowner) from pg_namespace "
            "where nspname = any(%s) order by 1"
        )
        layers = ["raw", "staging", "intermediate", "core", "marts", "ops"]
        assert (
            copy.execute(owners, (layers,)).fetchall()
            == source.execute(owners, (layers,)).fetchall()
        )
    # the dashboards' read-only role can read the restored marts, and nothing else
    with psycopg.connect(target.role_url("reporter")) as reporter:
        (rows,) = reporter.execute("select count(*) from marts.mart_executive_dashboard").fetchone()
        assert rows > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reporter.execute("select count(*) from core.fact_orders")


def test_restore_refuses_a_database_that_holds_a_warehouse(warehouse, restored):
    from orchestration.backup import BackupError, restore

    path, target = restored
    before = _fingerprints(target.admin_url)
    with pytest.raises(BackupError, match=r"already holds warehouse data in .*core \(\d+"):
        restore(warehouse, path, RESTORED)
    assert _fingerprints(target.admin_url) == before


def test_restore_of_a_missing_file_says_so(warehouse, tmp_path):
    from orchestration.backup import BackupError, restore

    with pytest.raises(BackupError, match="no backup file"):
        restore(warehouse, tmp_path / "nothing.dump", RESTORED)
