"""Great Expectations in a worker process that imports it while Dagster starts.

Importing Great Expectations costs about 3 s of one core, and the first Great Expectations
check of a run paid it while every later step waited (the raw suites block dbt).
``python -m orchestration run`` calls :func:`start` before it imports Dagster: a worker process
(spawned, so it inherits nothing) imports Great Expectations on the second core while the
command imports Dagster, prepares the run and loads the files, and every suite is then
validated there (:func:`validate`). A worker must not compete with the loader for the
interpreter: an import in a thread of the run's own process did, and was taken back.

Without a worker (the Dagster UI and daemon, the tests) or when it has died, :func:`validate`
runs in the calling process, as before. Errors raised in the worker are raised in the caller
(a lost connection is still retried as transient).

A suite can also be validated ahead (:func:`validate_ahead`): the step that builds its table
hands it to the worker as soon as the table is final, and the check step, which Dagster runs
after the whole step, then takes the outcome if it asks for the same scope (else, or when the
validation ahead failed, it validates as usual). In a nightly run the suites on core tables and
marts so ran beside the end of dbt build, not after it, one by one (2.4 s at one million
orders), and the raw suites beside the raw checks.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from orchestration.checks import gx_validation
from orchestration.checks.scope import Scope
from orchestration.checks.suites import Suite

log = logging.getLogger(__name__)
T = TypeVar("T")
_worker: ProcessPoolExecutor | None = None
# work started ahead (run_ahead): validations by suite, connection and scope, and the like
_ahead: dict[tuple, Future] = {}


def _import_great_expectations() -> None:
    from orchestration.checks.gx_import import import_great_expectations

    import_great_expectations()

    # Tearing down an interpreter that holds Great Expectations took 1.1 s, and stop() waited
    # for it after every run: the worker has nothing to flush but its streams, so it leaves at
    # once when the pool lets it go (the first exit handler to run, as the last registered)
    atexit.register(_leave_at_once)


def _leave_at_once() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


def start() -> None:
    """Start the worker, which begins importing Great Expectations at once."""
    global _worker
    if _worker is None:
        _worker = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_import_great_expectations,
        )
        _worker.submit(int)  # the pool starts its process at the first task
        atexit.register(stop)


def stop() -> None:
    global _worker
    forget_ahead()
    if _worker is not None:
        _worker.shutdown(wait=True, cancel_futures=True)
        _worker = None


def running() -> bool:
    return _worker is not None


# modules the caller has imported already: their errors cross back unchanged
_PLAIN_ERRORS = ("builtins", "psycopg")


def _run_here(function: Callable[..., T], *args: Any) -> T:
    """What the worker runs. The caller unpickles the outcome or the error in the pool's result
    thread while its own threads run: an error of a type the caller has not imported (Great
    Expectations', SQLAlchemy's) would import that package there, racing the caller's use of it.
    Such an error crosses back as a RuntimeError naming its type, with its message (so a lost
    connection is still told transient by its words)."""
    try:
        return function(*args)
    except Exception as error:
        kind = type(error)
        if kind.__module__.split(".")[0] in _PLAIN_ERRORS:
            raise
        raise RuntimeError(f"{kind.__module__}.{kind.__qualname__}: {error}") from None


def run_ahead(key: tuple, function: Callable[..., Any], *args: Any) -> bool:
    """Start ``function(*args)`` in the worker for a later :func:`take_ahead` of ``key``, whose
    first two items are the (schema, table) it reads. Call it only once that table is final
    for the run; ``function`` must be importable without Dagster. False (and nothing started)
    without a worker."""
    if _worker is None:
        return False
    try:
        future = _worker.submit(_run_here, function, *args)
    except (BrokenProcessPool, RuntimeError):  # died, or shut down meanwhile
        return False
    _ahead[key] = future
    return True


def take_ahead(key: tuple) -> Future | None:
    """The work started ahead under ``key``, taken once; None when there is none."""
    return _ahead.pop(key, None)


def _ahead_key(suite: Suite, conninfo: str, scope: Scope) -> tuple:
    return suite.schema, suite.table, suite.name, conninfo, scope


def validate_ahead(suite: Suite, conninfo: str, scope: Scope) -> bool:
    """Start validating ``suite`` on ``scope`` in the worker, for a later :func:`validate` with
    the same arguments. Call it only once the suite's table is final for the run. False (and
    nothing started) without a worker."""
    return run_ahead(
        _ahead_key(suite, conninfo, scope), gx_validation.validate, suite, conninfo, scope
    )


def forget_ahead(tables: set[tuple[str, str]] | None = None) -> None:
    """Drop the work started ahead (on these tables: (schema, table)), as when a step that
    already handed some over runs again and may change its tables."""
    for key in [k for k in _ahead if tables is None or k[:2] in tables]:
        _ahead.pop(key).cancel()


def validate(suite: Suite, conninfo: str, scope: Scope) -> gx_validation.Outcome:
    """Validate ``suite`` on the rows of ``scope``: in the worker when there is one, or take
    the outcome of the same validation started ahead."""
    global _worker
    ahead = take_ahead(_ahead_key(suite, conninfo, scope))
    if ahead is not None:
        try:
            return ahead.result()
        except Exception as error:  # validated again below, and then it counts
            log.info("validating %s.%s ahead failed (%s); again", suite.schema, suite.table, error)
    if _worker is not None:
        try:
            return _worker.submit(
                _run_here, gx_validation.validate, suite, conninfo, scope
            ).result()
        except BrokenProcessPool:
            log.warning("the Great Expectations worker died; validating in this process")
            _worker = None
    return gx_validation.validate(suite, conninfo, scope)
