"""The data quality dashboard and the landing page, on the pipeline's recorded check results.

As for the executive dashboard, ``app.run()`` executes every cell headlessly and returns the
cells' outputs and definitions; a cell stopped with ``mo.stop`` leaves its callout among the
outputs. The served pages are checked over HTTP: marimo renders cells over a websocket, so a
page's HTML holds the app's title, not its figures.
"""

from __future__ import annotations

import html
from typing import Any

import dashboard_support as support
import pytest

from orchestration.apps import dashboard_apps

pytestmark = pytest.mark.integration

DASHBOARD = "quality"  # the app of the `dashboard` and `dashboard_run` fixtures (conftest.py)


def test_all_cells_run_without_error(dashboard_run):
    outputs, defs = dashboard_run  # getting here means no cell raised
    support.assert_ran_without_a_message(
        dashboard_run,
        (
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
        ),
        kinds=("danger", "warn"),
    )
    # the failing checks of the run: a table, or a callout saying that nothing failed
    assert "failing_table" in defs or support.callouts(outputs, "success")


def test_latest_quality_score_is_the_views(dashboard_run, dashboard, warehouse):
    _, defs = dashboard_run
    run_id, score = support.fetch_one(
        warehouse.reporter_database_url,
        "select run_id, quality_score from ops.quality_scores order by evaluated_at desc limit 1",
    )
    assert score is not None, "the sample run recorded no error-level check"
    assert defs["latest"]["run_id"] == run_id
    assert defs["latest"]["quality_score"] == score
    shown = dashboard.format_percent(score, 2)
    assert f"&quot;{shown}&quot;" in defs["kpi_cards"].text, f"KPI card does not show {shown}"
    # the run picker starts on that run
    assert defs["run_picker"].value == run_id == defs["selected_run"]


def test_failing_checks_and_rejected_rows_are_the_runs(dashboard_run, warehouse):
    _, defs = dashboard_run
    run_id = defs["selected_run"]
    url = warehouse.reporter_database_url
    (failed,) = support.fetch_one(
        url, "select count(*) from ops.check_results where run_id = %s and not passed", (run_id,)
    )
    assert len(defs["failing"]) == failed
    read, rejected = support.fetch_one(
        url,
        "select sum(rows_read), sum(rows_rejected) from ops.row_validity where run_id = %s",
        (run_id,),
    )
    assert defs["rejected"]["rows_read"].sum() == read
    assert defs["rejected"]["rows_rejected"].sum() == rejected
    (loads,) = support.fetch_one(url, "select count(*) from ops.loads")
    assert len(defs["loads"]) == min(loads, 1000)


def test_examples_read_every_shape_checks_record(dashboard):
    assert dashboard.format_examples(["a.csv:3 bad date", "b.csv:4 bad"], "a.csv") == (
        "a.csv:3 bad date"
    )
    assert dashboard.format_examples({"ExpectBetween:price": [{"price": "-1", "id": "7"}]}) == (
        "ExpectBetween:price: price=-1, id=7"
    )
    many = dashboard.format_examples([f"k{i}" for i in range(dashboard.EXAMPLES_SHOWN + 2)])
    assert many.endswith("; and 2 more")
    assert dashboard.format_examples(None) == ""


def test_marimo_run_serves_the_dashboard(warehouse: Any) -> None:
    """`marimo run dashboards/quality.py` answers on localhost with the app."""
    status, page = support.marimo_run_front_page(DASHBOARD, warehouse.reporter_database_url)
    assert status == 200
    assert "Marketplace: data quality" in page  # the app title


def _links_to(page: str, name: str) -> bool:
    """Whether a rendered output links to the app at ``<name>/``.

    Outputs nested in a callout are HTML-escaped inside an attribute: unescape them first.
    """
    text = html.unescape(page).replace("\\u003c", "<").replace('\\"', '"')
    return f'href="{name}/"' in text


def test_landing_page_links_the_dashboards_that_exist():
    outputs, defs = support.load_dashboard("index").app.run()
    page = "\n".join(support.output_texts(outputs))
    assert {entry["name"] for entry in defs["ready"]} >= {"executive", "quality"}
    for entry in defs["ready"]:
        assert (support.DASHBOARDS / f"{entry['name']}.py").is_file()
        assert _links_to(page, entry["name"]), f"no link to {entry['name']}"
    for entry in defs["planned"]:  # shown as coming later, never as a dead link
        assert not (support.DASHBOARDS / f"{entry['name']}.py").exists()
        assert not _links_to(page, entry["name"])
        assert entry["title"] in page


def test_make_dashboards_serves_the_landing_page_and_every_app(warehouse: Any) -> None:
    """`make dashboards` (python -m orchestration dashboards): / is the landing page, and each
    app of dashboards/ answers at /<file name>/ with its own title; no other path is served."""
    env = {"REPORTER_DATABASE_URL": warehouse.reporter_database_url}
    apps = [path.stem for path in dashboard_apps()]
    assert apps == ["customers", "delivery", "executive", "quality", "sellers"]
    with support.serving(["orchestration", "dashboards"], env) as base:
        landing = support.get(f"{base}/")
        pages = {app: support.get(f"{base}/{app}/") for app in apps}
        missing, _ = support.get(f"{base}/no-such-dashboard/")
    assert landing[0] == 200 and "Marketplace dashboards" in landing[1]
    for app, (status, page) in pages.items():
        assert status == 200, app
        assert "Marketplace: " in page, app  # the app's own title, not an error page
    assert "Marketplace: executive dashboard" in pages["executive"][1]
    assert "Marketplace: data quality" in pages["quality"][1]
    assert missing == 404
