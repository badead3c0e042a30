"""The delivery dashboard runs every cell on the pipeline's output and shows the mart's figures.

As for the executive dashboard, ``app.run()`` executes all cells headlessly and returns their
outputs and definitions. Passing a cell's names in ``defs`` replaces that cell: this is how the
tests set the filters (each filter is the only name of its cell) to what a reader would pick.

Expected values are computed here in Python from the mart's rows, not with the app's SQL, so
that a wrong roll-up in the app (say, averaging monthly rates instead of weighting them by the
orders behind them) shows up as a difference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import dashboard_support as support
import marimo as mo
import pytest

pytestmark = pytest.mark.integration

DASHBOARD = "delivery"  # the app of the `dashboard` and `dashboard_run` fixtures (conftest.py)


def _run(url: str, **filters: Any) -> support.Run:
    return support.run_dashboard(support.load_dashboard(DASHBOARD), url, **filters)


@pytest.fixture(scope="module")
def mart_rows(warehouse: Any) -> list[dict[str, Any]]:
    """The customer-state rows of the delivery mart, read directly with psycopg."""
    return support.fetch_dicts(
        warehouse.reporter_database_url,
        """
        select order_month, customer_state, delivered_orders, on_time_orders,
               total_delivery_days, total_days_late, on_time_rate
        from marts.mart_delivery_performance
        where grain = 'customer_state'
        """,
    )


def _expected(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """KPIs over some rows: every delivered order weighs the same, whatever its month."""
    rows = list(rows)
    delivered = sum(row["delivered_orders"] for row in rows)
    on_time = sum(row["on_time_orders"] for row in rows)
    return {
        "delivered_orders": delivered,
        "on_time_orders": on_time,
        "on_time_rate": on_time / delivered,
        "avg_delivery_days": float(sum(row["total_delivery_days"] for row in rows)) / delivered,
        "avg_days_late": sum(row["total_days_late"] for row in rows) / delivered,
        # What a careless roll-up would show: the plain mean of the monthly, per-state rates.
        "mean_of_rates": float(sum(row["on_time_rate"] for row in rows)) / len(rows),
    }


def _assert_kpis(kpis: Mapping[str, Any], expected: Mapping[str, Any]) -> None:
    assert kpis["delivered_orders"] == expected["delivered_orders"]
    assert kpis["on_time_orders"] == expected["on_time_orders"]
    assert kpis["late_orders"] == expected["delivered_orders"] - expected["on_time_orders"]
    assert float(kpis["on_time_rate"]) == pytest.approx(expected["on_time_rate"], rel=1e-12)
    assert float(kpis["avg_delivery_days"]) == pytest.approx(
        expected["avg_delivery_days"], rel=1e-12
    )
    assert float(kpis["avg_days_late"]) == pytest.approx(expected["avg_days_late"], rel=1e-12)


def test_all_cells_run_without_error(dashboard_run):
    _, defs = dashboard_run  # getting here means no cell raised
    support.assert_ran_without_a_message(
        dashboard_run,
        (
            "month_from",
            "month_to",
            "state_filter",
            "kpis",
            "by_state",
            "state_months",
            "state_chart",
            "state_month_chart",
            "late_trend",
            "late_chart",
            "lanes",
            "lanes_table",
            "lanes_chart",
        ),
    )
    for frame in ("by_state", "state_months", "late_trend", "lanes"):
        assert not defs[frame].empty, f"{frame} is empty"


def test_filters_default_to_every_month_and_state(dashboard_run, mart_rows):
    _, defs = dashboard_run
    assert defs["month_from"].value == min(row["order_month"] for row in mart_rows)
    assert defs["month_to"].value == max(row["order_month"] for row in mart_rows)
    assert list(defs["state_filter"].value) == []
    assert set(defs["by_state"]["customer_state"]) == {row["customer_state"] for row in mart_rows}


def test_kpis_match_the_mart(dashboard_run, mart_rows):
    _, defs = dashboard_run
    expected = _expected(mart_rows)
    assert expected["delivered_orders"] > 0, "the sample run delivered no orders"
    _assert_kpis(defs["kpis"], expected)
    # The breakdowns add up to the cards.
    assert defs["by_state"]["delivered_orders"].sum() == expected["delivered_orders"]
    assert defs["late_trend"]["delivered_orders"].sum() == expected["delivered_orders"]
    assert defs["late_trend"]["late_orders"].sum() == (
        expected["delivered_orders"] - expected["on_time_orders"]
    )


def test_on_time_rate_is_weighted_by_orders_not_averaged_over_months(dashboard_run, mart_rows):
    _, defs = dashboard_run
    expected = _expected(mart_rows)
    shown = float(defs["kpis"]["on_time_rate"])
    assert shown == pytest.approx(expected["on_time_rate"], rel=1e-12)
    if abs(expected["mean_of_rates"] - expected["on_time_rate"]) > 1e-4:
        assert shown != pytest.approx(expected["mean_of_rates"], abs=1e-5)


def test_filters_narrow_every_figure(warehouse, mart_rows):
    """A reader picks two states and one year: cards, breakdowns and lanes follow."""
    states = ["RJ", "SP"]
    first, last = dt.date(2017, 1, 1), dt.date(2017, 12, 1)
    chosen = [
        row
        for row in mart_rows
        if row["customer_state"] in states and first <= row["order_month"] <= last
    ]
    assert chosen, "the sample has no 2017 deliveries to RJ or SP"
    outputs, defs = _run(
        warehouse.reporter_database_url,
        month_from=support.month_choice(first),
        month_to=support.month_choice(last),
        state_filter=mo.ui.multiselect(options=sorted(states), value=states),
        min_lane_orders=mo.ui.number(start=1, value=1),
    )
    assert support.callouts(outputs) == []
    expected = _expected(chosen)
    _assert_kpis(defs["kpis"], expected)
    assert set(defs["by_state"]["customer_state"]) == set(states)
    assert set(defs["state_months"]["customer_state"]) <= set(states)
    months = {stamp.date() for stamp in defs["late_trend"]["order_month"]}
    assert months == {row["order_month"] for row in chosen}
    # With no minimum, the lanes carry exactly the orders of the cards (the other grain).
    assert set(defs["lanes"]["customer_state"]) <= set(states)
    assert defs["lanes"]["delivered_orders"].sum() == expected["delivered_orders"]


def test_empty_or_reversed_filters_show_a_message(warehouse):
    """No traceback: a callout says what is wrong and the dependent cells do not run."""
    support.assert_filters_stop_with_a_message(
        "delivery",
        warehouse.reporter_database_url,
        nothing_to_show=("by_state", "state_chart", "late_chart", "lanes", "lanes_chart"),
        reversed_months="kpis",
    )
