"""The data quality dashboard and the landing page, on the pipeline's recorded check results.

As for the executive dashboard, ``app.run()`` executes every cell headlessly and returns the
cells' outputs and definitions; a cell stopped with ``mo.stop`` leaves its callout among the
outputs. The served pages are checked over HTTP: marimo renders cells over a websocket, so a
page's HTML holds the app's title, not its figures.
"""

from __future__ import annotations

import contextlib
import html
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
QUALITY = ROOT / "dashboards" / "quality.py"
LANDING = ROOT / "dashboards" / "index.py"


def _load_module(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"dashboards_{path.stem}_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _texts(outputs: Sequence[Any]) -> list[str]:
    return [getattr(out, "text", "") or "" for out in outputs]


def _callouts(outputs: Sequence[Any], *kinds: str) -> list[str]:
    return [
        text
        for text in _texts(outputs)
        if "marimo-callout-output" in text and any(f"&quot;{kind}&quot;" in text for kind in kinds)
    ]


@pytest.fixture(scope="module")
def quality() -> Any:
    return _load_module(QUALITY)


@pytest.fixture(scope="module")
def dashboard_run(quality: Any, warehouse: Any) -> tuple[Sequence[Any], Mapping[str, Any]]:
    """All cells of the quality dashboard, run once against the warehouse the pipeline built."""
    return quality.app.run(defs={"reporter_url": warehouse.reporter_database_url})


def _one(url: str, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...]:
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    assert row is not None, f"no row for: {sql}"
    return row


def test_all_cells_run_without_error(dashboard_run):
    outputs, defs = dashboard_run  # getting here means no cell raised
    problems = _callouts(outputs, "danger", "warn")
    assert problems == [], f"the dashboard stopped with a message instead of data: {problems}"
    for name in (
        "runs",
        "latest",
        "kpi_cards",
        "trend_chart",
        "failures_chart",
        "run_picker",
        "checks",
        "rejected",
        "rejected_table",
        "loads",
        "load_table",
    ):
        assert name in defs, f"cell defining {name!r} did not run"
    # the failing checks of the run: a table, or a callout saying that nothing failed
    assert "failing_table" in defs or _callouts(outputs, "success")


def test_latest_quality_score_is_the_views(dashboard_run, quality, warehouse):
    _, defs = dashboard_run
    run_id, score = _one(
        warehouse.reporter_database_url,
        "select run_id, quality_score from ops.quality_scores order by evaluated_at desc limit 1",
    )
    assert score is not None, "the sample run recorded no error-level check"
    assert defs["latest"]["run_id"] == run_id
    assert defs["latest"]["quality_score"] == score
    shown = quality.format_percent(score, 2)
    assert f"&quot;{shown}&quot;" in defs["kpi_cards"].text, f"KPI card does not show {shown}"
    # the run picker starts on that run
    assert defs["run_picker"].value == run_id == defs["selected_run"]


def test_failing_checks_and_rejected_rows_are_the_runs(dashboard_run, warehouse):
    _, defs = dashboard_run
    run_id = defs["selected_run"]
    url = warehouse.reporter_database_url
    (failed,) = _one(
        url, "select count(*) from ops.check_results where run_id = %s and not passed", (run_id,)
    )
    assert len(defs["failing"]) == failed
    read, rejected = _one(
        url,
        "select sum(rows_read), sum(rows_rejected) from ops.row_validity where run_id = %s",
        (run_id,),
    )
    assert defs["rejected"]["rows_read"].sum() == read
    assert defs["rejected"]["rows_rejected"].sum() == rejected
    (loads,) = _one(url, "select count(*) from ops.loads")
    assert len(defs["loads"]) == min(loads, 1000)


def test_examples_read_every_shape_checks_record(quality):
    assert quality.format_examples(["a.csv:3 bad date", "b.csv:4 bad"], "a.csv") == (
        "a.csv:3 bad date"
    )
    assert quality.format_examples({"ExpectBetween:price": [{"price": "-1", "id": "7"}]}) == (
        "ExpectBetween:price: price=-1, id=7"
    )
    many = quality.format_examples([f"k{i}" for i in range(quality.EXAMPLES_SHOWN + 2)])
    assert many.endswith("; and 2 more")
    assert quality.format_examples(None) == ""


@contextlib.contextmanager
def _serving(arguments: list[str], env: Mapping[str, str]) -> Iterator[str]:
    """Start a server on a free port and yield its base URL once it answers on /."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", *arguments, "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
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
                    raise AssertionError(f"{' '.join(arguments)} did not serve") from None
                time.sleep(0.5)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_marimo_run_serves_the_dashboard(warehouse: Any) -> None:
    """`marimo run dashboards/quality.py` answers on localhost with the app."""
    env = {"REPORTER_DATABASE_URL": warehouse.reporter_database_url}
    with _serving(["marimo", "run", str(QUALITY), "--headless"], env) as base:
        status, page = _get(f"{base}/")
    assert status == 200
    assert "Marketplace: data quality" in page  # the app title


def _links_to(page: str, name: str) -> bool:
    """Whether a rendered output links to the app at ``<name>/``.

    Outputs nested in a callout are HTML-escaped inside an attribute: unescape them first.
    """
    text = html.unescape(page).replace("\\u003c", "<").replace('\\"', '"')
    return f'href="{name}/"' in text


def test_landing_page_links_the_dashboards_that_exist():
    outputs, defs = _load_module(LANDING).app.run()
    page = "\n".join(_texts(outputs))
    assert {entry["name"] for entry in defs["ready"]} >= {"executive", "quality"}
    for entry in defs["ready"]:
        assert (LANDING.parent / f"{entry['name']}.py").is_file()
        assert _links_to(page, entry["name"]), f"no link to {entry['name']}"
    for entry in defs["planned"]:  # shown as coming later, never as a dead link
        assert not (LANDING.parent / f"{entry['name']}.py").exists()
        assert not _links_to(page, entry["name"])
        assert entry["title"] in page


def test_make_dashboards_serves_the_landing_page_and_every_app(warehouse: Any) -> None:
    """`make dashboards` (python -m orchestration dashboards): / is the landing page, and each
    app of dashboards/ answers at /<file name>/ with its own title; no other path is served."""
    env = {"REPORTER_DATABASE_URL": warehouse.reporter_database_url}
    apps = sorted(
        path.stem
        for path in LANDING.parent.glob("*.py")
        if path.stem not in {"index", "common", "__init__"}
    )
    assert {"executive", "quality"} <= set(apps)
    with _serving(["orchestration", "dashboards"], env) as base:
        landing = _get(f"{base}/")
        pages = {app: _get(f"{base}/{app}/") for app in apps}
        missing, _ = _get(f"{base}/no-such-dashboard/")
    assert landing[0] == 200 and "Marketplace dashboards" in landing[1]
    for app, (status, page) in pages.items():
        assert status == 200, app
        assert "Marketplace: " in page, app  # the app's own title, not an error page
    assert "Marketplace: executive dashboard" in pages["executive"][1]
    assert "Marketplace: data quality" in pages["quality"][1]
    assert missing == 404
