"""The customers dashboard runs every cell on the pipeline's output and shows the marts' figures.

As for the executive dashboard, ``app.run()`` executes every cell headlessly and returns the
cells' outputs and definitions; a cell stopped with ``mo.stop`` leaves its callout among the
outputs. Passing ``defs`` replaces the cells that define those names, which is how these tests
pick filters and type into the customer search without a browser.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import dashboard_support as support
import marimo as mo
import pytest

pytestmark = pytest.mark.integration

DASHBOARD = "customers"  # the app of the `dashboard` and `dashboard_run` fixtures (conftest.py)

UNKNOWN_ID = "00000000000000000000000000000000"


def _run(dashboard: ModuleType, warehouse: Any, **defs: Any) -> support.Run:
    return support.run_dashboard(dashboard, warehouse.reporter_database_url, **defs)


def test_all_cells_run_without_error(dashboard_run):
    outputs, defs = dashboard_run  # getting here means no cell raised
    support.assert_ran_without_a_message(
        dashboard_run,
        (
            "state_filter",
            "segment_filter",
            "segment_summary",
            "kpis",
            "kpi_cards",
            "segment_chart",
            "rfm_scores",
            "rfm_chart",
            "top_customers_table",
            "cohort_retention",
            "retention_chart",
            "customer_search",
        ),
    )
    # Nothing typed in the search: a hint, no profile and no error.
    assert defs["customer_search"].value == ""
    assert "profile_cards" not in defs
    assert any("Type or paste a customer id" in text for text in support.output_texts(outputs))


def test_segment_sizes_and_kpis_match_the_mart(dashboard_run, dashboard, warehouse):
    _, defs = dashboard_run
    url = warehouse.reporter_database_url
    expected = dict(
        support.fetch_all(
            url, "select segment, count(*) from marts.mart_customer_analytics group by segment"
        )
    )
    assert sum(expected.values()) > 0, "the sample run built no customers"
    summary = defs["segment_summary"]
    assert dict(zip(summary["segment"], summary["customers"], strict=True)) == expected
    # Segments are listed in the order their rules are tried.
    assert list(summary["segment"]) == [s for s in dashboard.SEGMENT_ORDER if s in expected]

    ((total, buying, spend),) = support.fetch_all(
        url,
        """
        select count(*), count(*) filter (where counted_orders > 0), sum(lifetime_spend)
        from marts.mart_customer_analytics
        """,
    )
    assert defs["kpis"]["customers"] == total
    assert defs["kpis"]["buying_customers"] == buying
    assert defs["kpis"]["spend"] == spend  # to the cent
    shown = dashboard.format_number(total)
    assert f"&quot;{shown}&quot;" in defs["kpi_cards"].text, f"KPI card does not show {shown}"


def test_filters_are_query_parameters(dashboard, warehouse):
    url = warehouse.reporter_database_url
    ((state, segment),) = support.fetch_all(
        url,
        """
        select customer_state, segment from marts.mart_customer_analytics
        where customer_state is not null
        group by customer_state, segment order by count(*) desc limit 1
        """,
    )
    ((expected,),) = support.fetch_all(
        url,
        """
        select count(*) from marts.mart_customer_analytics
        where customer_state = %(state)s and segment = %(segment)s
        """,
        {"state": state, "segment": segment},
    )
    outputs, defs = _run(
        dashboard,
        warehouse,
        filters={"state": state, "segment": segment},
        filter_text=f"state {state} and segment {segment}",
    )
    assert support.callouts(outputs) == []
    assert defs["kpis"]["customers"] == expected
    assert list(defs["segment_summary"]["segment"]) == [segment]
    assert set(defs["top_customers"]["customer_state"]) == {state}
    # the cohort section ignores the filters: it covers every customer
    assert len(defs["cohort_retention"]) == len(
        support.fetch_all(
            url, "select 1 from marts.mart_cohort_retention where months_since_first_order > 0"
        )
    )

    # A value that matches nothing, even one shaped like SQL, is data: the page says so.
    outputs, defs = _run(
        dashboard,
        warehouse,
        filters={"state": "SP' or '1'='1", "segment": None},
        filter_text="an impossible state",
    )
    warnings = support.callouts(outputs, "warn")
    assert any("No customers for these filters" in text for text in warnings), warnings
    assert "kpis" not in defs and "rfm_chart" not in defs
    assert "retention_chart" in defs  # independent of the filters


def test_cohort_retention_is_the_marts(dashboard_run, warehouse):
    _, defs = dashboard_run
    rows = support.fetch_all(
        warehouse.reporter_database_url,
        """
        select cohort_month, months_since_first_order, retention_rate
        from marts.mart_cohort_retention
        where months_since_first_order > 0
        order by cohort_month, months_since_first_order
        """,
    )
    assert rows, "the sample spans a single month: no retention to show"
    shown = defs["cohort_retention"]
    assert (
        list(
            zip(
                shown["cohort_month"],
                shown["months_since_first_order"],
                shown["retention_rate"],
                strict=True,
            )
        )
        == rows
    )


def test_customer_search_shows_the_profile(dashboard, warehouse):
    url = warehouse.reporter_database_url
    ((customer_id, segment, spend, orders),) = support.fetch_all(
        url,
        """
        select customer_unique_id, segment, lifetime_spend, counted_orders
        from marts.mart_customer_analytics
        order by lifetime_spend desc nulls last, customer_unique_id
        limit 1
        """,
    )
    profile = dashboard.customer_profile(customer_id, url)
    assert len(profile) == 1
    assert profile.at[0, "segment"] == segment and profile.at[0, "lifetime_spend"] == spend

    # Typed into the page, with the stray spaces of a paste.
    outputs, defs = _run(dashboard, warehouse, customer_search=mo.ui.text(value=f" {customer_id} "))
    assert support.callouts(outputs) == []
    assert defs["profile"].at[0, "customer_unique_id"] == customer_id
    assert defs["profile"].at[0, "counted_orders"] == orders
    cards = defs["profile_cards"].text
    assert customer_id in cards
    assert f"&quot;{segment}&quot;" in cards
    assert dashboard.format_number(spend, 2) in cards  # the R$ sign is HTML-escaped in there


def test_unknown_customer_says_so(dashboard, warehouse):
    assert dashboard.customer_profile(UNKNOWN_ID, warehouse.reporter_database_url).empty
    outputs, defs = _run(dashboard, warehouse, customer_search=mo.ui.text(value=UNKNOWN_ID))
    warnings = support.callouts(outputs, "warn")
    assert len(warnings) == 1 and "No such customer" in warnings[0], warnings
    assert UNKNOWN_ID in warnings[0]
    assert "profile_cards" not in defs
    assert "kpi_cards" in defs  # the rest of the page still shows


def test_marimo_run_serves_the_dashboard(warehouse: Any) -> None:
    """`marimo run dashboards/customers.py` answers on localhost with the app."""
    status, page = support.marimo_run_front_page(DASHBOARD, warehouse.reporter_database_url)
    assert status == 200
    assert "Marketplace: customers dashboard" in page  # the app title
