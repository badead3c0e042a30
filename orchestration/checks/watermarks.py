"""Which batches a check still has to look at: one watermark per check in the warehouse.

Batch ids only grow (``ops.loads.batch_id``) and every checked table carries the batch of its
rows (``_batch_id`` in raw, ``batch_id`` in staging, ``last_batch_id`` in the facts, raised
whenever a newer batch changes the row). A check that passes records in
``ops.check_watermarks`` the highest batch it checked; the next run of that check looks only at
rows of higher batches, so a nightly run pays for its delta, not for the history. A check that
fails leaves its watermark where it was: the failing rows are checked, and reported, again.
The table is created by the bootstrap (``orchestration/database.py``).

The whole table is checked again when

- the run asks for a full refresh (the ``full_refresh`` job, or run config that sets the dbt
  step's ``full_refresh``): rebuilt models may hold rows of old batches with new content;
- the check has no watermark yet (its first run, or a warehouse bootstrapped before watermarks);
- the check's definition changed since its watermark was written (a new expectation must see
  the old rows too): each watermark keeps a fingerprint of the definition it was earned with.

The watermark is written after the check's result has been reported: a run that dies in
between checks those rows again next time rather than never.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Sequence
from dataclasses import dataclass

import dagster as dg
import psycopg

from orchestration.checks.scope import Scope
from orchestration.schedules import asks_for_full_refresh


def fingerprint(*parts: object) -> str:
    """A short digest of what defines a check (its code or suite): a change re-checks all rows.

    Functions count by their source, so a changed rule re-checks what it has not seen.
    """
    digest = hashlib.sha256()
    for part in parts:
        if callable(part):
            try:
                part = inspect.getsource(part)
            except (OSError, TypeError):
                part = getattr(part, "__qualname__", repr(part))
        digest.update(repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:16]


def full_refresh_requested(
    context: dg.AssetCheckExecutionContext | dg.AssetExecutionContext,
) -> bool:
    """True when the run rebuilds the models from scratch: its checks then see whole tables."""
    run = context.run
    return asks_for_full_refresh(run.job_name, run.run_config)


def _key(check: dg.AssetCheckKey) -> tuple[str, str]:
    return check.asset_key.to_user_string(), check.name


def redelivered_since(conn: psycopg.Connection, sources: Sequence[str], after: int) -> list[str]:
    """Sources of which a loaded file was replaced by a changed copy after batch ``after``.

    The replaced batch is gone: a table that keeps the latest version of each key may show an
    older version again, under its old (already passed) batch id, or lose a row another refers to.
    """
    if not sources:
        return []
    return [
        row[0]
        for row in conn.execute(
            "select distinct replaced.source_table from ops.loads as replaced "
            "join ops.loads as newer on newer.source_table = replaced.source_table "
            "and newer.source_file = replaced.source_file and newer.batch_id > replaced.batch_id "
            "where replaced.status = 'replaced' and replaced.source_table = any(%s) "
            "and newer.batch_id > %s order by 1",
            (list(sources), after),
        )
    ]


def scope_for(
    conn: psycopg.Connection,
    check: dg.AssetCheckKey,
    definition: str,
    *,
    full_refresh: bool = False,
    sources: Sequence[str] = (),
) -> Scope:
    """The scope of one run of a check: batches above its watermark, or the whole table.

    ``definition`` is the check's fingerprint; ``sources`` are raw sources whose re-delivery
    since the watermark sends the check back to the whole table (see ``redelivered_since``).
    """
    if full_refresh:
        return Scope(None, "full refresh")
    (exists,) = conn.execute("select to_regclass('ops.check_watermarks') is not null").fetchone()
    if not exists:
        return Scope(None, "no ops.check_watermarks yet: `python -m orchestration db start`")
    row = conn.execute(
        "select checked_through_batch, definition from ops.check_watermarks "
        "where asset_key = %s and check_name = %s",
        _key(check),
    ).fetchone()
    if row is None:
        return Scope(None, "first run of this check")
    through, known = row
    if known != definition:
        return Scope(None, f"check changed since batch {through}")
    redelivered = redelivered_since(conn, sources, through)
    if redelivered:
        return Scope(None, f"{', '.join(redelivered)} re-delivered after batch {through}")
    return Scope(int(through), f"passed through batch {through}")


def advance(
    conn: psycopg.Connection,
    check: dg.AssetCheckKey,
    scope: Scope,
    through: int | None,
    definition: str,
    run_id: str | None = None,
) -> bool:
    """Record that a check passed on every row up to batch ``through``; False when there was
    nothing to record.

    A scoped run that found no new rows leaves the watermark as it is; a whole-table run sets it
    to what the table holds now (0 for an empty table), even lower than before: everything in
    the table was checked, and what comes later has a higher batch.
    """
    if through is None and not scope.whole:
        return False
    conn.execute(
        "insert into ops.check_watermarks (asset_key, check_name, checked_through_batch, "
        "definition, checked_at, run_id) values (%s, %s, %s, %s, now(), %s) "
        "on conflict (asset_key, check_name) do update "
        "set checked_through_batch = excluded.checked_through_batch, "
        "definition = excluded.definition, checked_at = excluded.checked_at, "
        "run_id = excluded.run_id",
        (*_key(check), through if through is not None else 0, definition, run_id),
    )
    return True


@dataclass(frozen=True)
class Passed:
    """A scoped check that passed: what to record once its result is reported."""

    check: dg.AssetCheckKey
    scope: Scope
    through: int | None
    definition: str


def keep(context: dg.AssetCheckExecutionContext, conninfo: str, passed: Sequence[Passed]) -> None:
    """Advance the watermarks of checks that passed; call it after yielding their results.

    A watermark that cannot be written is a warning, not a failure: its rows are only checked
    again next run.
    """
    if not passed:
        return
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for item in passed:
                with conn.transaction():
                    advance(
                        conn,
                        item.check,
                        item.scope,
                        item.through,
                        item.definition,
                        context.run.run_id,
                    )
    except psycopg.Error as error:
        context.log.warning(
            f"could not advance the watermarks of {', '.join(p.check.name for p in passed)} "
            f"({error}): their rows are checked again next run"
        )
