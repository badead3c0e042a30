"""The executive dashboard runs every cell on the pipeline's output and shows the mart's figures.

marimo runs a notebook headlessly with ``app.run()``: it executes all cells in dependency order
and returns ``(outputs, defs)``, the cells' visual outputs and the names they defined. A cell
that raises makes ``app.run()`` raise; a cell stopped with ``mo.stop`` (how the dashboard shows
"database down" or "no data") leaves a callout among the outputs and its dependants unrun.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import ModuleType
from typing import Any

import dashboard_support as support
import pytest

from dashboards.common import format_brl, format_number, format_percent

pytestmark = pytest.mark.integration

DASHBOARD = "executive"  # the app of the `dashboard` and `dashboard_run` fixtures (conftest.py)


def _mart_totals(url: str) -> dict[str, Any]:
    first_day, last_day, orders, gmv, aov = support.fetch_one(
        url,
        """
        select min(order_date), max(order_date), sum(orders), sum(gmv),
               round(sum(gmv) / nullif(sum(orders), 0), 2)
        from marts.mart_executive_dashboard
        """,
    )
    return {"first_day": first_day, "last_day": last_day, "orders": orders, "gmv": gmv, "aov": aov}


def test_all_cells_run_without_error(dashboard_run: support.Run):
    _, defs = dashboard_run  # getting here means no cell raised
    support.assert_ran_without_a_message(
        dashboard_run,
        (
            "date_range",
            "kpis",
            "previous_kpis",
            "kpi_cards",
            "trend",
            "gmv_chart",
            "orders_chart",
            "category_sales",
            "category_chart",
            "state_delivery",
            "state_chart",
        ),
    )
    assert not defs["trend"].empty
    assert not defs["category_sales"].empty
    assert not defs["state_delivery"].empty


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


def _mart_window(url: str, start: date, end: date) -> dict[str, Any]:
    """The executive mart's sums over one window of days."""
    days, orders, gmv, aov, new_customers, delivered = support.fetch_one(
        url,
        """
        select count(*), sum(orders), sum(gmv), round(sum(gmv) / nullif(sum(orders), 0), 2),
               sum(new_customers), sum(delivered_orders)
        from marts.mart_executive_dashboard
        where order_date between %s and %s
        """,
        (start, end),
    )
    return {
        "days": days,
        "orders": orders,
        "gmv": gmv,
        "aov": aov,
        "new_customers": new_customers,
        "delivered_orders": delivered,
    }


def _orders_truth(admin_url: str, start: date, end: date) -> dict[str, Any]:
    """On-time and review figures straight from the order facts (as the owner): what the
    dashboard's figures, read from the daily mart, must agree with to the order.

    The on-time rate is on-time over delivered orders and the review score the plain average
    over the counted orders that have a review; both sides divide the same two integers in
    PostgreSQL numeric, so they are equal digit for digit, not merely close."""
    delivered, on_time, rate, reviewed, score_sum, review = support.fetch_one(
        admin_url,
        """
        select count(*) filter (where is_delivered),
               count(*) filter (where is_delivered and is_on_time),
               cast(count(*) filter (where is_delivered and is_on_time) as numeric)
                   / nullif(count(*) filter (where is_delivered), 0),
               count(review_score) filter (where is_counted),
               sum(review_score) filter (where is_counted),
               avg(review_score) filter (where is_counted)
        from core.fact_orders
        where order_date between %s and %s
        """,
        (start, end),
    )
    return {
        "delivered_orders": delivered,
        "on_time_orders": on_time,
        "on_time_rate": rate,
        "reviewed_orders": reviewed,
        "review_score_sum": score_sum,
        "avg_review_score": review,
    }


def _card(value: str) -> str:
    """How a value or caption appears in the KPI cards' HTML (a JSON string in an attribute)."""
    return f"&quot;{value}&quot;".replace("$", "&#36;")


