"""The local Dagster instance's event log: SQLite files, without a disk flush or a new
connection per event.

Dagster's SQLite event log opens a connection for every event it stores, commits it with a
flush to disk and closes it (which checkpoints the write-ahead log, another flush); and it asks
whether a table exists with a new engine and connection for every asset check event. A run of
this platform stores about a thousand events (every dbt model and test, every check), and
py-spy put those flushes and connections at half of a nightly run's time on this machine.

This storage is Dagster's own, with three changes for the local instance (``make run``,
``make dev``): each database file keeps one engine whose connection stays open, its connections
run with ``synchronous=OFF``, so SQLite hands writes to the operating system without waiting
for the disk, and a table once found is remembered. A crash of any process loses nothing; a
power cut or an operating-system crash can lose or damage the run history of the last moments
(never the warehouse). A write to a run's database ends with a checkpoint of its write-ahead
log (what closing the connection did), so the run's database file changes as events arrive
and the Dagster UI, which watches that file, streams a live run as before. A team deployment
keeps its instance in PostgreSQL (docker-compose.yml) and does not use this class.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as db
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

# engines kept per process: the index database and the runs in flight
ENGINES_KEPT = 16


def _no_flush(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("pragma synchronous = off")


class LocalEventLogStorage(SqliteEventLogStorage):
    """SQLite event log (one database per run, as Dagster's) without a flush per event.

    Configured in the local instance's dagster.yaml (``orchestration.cli._dagster_env``)::

        event_log_storage:
          module: orchestration.instance
          class: LocalEventLogStorage
          config: {base_dir: <DAGSTER_HOME>/history/runs}
    """

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: dict[str, Any]
    ) -> LocalEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            # one connection kept open (every use holds the storage's lock); a nested use of
            # the same file opens another for its duration
            engine = db.create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                pool_size=1,
                max_overflow=-1,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            db.event.listen(engine, "connect", _no_flush)
        self._engines[shard] = engine  # most recently used last
        while len(self._engines) > ENGINES_KEPT:
            _, oldest = self._engines.popitem(last=False)
            oldest.dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:  # type: ignore[override]
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn
                if shard != INDEX_SHARD_NAME:
                    # the run's file changes now, as when Dagster closed the connection: the
                    # UI's watcher of that file sees the new events
                    conn.exec_driver_sql("pragma wal_checkpoint(passive)")

    def has_table(self, table_name: str) -> bool:
        # Dagster asks on every asset check event, with a new engine each time; a table of the
        # event log is never dropped, so an answer of yes is kept
        if table_name not in self._tables and super().has_table(table_name):
            self._tables.add(table_name)
        return table_name in self._tables

    def _close_engines(self) -> None:
        while self._engines:
            self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._close_engines()  # before Dagster deletes the runs' files
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        self._close_engines()
