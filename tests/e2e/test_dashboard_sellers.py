"""The sellers dashboard runs every cell on the pipeline's output and shows the mart's figures.

As for the executive dashboard, ``app.run()`` executes all cells headlessly and returns their
outputs and definitions. Passing a cell's names in ``defs`` replaces that cell: this is how the
tests set the filters and the seller picker (each the only name of its cell).

Expected values are computed here in Python, not with the app's SQL: from the mart's monthly
counts, which are themselves checked against the order facts (with the on-time rule applied
here to the dates). The mart keeps each monthly rate with the counts it is made of (orders on
time of the delivered ones; the score sum of the reviewed ones), so over several months a rate
is a sum of counts divided: a plain mean of the monthly rates is wrong, and so is a review
score weighted by all orders rather than the reviewed ones. The tests pick the sellers for whom
these differ the most.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import dashboard_support as support
import marimo as mo
import pytest

pytestmark = pytest.mark.integration

DASHBOARD = "sellers"  # the app of the `dashboard` and `dashboard_run` fixtures (conftest.py)

# Rates are ratios of whole counts: the app's (PostgreSQL numeric) and the tests' (float)
# divisions agree far beyond any digit shown.
EXACT = 1e-12
# The mart rounds monthly rates to 4 decimals and scores to 2: a wrong roll-up of those shows
# only when it is off by more than this.
MISLEADING = 1e-3


def _run(url: str, **overrides: Any) -> support.Run:
    return support.run_dashboard(support.load_dashboard(DASHBOARD), url, **overrides)


def _seller(seller_id: str) -> Any:
    """The seller picker set to ``seller_id``."""
    return mo.ui.dropdown(options={seller_id: seller_id}, value=seller_id)


def _period(label: str, period: str, rows: list[dict[str, Any]]) -> Any:
    """The period picker set to ``period``, spanning the months of ``rows``."""
    months = [row["order_month"] for row in rows]
    value = {"period": period, "first_month": min(months), "last_month": max(months)}
    return mo.ui.dropdown(options={label: value}, value=label)


@pytest.fixture(scope="module")
def mart_rows(warehouse: Any) -> list[dict[str, Any]]:
    """The rows of the seller mart, read directly with psycopg."""
    return support.fetch_dicts(
        warehouse.reporter_database_url,
        """
        select seller_id, order_month, seller_state, seller_revenue, items, orders,
               avg_review_score, reviewed_orders, review_score_sum, delivered_orders,
               on_time_orders, on_time_rate, late_shipments
        from marts.mart_seller_performance
        """,
    )


@pytest.fixture(scope="module")
def fact_counts(warehouse: Any) -> dict[tuple[str, dt.date], Counter]:
    """Each seller-month's order counts worked out here from the core facts (as the owner).

    The facts give the items of counted orders and each order's status, dates and the score
    of the review that counts; the month, the distinct orders and the on-time rule (delivered
    date <= estimated date, BUSINESS_RULES.md) are applied here, not taken from the mart.
    """
    rows = support.fetch_all(
        warehouse.admin_url,
        """
        select distinct items.seller_id, items.order_date, items.order_id,
               orders.order_status, orders.delivered_customer_at,
               orders.estimated_delivery_date, orders.review_score
        from core.fact_order_items as items
        join core.fact_orders as orders on orders.order_id = items.order_id
        where items.is_counted
        """,
    )
    counts: dict[tuple[str, dt.date], Counter] = defaultdict(Counter)
    for seller_id, order_date, _, status, delivered_at, estimated, score in rows:
        month = counts[(seller_id, order_date.replace(day=1))]
        month["orders"] += 1
        if status == "delivered" and delivered_at is not None:
            month["delivered_orders"] += 1
            if estimated is not None and delivered_at.date() <= estimated:
                month["on_time_orders"] += 1
        if score is not None:
            month["reviewed_orders"] += 1
            month["review_score_sum"] += score
    return counts


def _per_seller(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each seller's figures over the given monthly rows: sums of counts, and rates divided.

    Also the two wrong roll-ups the rates must not be: the mean of the monthly on-time rates,
    and monthly review scores weighted by all orders (reviewed or not).
    """
    months: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        months[row["seller_id"]].append(row)
    sellers = {}
    for seller_id, seller_rows in months.items():
        delivered = sum(row["delivered_orders"] for row in seller_rows)
        on_time = sum(row["on_time_orders"] for row in seller_rows)
        reviewed = sum(row["reviewed_orders"] for row in seller_rows)
        score_sum = sum(row["review_score_sum"] for row in seller_rows)
        rated = [row for row in seller_rows if row["on_time_rate"] is not None]
        scored = [row for row in seller_rows if row["avg_review_score"] is not None]
        sellers[seller_id] = {
            "seller_revenue": sum(row["seller_revenue"] for row in seller_rows),
            "items": sum(row["items"] for row in seller_rows),
            "orders": sum(row["orders"] for row in seller_rows),
            "delivered_orders": delivered,
            "late_shipments": sum(row["late_shipments"] for row in seller_rows),
            "on_time_rate": on_time / delivered if delivered else None,
            "mean_of_rates": (
                sum(float(row["on_time_rate"]) for row in rated) / len(rated) if rated else None
            ),
            "avg_review_score": score_sum / reviewed if reviewed else None,
            "score_weighted_by_orders": (
                sum(float(row["avg_review_score"]) * row["orders"] for row in scored)
                / sum(row["orders"] for row in scored)
                if scored
                else None
            ),
            "months": len(seller_rows),
        }
    return sellers