def _signed(text: str) -> str:
    """A change as the cards write it: with its sign, and none when it rounds to zero."""
    if not any(digit in text for digit in "123456789"):
        return text.lstrip("-")
    return text if text.startswith("-") else f"+{text}"


def _change(current: Any, previous: Any) -> str:
    """The relative change a card shows, worked out here independently of the app."""
    change = (Decimal(current) - Decimal(previous)) / Decimal(previous) * 100
    return f"{_signed(format_number(change, 1))}% vs previous period"


def test_service_kpis_match_the_marts(dashboard_run, warehouse):
    """On-time delivery and review score over the whole history, as ratios of sums."""
    _, defs = dashboard_run
    kpis = defs["kpis"]
    url = warehouse.reporter_database_url
    # The delivery mart keeps on-time counts: over the whole history it covers the very same
    # delivered orders as the daily executive mart, so the rate must be the same to the order.
    delivered, on_time, new_customers = support.fetch_one(
        url,
        """
        select
            (select sum(delivered_orders) from marts.mart_delivery_performance
             where grain = 'customer_state'),
            (select sum(on_time_orders) from marts.mart_delivery_performance
             where grain = 'customer_state'),
            (select sum(new_customers) from marts.mart_executive_dashboard)
        """,
    )
    assert delivered > 0 and on_time > 0, "the sample run delivered nothing"
    assert (kpis["delivered_orders"], kpis["on_time_orders"]) == (delivered, on_time)
    assert kpis["new_customers"] == new_customers
    # Over the whole history the rates are the facts' own, exactly: the mart's daily counts add
    # up to the facts' counts (reviewed orders and their score sum, orders on time).
    truth = _orders_truth(warehouse.admin_url, defs["start"], defs["end"])
    assert kpis["on_time_rate"] == truth["on_time_rate"]
    assert truth["reviewed_orders"] > 0, "the sample run has no reviews"
    assert (kpis["reviewed_orders"], kpis["review_score_sum"]) == (
        truth["reviewed_orders"],
        truth["review_score_sum"],
    )
    assert kpis["avg_review_score"] == truth["avg_review_score"]

    cards = defs["kpi_cards"].text
    for shown in (
        format_number(new_customers),
        format_percent(Decimal(on_time) / delivered),
        format_number(truth["avg_review_score"], 2),
    ):
        assert _card(shown) in cards, f"the KPI cards do not show {shown}"
    # The whole history has nothing before it to compare with.
    assert defs["previous_kpis"]["days"] == 0
    assert _card("no previous period in the data") in cards


@pytest.fixture(scope="module")
def last_90_days(dashboard: ModuleType, warehouse: Any) -> support.Run:
    """The dashboard run on the last 90 days of the data, as if a user had picked them."""
    import marimo as mo

    first_day, last_day = support.fetch_one(
        warehouse.reporter_database_url,
        "select min(order_date), max(order_date) from marts.mart_executive_dashboard",
    )
    picked = mo.ui.date_range(
        start=first_day, stop=last_day, value=(last_day - timedelta(days=89), last_day)
    )
    return support.run_dashboard(dashboard, warehouse.reporter_database_url, date_range=picked)


