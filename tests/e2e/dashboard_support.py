"""What the dashboard tests share: loading an app, running its cells, reading the marts, serving.

marimo runs a notebook headlessly with ``app.run()``: it executes all cells in dependency order
and returns ``(outputs, defs)``, the cells' visual outputs and the names they defined. A cell
that raises makes ``app.run()`` raise; a cell stopped with ``mo.stop`` (how a dashboard shows
"database down" or "no data") leaves a callout among the outputs and its dependants unrun.
Passing names in ``defs`` replaces the cells that define them: the tests pin the connection
(``reporter_url``) and set filters that way.

Expected values are read here with plain psycopg, never with a dashboard's own helpers, so that
a mistake in those shows up as a difference. The tests import this module by name: pytest puts
``tests/e2e`` (which has no ``__init__.py``) on ``sys.path`` when it imports them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import marimo as mo
import psycopg

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = ROOT / "dashboards"

Run = tuple[Sequence[Any], Mapping[str, Any]]


def load_dashboard(name: str) -> ModuleType:
    """The module of ``dashboards/<name>.py``, imported from its file as ``marimo run`` would."""
    path = DASHBOARDS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"dashboards_{name}_under_test", path)
    assert spec is not None and spec.loader is not None, f"cannot import {path}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_dashboard(dashboard: ModuleType, reporter_url: str, **defs: Any) -> Run:
    """All cells of an app, reading the warehouse at ``reporter_url``, with ``defs`` in place
    of the cells that define those names (a filter set as a reader would set it)."""
    return dashboard.app.run(defs={"reporter_url": reporter_url, **defs})


def output_texts(outputs: Sequence[Any]) -> list[str]:
    """The HTML of each cell output ("" for a cell that shows nothing)."""
    return [getattr(out, "text", "") or "" for out in outputs]


def callouts(outputs: Sequence[Any], *kinds: str) -> list[str]:
    """The callouts among the outputs: those of the given kinds (``warn``, ``danger``...), or
    all of them when no kind is given."""
    return [
        text
        for text in output_texts(outputs)
        if "marimo-callout-output" in text
        and (not kinds or any(f"&quot;{kind}&quot;" in text for kind in kinds))
    ]


def assert_ran_without_a_message(run: Run, names: Iterable[str], kinds: Sequence[str] = ()) -> None:
    """No cell stopped with a callout (of ``kinds``, or of any kind) instead of showing data,
    and the cells that define ``names`` all ran."""
    outputs, defs = run
    messages = callouts(outputs, *kinds)
    assert messages == [], f"the dashboard stopped with a message instead of data: {messages}"
    for name in names:
        assert name in defs, f"cell defining {name!r} did not run"


def assert_filters_stop_with_a_message(
    dashboard: str,
    reporter_url: str,
    *,
    nothing_to_show: Iterable[str],
    reversed_months: str | None,
) -> None:
    """The month and state filters of a dashboard (``dashboards.common``) never end in a
    traceback: a state with no data and a From month after the To month each stop the page
    with one callout that says what is wrong, and the cells that depend on them do not run
    (``nothing_to_show`` for the first, ``reversed_months`` for the second; None for a page
    that picks a period rather than two months)."""
    outputs, defs = run_dashboard(
        load_dashboard(dashboard),
        reporter_url,
        state_filter=mo.ui.multiselect(options=["XX"], value=["XX"]),
    )
    messages = callouts(outputs)
    assert len(messages) == 1 and "Nothing to show for these filters" in messages[0]
    for name in nothing_to_show:
        assert name not in defs, f"{name} was computed although there is nothing to show"

    if reversed_months is None:
        return
    outputs, defs = run_dashboard(
        load_dashboard(dashboard),
        reporter_url,
        month_from=month_choice(dt.date(2018, 1, 1)),
        month_to=month_choice(dt.date(2017, 1, 1)),
    )
    messages = callouts(outputs)
    assert len(messages) == 1 and "The months are the wrong way round" in messages[0]
    assert reversed_months not in defs


def month_choice(day: dt.date) -> Any:
    """A From or To month picker set to ``day``, to pass in ``defs``."""
    return mo.ui.dropdown(options={f"{day:%m/%Y}": day}, value=f"{day:%m/%Y}")


def fetch_all(url: str, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    """The rows of one query, read directly with psycopg."""
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def fetch_dicts(url: str, sql: str, params: Any = None) -> list[dict[str, Any]]:
    """The rows of one query as dicts keyed by column name."""
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        columns = [column.name for column in cur.description]
        return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


def fetch_one(url: str, sql: str, params: Any = ()) -> tuple[Any, ...]:
    """The one row of a query; a query that gives none fails the test, naming the query."""
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    assert row is not None, f"no row for: {sql}"
    return row


def free_port() -> int:
    """A TCP port on localhost that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(arguments: list[str], env: Mapping[str, str], log: Path | None = None) -> Iterator[str]:
    """``python -m <arguments> --host 127.0.0.1 --port <free port>``, run from the repository;
    yields its base URL once it answers on /, and stops it (its whole process group) after.

    The server's output goes to ``log`` when given (named in the failure), else nowhere.
    """
    port = free_port()
    command = [sys.executable, "-m", *arguments, "--host", "127.0.0.1", "--port", str(port)]
    with contextlib.ExitStack() as files:
        output = files.enter_context(log.open("w")) if log else subprocess.DEVNULL
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopped as a whole below
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/", timeout=5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    where = f"; see {log}" if log else ""
                    raise AssertionError(
                        f"`python -m {' '.join(arguments)}` did not serve{where}"
                    ) from None
                time.sleep(0.3)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def get(url: str) -> tuple[int, str]:
    """The status and body of a GET (the status alone for an HTTP error)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def marimo_run_front_page(name: str, reporter_url: str) -> tuple[int, str]:
    """What `marimo run dashboards/<name>.py` serves on / (status and HTML), reading the
    warehouse at ``reporter_url``. The HTML holds the app's title, not its figures: marimo
    renders cells over a websocket."""
    env = {"REPORTER_DATABASE_URL": reporter_url}
    with serving(["marimo", "run", str(DASHBOARDS / f"{name}.py"), "--headless"], env) as base:
        return get(f"{base}/")