def _approx(value: Any) -> Any:
    return None if value is None else pytest.approx(value, rel=EXACT, abs=EXACT)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _assert_scorecard(scorecard: Mapping[str, Any], expected: Mapping[str, Any]) -> None:
    assert scorecard["seller_revenue"] == expected["seller_revenue"]  # Decimal: to the cent
    assert scorecard["items"] == expected["items"]
    assert scorecard["orders"] == expected["orders"]
    assert scorecard["delivered_orders"] == expected["delivered_orders"]
    assert scorecard["late_shipments"] == expected["late_shipments"]
    assert _float(scorecard["on_time_rate"]) == _approx(expected["on_time_rate"])
    assert _float(scorecard["avg_review_score"]) == _approx(expected["avg_review_score"])


def _top_seller(sellers: Mapping[str, Mapping[str, Any]]) -> str:
    """Most revenue first; the seller id breaks ties, as on the leaderboard."""
    return min(sellers, key=lambda seller_id: (-sellers[seller_id]["seller_revenue"], seller_id))


def test_all_cells_run_without_error(dashboard_run):
    _, defs = dashboard_run  # getting here means no cell raised
    support.assert_ran_without_a_message(
        dashboard_run,
        (
            "period_picker",
            "state_filter",
            "leaderboard",
            "leaderboard_table",
            "top_chart",
            "seller_picker",
            "seller_search",
            "scorecard",
            "seller_months",
            "trend_chart",
        ),
    )
    assert not defs["leaderboard"].empty
    assert not defs["seller_months"].empty


def test_mart_counts_agree_with_the_facts(mart_rows, fact_counts):
    """The counts the dashboard divides are the facts' counts, seller by seller, month by month."""
    names = ("orders", "delivered_orders", "on_time_orders", "reviewed_orders", "review_score_sum")
    mart = {
        (row["seller_id"], row["order_month"]): {name: row[name] for name in names}
        for row in mart_rows
    }
    facts = {key: {name: counts[name] for name in names} for key, counts in fact_counts.items()}
    differing = sorted(key for key in mart.keys() | facts.keys() if mart.get(key) != facts.get(key))
    assert not differing, [(key, mart.get(key), facts.get(key)) for key in differing[:5]]
    assert sum(row["reviewed_orders"] for row in mart_rows) < sum(
        row["orders"] for row in mart_rows
    ), "every order of the sample has a review: the review weighting is not exercised"


def test_leaderboard_matches_the_mart(dashboard_run, mart_rows):
    _, defs = dashboard_run
    sellers = _per_seller(mart_rows)
    leaderboard = defs["leaderboard"]
    # The page opens on the whole history, every state.
    assert defs["period_picker"].selected_key == "All time"
    assert defs["filters"]["period"] == "all"
    assert defs["filters"]["first_month"] == min(row["order_month"] for row in mart_rows)
    assert defs["filters"]["last_month"] == max(row["order_month"] for row in mart_rows)
    assert len(sellers) < defs["leaderboard_size"], "the sample has more sellers than listed"

    assert set(leaderboard["seller_id"]) == set(sellers)
    assert len(leaderboard) == len(sellers)
    top = _top_seller(sellers)
    assert leaderboard.at[0, "seller_id"] == top
    assert leaderboard.at[0, "revenue_rank"] == 1
    assert leaderboard.at[0, "seller_revenue"] == sellers[top]["seller_revenue"]
    assert list(leaderboard["revenue_rank"]) == list(range(1, len(sellers) + 1))
    revenues = list(leaderboard["seller_revenue"])
    assert revenues == sorted(revenues, reverse=True)
    assert sum(revenues) == sum(row["seller_revenue"] for row in mart_rows)
    # Every row agrees with the mart, not only the top one.
    for row in leaderboard.itertuples():
        expected = sellers[row.seller_id]
        assert row.items == expected["items"], row.seller_id
        assert row.late_shipments == expected["late_shipments"], row.seller_id
        assert row.delivered_orders == expected["delivered_orders"], row.seller_id
        assert _float(row.on_time_rate) == _approx(expected["on_time_rate"]), row.seller_id
        assert _float(row.avg_review_score) == _approx(expected["avg_review_score"]), row.seller_id
    # The marketplace figures the cards compare with: all counts summed, then divided.
    marketplace = defs["marketplace"]
    assert marketplace["sellers"] == len(sellers)
    assert marketplace["seller_revenue"] == sum(row["seller_revenue"] for row in mart_rows)
    delivered = sum(row["delivered_orders"] for row in mart_rows)
    reviewed = sum(row["reviewed_orders"] for row in mart_rows)
    assert float(marketplace["on_time_rate"]) == _approx(
        sum(row["on_time_orders"] for row in mart_rows) / delivered
    )
    assert float(marketplace["avg_review_score"]) == _approx(
        sum(row["review_score_sum"] for row in mart_rows) / reviewed
    )


