"""The dashboards in a real browser: served as users get them, rendered by headless Chromium.

The other dashboard tests run the apps' cells in Python and fetch the served pages' HTML, which
holds an app's title but not its figures: marimo renders cells over a websocket, in the
browser. Here Chromium opens each page from `python -m orchestration dashboards` (what
`make dashboards` runs), waits for the charts to be drawn and the KPI cards to show, saves a
screenshot, and reads one KPI off the page to compare it with the mart.

The browser is Debian's `chromium` package driven by Playwright; Playwright's own browser
downloads are never used (no `playwright install`). Screenshots go to a temporary folder and to
`.local/screenshots/` (git-ignored); their paths are printed (`pytest -s` shows them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import dashboard_support as support
import pytest

from dashboards.common import format_brl, format_number, format_percent
from orchestration.apps import dashboard_apps

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Tall enough for a whole dashboard: marimo scrolls inside the page, so a "full page"
# screenshot would stop at the viewport.
VIEWPORT = {"width": 1400, "height": 3600}
PAGE_TIMEOUT_MS = 60_000


class KpiCheck(NamedTuple):
    """A KPI card an app shows on opening: its label, the mart query that gives its value
    (one row, one column, as the reporting role), and the function that formats it."""

    label: str
    sql: str
    format: Callable[[Any], str]


# One line per app; an app whose file is not in dashboards/ yet is left out. Each figure is
# what the app shows with its filters as they open (the whole history, every state).
KPI_CHECKS: dict[str, KpiCheck] = {
    "executive": KpiCheck("GMV", "select sum(gmv) from marts.mart_executive_dashboard", format_brl),
    "quality": KpiCheck(
        "Quality score",
        "select quality_score from ops.quality_scores order by evaluated_at desc limit 1",
        lambda value: format_percent(value, 2),
    ),
    "customers": KpiCheck(
        "Customers", "select count(*) from marts.mart_customer_analytics", format_number
    ),
    "delivery": KpiCheck(
        "On-time rate",
        "select sum(on_time_orders) / sum(delivered_orders) "
        "from marts.mart_delivery_performance where grain = 'customer_state'",
        format_percent,
    ),
    "sellers": KpiCheck(
        "Revenue",  # of the seller the page opens on: the first by revenue
        "select sum(seller_revenue) from marts.mart_seller_performance "
        "group by seller_id order by sum(seller_revenue) desc, seller_id limit 1",
        format_brl,
    ),
}
APPS = [name for name in KPI_CHECKS if (support.DASHBOARDS / f"{name}.py").is_file()]


def _served_apps() -> list[str]:
    """The apps `python -m orchestration dashboards` serves."""
    return [path.stem for path in dashboard_apps()]


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed with apt-get when it is missing and we may."""
    if not CHROMIUM.exists():
        if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
            installed = subprocess.run(
                ["apt-get", "install", "-y", "chromium"],
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
                capture_output=True,
                text=True,
                timeout=900,
            )
            if not CHROMIUM.exists():
                pytest.skip(
                    f"`apt-get install -y chromium` did not provide {CHROMIUM} "
                    f"(exit {installed.returncode}): {installed.stderr.strip()[-500:]}"
                )
        else:
            pytest.skip(
                f"{CHROMIUM} is missing and cannot be installed here (needs root and apt-get): "
                "install Debian's chromium package (`sudo apt-get install -y chromium`) to run "
                "the browser tests"
            )
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(request: pytest.FixtureRequest) -> Iterator[Any]:
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="Playwright is a dev dependency: pip install -c requirements.lock -e '.[dev]'",
    )
    chromium = request.getfixturevalue("chromium")  # only installed when Playwright is there
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def dashboards_url(warehouse: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m orchestration dashboards` on a free port, reading the test warehouse."""
    log = tmp_path_factory.mktemp("dashboards") / "server.log"
    env = {"REPORTER_DATABASE_URL": warehouse.reporter_database_url}
    with support.serving(["orchestration", "dashboards"], env, log=log) as base:
        yield base


@pytest.fixture(scope="module")
def screenshot_dirs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folders = [tmp_path_factory.mktemp("screenshots")]
    local = support.ROOT / ".local"
    if ".local/" in (support.ROOT / ".gitignore").read_text(encoding="utf-8").split():
        folders.append(local / "screenshots")
        folders[-1].mkdir(parents=True, exist_ok=True)
    return folders


def _mart_value(url: str, sql: str, params: tuple[Any, ...] = ()) -> Any:
    (value,) = support.fetch_one(url, sql, params)
    assert value is not None, f"the mart gave no value for: {sql}"
    return value


def _stat_lines(page: Any, label: str) -> list[str]:
    """The visible lines of the mo.stat card with ``label``: label, value, caption.

    A card is a <marimo-stat> element that draws itself inside its shadow root.
    """
    card = page.locator(f"marimo-stat[data-label='{json.dumps(label)}']").first
    card.locator("h3").wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
    text = card.evaluate("el => (el.shadowRoot ?? el).firstElementChild.innerText")
    return [line.strip() for line in text.splitlines() if line.strip()]


def _wait_for_charts(page: Any) -> int:
    """Wait until every chart on the page is drawn (vega-embed puts a `.marks` canvas or svg
    into each) and the page has stopped adding charts; return how many there are."""
    page.locator(".vega-embed .marks").first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
    deadline = time.monotonic() + PAGE_TIMEOUT_MS / 1000
    seen = -1
    while time.monotonic() < deadline:
        embeds = page.locator(".vega-embed").count()
        drawn = page.locator(".vega-embed .marks").count()
        if embeds == drawn == seen:  # all drawn, and the same as half a second ago
            return drawn
        seen = drawn if embeds == drawn else -1
        page.wait_for_timeout(500)
    raise AssertionError(f"charts still drawing after {PAGE_TIMEOUT_MS / 1000:.0f} s")


def _screenshot(page: Any, folders: list[Path], name: str) -> list[Path]:
    paths = [folder / f"{name}.png" for folder in folders]
    page.screenshot(path=str(paths[0]))
    for path in paths[1:]:
        shutil.copyfile(paths[0], path)
    print(f"screenshot of {name}: {', '.join(str(path) for path in paths)}")
    return paths


@pytest.mark.parametrize("app", APPS)
def test_app_renders_charts_and_its_kpi_is_the_marts(
    app: str, browser: Any, dashboards_url: str, screenshot_dirs: list[Path], warehouse: Any
) -> None:
    check = KPI_CHECKS[app]
    expected = check.format(_mart_value(warehouse.reporter_database_url, check.sql))
    page = browser.new_page(viewport=VIEWPORT, locale="pt-BR")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{dashboards_url}/{app}/", wait_until="domcontentloaded")
        charts = _wait_for_charts(page)
        lines = _stat_lines(page, check.label)
        _screenshot(page, screenshot_dirs, app)
        callouts = page.locator("marimo-callout-output[data-kind='\"danger\"']").count()
    finally:
        page.close()
    assert charts >= 1
    assert lines[:2] == [check.label, expected], (
        f"{app}: the card {check.label!r} shows {lines}, the mart gives {expected!r}"
    )
    assert callouts == 0, f"{app} shows an error callout"
    assert errors == [], f"{app}: JavaScript errors on the page: {errors}"


def test_executive_compares_with_the_previous_period(
    browser: Any, dashboards_url: str, screenshot_dirs: list[Path], warehouse: Any
) -> None:
    """Picking "Last 90 days" redraws the cards with their change against the 90 days before."""
    url = warehouse.reporter_database_url
    last_day = _mart_value(url, "select max(order_date) from marts.mart_executive_dashboard")

    def orders(first: date, last: date) -> int:
        return _mart_value(
            url,
            "select coalesce(sum(orders), 0) from marts.mart_executive_dashboard "
            "where order_date between %s and %s",
            (first, last),
        )

    now = orders(last_day - timedelta(days=89), last_day)
    before = orders(last_day - timedelta(days=179), last_day - timedelta(days=90))
    assert before > 0, "the sample has no orders in the 90 days before the last 90"
    change = format_number((Decimal(now) - before) / before * 100, 1)
    caption = f"{change if change.startswith('-') else '+' + change}% vs previous period"

    page = browser.new_page(viewport=VIEWPORT, locale="pt-BR")
    try:
        page.goto(f"{dashboards_url}/executive/", wait_until="domcontentloaded")
        _wait_for_charts(page)
        page.locator("select:has(option:text-is('Last 90 days'))").select_option(
            label="Last 90 days"
        )
        card = page.locator(f"marimo-stat[data-label='{json.dumps('Orders')}']").first
        card.locator("p", has_text="vs previous period").wait_for(timeout=PAGE_TIMEOUT_MS)
        _wait_for_charts(page)
        lines = _stat_lines(page, "Orders")
        _screenshot(page, screenshot_dirs, "executive-last-90-days")
    finally:
        page.close()
    assert lines == ["Orders", format_number(now), caption]


def test_landing_page_links_every_app(
    browser: Any, dashboards_url: str, screenshot_dirs: list[Path]
) -> None:
    served = _served_apps()
    assert {"executive", "quality"} <= set(served)
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    try:
        page.goto(f"{dashboards_url}/", wait_until="domcontentloaded")
        page.locator("a[href='executive/']").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        links = {name: page.locator(f"a[href='{name}/']").count() for name in served}
        _screenshot(page, screenshot_dirs, "index")
        # A link leads to its app: follow one as a user would.
        page.locator("a[href='quality/']").first.click()
        page.wait_for_url(f"{dashboards_url}/quality/", timeout=PAGE_TIMEOUT_MS)
        title = page.title()
    finally:
        page.close()
    assert [name for name, count in links.items() if count == 0] == [], (
        f"the landing page does not link every app: {links}"
    )
    assert title == "Marketplace: data quality"
