"""The local Dagster instance: its dagster.yaml and the event log that skips a flush per event."""

from __future__ import annotations

import dagster as dg
import yaml

from orchestration.cli import _dagster_env
from orchestration.instance import LocalEventLogStorage
from orchestration.settings import Settings


@dg.op
def say_hello(context) -> int:
    context.log.info("hello")
    return 1


@dg.job
def hello():
    say_hello()


def test_the_local_instance_stores_events_without_a_flush_each(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    settings = Settings.from_env()
    _dagster_env(settings)
    config = yaml.safe_load((tmp_path / "dagster" / "dagster.yaml").read_text())
    assert config["event_log_storage"]["class"] == "LocalEventLogStorage"

    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, LocalEventLogStorage)
        result = hello.execute_in_process(instance=instance)
        assert result.success
        logs = instance.all_logs(result.run_id)
        assert any(entry.user_message == "hello" for entry in logs)
        assert any(entry.dagster_event and entry.dagster_event.is_step_success for entry in logs)
        with storage.run_connection(result.run_id) as conn:
            (synchronous,) = conn.exec_driver_sql("pragma synchronous").fetchone()
        assert synchronous == 0  # off: SQLite does not wait for the disk

    # the file is the project's: a stale one is rewritten, an unchanged one left alone
    (tmp_path / "dagster" / "dagster.yaml").write_text("telemetry: {enabled: true}\n")
    _dagster_env(settings)
    assert "LocalEventLogStorage" in (tmp_path / "dagster" / "dagster.yaml").read_text()


def test_a_watcher_of_a_run_sees_each_event_as_it_is_stored(tmp_path):
    """The Dagster UI streams a live run by watching the run's database file: each stored event
    must change that file although the writer keeps its connection open."""
    import logging
    import queue
    import time

    from dagster._core.events.log import EventLogEntry
    from dagster._core.utils import make_new_run_id

    def entry(run_id: str, message: str) -> EventLogEntry:
        return EventLogEntry(None, logging.INFO, message, run_id, time.time())

    writer = LocalEventLogStorage(str(tmp_path))  # the run's process
    reader = LocalEventLogStorage(str(tmp_path))  # the UI's process has its own
    run_id = make_new_run_id()
    writer.store_event(entry(run_id, "first"))
    seen: queue.Queue[str] = queue.Queue()

    def on_event(event: EventLogEntry, _cursor: str) -> None:
        seen.put(event.user_message)

    reader.watch(run_id, None, on_event)
    try:
        for message in ("second", "third"):
            writer.store_event(entry(run_id, message))
            got: list[str] = []
            while message not in got:
                got.append(seen.get(timeout=10))  # queue.Empty: the watcher saw nothing
    finally:
        reader.end_watch(run_id, on_event)
        reader.dispose()
        writer.dispose()
    assert [e.user_message for e in writer.get_logs_for_run(run_id)] == [
        "first",
        "second",
        "third",
    ]