def test_scorecard_starts_on_the_top_seller(dashboard_run, mart_rows):
    _, defs = dashboard_run
    sellers = _per_seller(mart_rows)
    top = _top_seller(sellers)
    assert defs["seller_picker"].value == top
    _assert_scorecard(defs["scorecard"], sellers[top])
    assert len(defs["seller_months"]) == sellers[top]["months"]


def test_scorecard_weights_monthly_rates_by_orders(warehouse, mart_rows):
    """For the seller whose monthly rates mislead the most, the card shows the weighted rate."""
    sellers = _per_seller(mart_rows)
    candidates = {
        seller_id: figures
        for seller_id, figures in sellers.items()
        if figures["on_time_rate"] is not None and figures["months"] > 1
    }
    chosen = max(
        sorted(candidates),
        key=lambda seller_id: abs(
            candidates[seller_id]["mean_of_rates"] - candidates[seller_id]["on_time_rate"]
        ),
    )
    expected = sellers[chosen]
    outputs, defs = _run(warehouse.reporter_database_url, seller_picker=_seller(chosen))
    assert support.callouts(outputs) == []
    _assert_scorecard(defs["scorecard"], expected)
    if abs(expected["mean_of_rates"] - expected["on_time_rate"]) > MISLEADING:
        assert float(defs["scorecard"]["on_time_rate"]) != pytest.approx(
            expected["mean_of_rates"], abs=MISLEADING / 2
        )
    # The trend has one point per month the seller sold in, with the mart's monthly figures.
    trend = defs["seller_months"]
    assert len(trend) == expected["months"]
    assert trend["items"].sum() == expected["items"]


def test_scorecard_averages_the_reviewed_orders_only(warehouse, mart_rows):
    """For the seller whose unreviewed orders would tilt the score the most, the card shows
    the average over the reviewed orders, not monthly scores weighted by all orders."""
    sellers = _per_seller(mart_rows)
    candidates = {
        seller_id: figures
        for seller_id, figures in sellers.items()
        if figures["avg_review_score"] is not None
    }
    chosen = max(
        sorted(candidates),
        key=lambda seller_id: abs(
            candidates[seller_id]["score_weighted_by_orders"]
            - candidates[seller_id]["avg_review_score"]
        ),
    )
    expected = sellers[chosen]
    outputs, defs = _run(warehouse.reporter_database_url, seller_picker=_seller(chosen))
    assert support.callouts(outputs) == []
    _assert_scorecard(defs["scorecard"], expected)
    if abs(expected["score_weighted_by_orders"] - expected["avg_review_score"]) > MISLEADING:
        assert float(defs["scorecard"]["avg_review_score"]) != pytest.approx(
            expected["score_weighted_by_orders"], abs=MISLEADING / 2
        )