def test_kpis_compare_with_the_90_days_before(last_90_days, warehouse):
    outputs, defs = last_90_days
    start, end = defs["date_range"].value
    assert (defs["previous_start"], defs["previous_end"]) == (
        start - timedelta(days=90),
        start - timedelta(days=1),
    )
    url = warehouse.reporter_database_url
    windows = {
        "kpis": (start, end),
        "previous_kpis": (defs["previous_start"], defs["previous_end"]),
    }
    truths = {}
    for name, (first, last) in windows.items():
        expected = _mart_window(url, first, last)
        assert expected["days"] > 0, f"the sample has no orders from {first} to {last}"
        for key, value in expected.items():
            assert defs[name][key] == value, f"{name}[{key!r}] from {first} to {last}"
        # on time and reviews: the counts the dashboard adds up from the mart are the facts'
        truth = truths[name] = _orders_truth(warehouse.admin_url, first, last)
        for key in ("delivered_orders", "on_time_orders", "reviewed_orders", "review_score_sum"):
            assert defs[name][key] == truth[key], f"{name}[{key!r}] from {first} to {last}"
        assert defs[name]["on_time_rate"] == truth["on_time_rate"]
        assert defs[name]["avg_review_score"] == truth["avg_review_score"]

    kpis, previous = defs["kpis"], defs["previous_kpis"]
    cards = defs["kpi_cards"].text
    for shown in (
        format_number(kpis["orders"]),
        format_brl(kpis["gmv"]),
        format_brl(kpis["aov"]),
        _change(kpis["orders"], previous["orders"]),
        _change(kpis["gmv"], previous["gmv"]),
        _change(kpis["aov"], previous["aov"]),
        _change(kpis["new_customers"], previous["new_customers"]),
    ):
        assert _card(shown) in cards, f"the KPI cards do not show {shown}"
    points = format_number((kpis["on_time_rate"] - previous["on_time_rate"]) * 100, 1)
    assert _card(f"{_signed(points)} p.p. vs previous period") in cards
    score = truths["kpis"]["avg_review_score"] - truths["previous_kpis"]["avg_review_score"]
    assert _card(f"{_signed(format_number(score, 2))} vs previous period") in cards
    assert "the 90 days just before" in cards


def test_previous_period_and_change_captions(dashboard):
    assert dashboard.previous_period(date(2018, 3, 1), date(2018, 3, 31)) == (
        date(2018, 1, 29),
        date(2018, 2, 28),
    )
    assert dashboard.previous_period(date(2018, 3, 1), date(2018, 3, 1)) == (
        date(2018, 2, 28),
        date(2018, 2, 28),
    )
    change = dashboard.describe_change
    assert change(110, 100, "percent") == ("+10,0% vs previous period", "increase")
    assert change(Decimal("90.00"), Decimal("120.00"), "percent") == (
        "-25,0% vs previous period",
        "decrease",
    )
    assert change(Decimal("0.9012"), Decimal("0.9234"), "points") == (
        "-2,2 p.p. vs previous period",
        "decrease",
    )
    # a change that rounds to zero shows no arrow (and no minus sign)
    assert change(Decimal("4.101"), Decimal("4.104"), "score") == ("0,00 vs previous period", None)
    assert change(5, 0, "percent") == ("none in the previous period", "increase")
    assert change(5, None, "percent") == ("no previous period in the data", None)


def test_category_and_state_views_match_their_marts(dashboard_run, warehouse):
    _, defs = dashboard_run
    url = warehouse.reporter_database_url
    top = support.fetch_all(
        url,
        """
        select category, sum(gmv) from marts.mart_category_sales
        group by category order by sum(gmv) desc, category limit 10
        """,
    )
    states = support.fetch_all(
        url,
        """
        select customer_state, sum(delivered_orders), sum(on_time_orders)
        from marts.mart_delivery_performance where grain = 'customer_state'
        group by customer_state order by customer_state
        """,
    )
    sales = defs["category_sales"]
    assert list(sales["category"]) == [category for category, _ in top]
    assert [round(Decimal(value), 2) for value in sales["gmv"]] == [gmv for _, gmv in top]
    shown = defs["state_delivery"].sort_values("customer_state")
    assert list(shown["customer_state"]) == [state for state, _, _ in states]
    assert list(shown["delivered_orders"]) == [delivered for _, delivered, _ in states]
    assert list(shown["on_time_orders"]) == [on_time for _, _, on_time in states]
    # every delivered order of the daily mart is in exactly one state
    assert shown["delivered_orders"].sum() == defs["kpis"]["delivered_orders"]


def test_marimo_run_serves_the_dashboard(warehouse: Any) -> None:
    """`marimo run dashboards/executive.py` answers on localhost with the app."""
    status, page = support.marimo_run_front_page(DASHBOARD, warehouse.reporter_database_url)
    assert status == 200
    assert "Marketplace: executive dashboard" in page  # the app title
