"""The executive dashboard runs every cell on the pipeline's output and shows the mart's figures.

marimo runs a notebook headlessly with ``app.run()``: it executes all cells in dependency order
and returns ``(outputs, defs)``, the cells' visual outputs and the names they defined. A cell
that raises makes ``app.run()`` raise; a cell stopped with ``mo.stop`` (how the dashboard shows
"database down" or "no data") leaves a callout among the outputs and its dependants unrun.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest

pytestmark = pytest.mark.integration

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboards" / "executive.py"


def _load_app() -> Any:
    spec = importlib.util.spec_from_file_location("dashboards_executive_under_test", DASHBOARD)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


@pytest.fixture(scope="module")
def dashboard_run(warehouse: Any) -> tuple[Sequence[Any], Mapping[str, Any]]:
    """All cells of the dashboard, run once against the warehouse the pipeline built.

    The app reads its connection from the ``reporter_url`` cell; passing it here pins the run to
    the ``warehouse`` fixture's reporter URL whatever the process-wide settings say.
    """
    return _load_app().run(defs={"reporter_url": warehouse.reporter_database_url})


def _mart_totals(url: str) -> dict[str, Any]:
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """
            select min(order_date), max(order_date), sum(orders), sum(gmv),
                   round(sum(gmv) / nullif(sum(orders), 0), 2)
            from marts.mart_executive_dashboard
            """
        )
        first_day, last_day, orders, gmv, aov = cur.fetchone()
    return {"first_day": first_day, "last_day": last_day, "orders": orders, "gmv": gmv, "aov": aov}


def test_all_cells_run_without_error(dashboard_run: tuple[Sequence[Any], Mapping[str, Any]]):
    outputs, defs = dashboard_run  # getting here means no cell raised
    callouts = [
        out.text for out in outputs if "marimo-callout-output" in (getattr(out, "text", "") or "")
    ]
    assert callouts == [], f"the dashboard stopped with a message instead of data: {callouts}"
    for name in ("date_range", "kpis", "trend", "gmv_chart", "orders_chart"):
        assert name in defs, f"cell defining {name!r} did not run"
    assert not defs["trend"].empty


def test_kpis_match_the_mart(dashboard_run, warehouse):
    _, defs = dashboard_run
    expected = _mart_totals(warehouse.reporter_database_url)
    assert expected["gmv"] is not None and expected["gmv"] > 0, "the sample run built no GMV"

    # The date filter defaults to the whole range of the mart ...
    assert defs["date_range"].value == (expected["first_day"], expected["last_day"])
    # ... so the KPIs are the mart's totals, to the cent.
    assert defs["kpis"]["gmv"] == expected["gmv"]
    assert defs["kpis"]["orders"] == expected["orders"]
    assert defs["kpis"]["aov"] == expected["aov"]


def test_marimo_run_serves_the_dashboard(warehouse: Any) -> None:
    """`marimo run dashboards/executive.py` answers on localhost with the app."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "marimo",
            "run",
            str(DASHBOARD),
            "--headless",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env={**os.environ, "REPORTER_DATABASE_URL": warehouse.reporter_database_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    page = response.read().decode()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("marimo run did not serve the dashboard") from None
                time.sleep(0.5)
        assert response.status == 200
        assert "Marketplace: executive dashboard" in page  # the app title
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