def test_periods_are_quarters_years_and_the_whole_history(dashboard_run, mart_rows):
    """The picker offers every quarter and year with a sale, newest first, after the whole
    history, each spanning its months."""
    _, defs = dashboard_run
    periods = defs["periods"]
    months = sorted({row["order_month"] for row in mart_rows})
    years = sorted({month.year for month in months}, reverse=True)
    quarters = sorted({(month.year, (month.month - 1) // 3 + 1) for month in months}, reverse=True)
    assert list(periods) == [
        "All time",
        *(str(year) for year in years),
        *(f"Q{quarter} {year}" for year, quarter in quarters),
    ]
    assert periods["All time"]["first_month"] == months[0]
    assert periods["All time"]["last_month"] == months[-1]
    year = years[-1]
    assert periods[str(year)]["period"] == str(year)
    assert periods[str(year)]["first_month"] == min(m for m in months if m.year == year)
    assert periods[str(year)]["last_month"] == max(m for m in months if m.year == year)


def test_the_leaderboard_lists_the_top_sellers_against_all_of_them(warehouse, mart_rows):
    """With more sellers than it lists, the board is the best ones by revenue, ranked from 1;
    the scorecard still compares with every seller and ranks among all of them."""
    sellers = _per_seller(mart_rows)
    listed = 10
    assert len(sellers) > listed
    outputs, defs = _run(warehouse.reporter_database_url, leaderboard_size=listed)
    assert support.callouts(outputs) == []
    ranked = sorted(
        sellers, key=lambda seller_id: (-sellers[seller_id]["seller_revenue"], seller_id)
    )
    leaderboard = defs["leaderboard"]
    assert list(leaderboard["seller_id"]) == ranked[:listed]
    assert list(leaderboard["revenue_rank"]) == list(range(1, listed + 1))
    assert defs["marketplace"]["sellers"] == len(sellers)
    assert defs["marketplace"]["seller_revenue"] == sum(row["seller_revenue"] for row in mart_rows)
    assert f"of {len(sellers)} sellers with a sale" in " ".join(support.output_texts(outputs))


def test_any_seller_can_be_looked_up_beyond_the_leaderboard(warehouse, mart_rows):
    """A seller typed in the box who is not on the board gets a scorecard with their rank
    among every seller of the period."""
    sellers = _per_seller(mart_rows)
    ranked = sorted(
        sellers, key=lambda seller_id: (-sellers[seller_id]["seller_revenue"], seller_id)
    )
    listed, wanted = 10, 15
    chosen = ranked[wanted - 1]
    outputs, defs = _run(
        warehouse.reporter_database_url,
        leaderboard_size=listed,
        seller_search=mo.ui.text(value=f"  {chosen} "),
    )
    assert support.callouts(outputs) == []
    assert chosen not in set(defs["leaderboard"]["seller_id"])
    scorecard = defs["scorecard"]
    assert scorecard["seller_id"] == chosen
    assert scorecard["revenue_rank"] == wanted
    _assert_scorecard(scorecard, sellers[chosen])
    assert len(defs["seller_months"]) == sellers[chosen]["months"]
    assert f"rank {wanted} of {len(sellers)}" in " ".join(support.output_texts(outputs))


def test_filters_narrow_the_leaderboard(warehouse, mart_rows):
    """A reader picks one state and a quarter: the board and the scorecard follow."""
    first, last = dt.date(2018, 1, 1), dt.date(2018, 3, 1)
    chosen_rows = [
        row
        for row in mart_rows
        if row["seller_state"] == "SP" and first <= row["order_month"] <= last
    ]
    assert chosen_rows, "the sample has no sales by SP sellers in the first quarter of 2018"
    sellers = _per_seller(chosen_rows)
    quarter_rows = [row for row in mart_rows if first <= row["order_month"] <= last]
    outputs, defs = _run(
        warehouse.reporter_database_url,
        period_picker=_period("Q1 2018", "2018-Q1", quarter_rows),
        state_filter=mo.ui.multiselect(options=["SP"], value=["SP"]),
    )
    assert support.callouts(outputs) == []
    leaderboard = defs["leaderboard"]
    assert set(leaderboard["seller_id"]) == set(sellers)
    assert set(leaderboard["seller_state"]) == {"SP"}
    top = _top_seller(sellers)
    assert leaderboard.at[0, "seller_id"] == top
    assert defs["seller_picker"].value == top
    _assert_scorecard(defs["scorecard"], sellers[top])
    assert len(defs["seller_months"]) == sellers[top]["months"]
    assert defs["marketplace"]["seller_revenue"] == sum(
        row["seller_revenue"] for row in chosen_rows
    )
    assert defs["marketplace"]["sellers"] == len(sellers)


def test_empty_or_reversed_filters_show_a_message(warehouse):
    """No traceback: a callout says what is wrong and the dependent cells do not run."""
    support.assert_filters_stop_with_a_message(
        "sellers",
        warehouse.reporter_database_url,
        nothing_to_show=(
            "leaderboard_table",
            "top_chart",
            "seller_picker",
            "scorecard",
            "trend_chart",
        ),
        reversed_months=None,  # a period, not two months: it cannot be the wrong way round
    )


@pytest.mark.parametrize("how", ["picked", "typed"])
def test_a_seller_outside_the_filters_gets_a_message(warehouse, mart_rows, how):
    """A seller id with no sales in the chosen period stops the scorecard with a callout."""
    chooser = (
        {"seller_picker": _seller("no-such-seller")}
        if how == "picked"
        else {"seller_search": mo.ui.text(value="no-such-seller")}
    )
    outputs, defs = _run(warehouse.reporter_database_url, **chooser)
    messages = support.callouts(outputs)
    assert len(messages) == 1 and "No sales for this seller" in messages[0]
    assert "no-such-seller" in messages[0]
    assert "scorecard" not in defs
    assert "leaderboard_table" in defs  # the rest of the page still shows
