"""The marts on the sample: every segment occurs, and the reporter can read every mart."""

from __future__ import annotations

import pytest

from orchestration.database import connect

pytestmark = pytest.mark.integration

MARTS = (
    "mart_executive_dashboard",
    "mart_customer_analytics",
    "mart_cohort_retention",
    "mart_seller_performance",
    "mart_delivery_performance",
    "mart_category_sales",
)


def test_every_segment_occurs_in_customer_analytics(warehouse):
    with connect("reporter", warehouse) as conn:
        segments = dict(
            conn.execute(
                "select segment, count(*) from marts.mart_customer_analytics group by segment"
            ).fetchall()
        )
    assert set(segments) == {"CHURNED", "VIP", "LOYAL", "REGULAR", "NEW", "ONE_TIME"}


@pytest.mark.parametrize("mart", MARTS)
def test_every_mart_is_filled_and_readable_by_the_reporter(warehouse, mart):
    with connect("reporter", warehouse) as conn:
        (rows,) = conn.execute(f"select count(*) from marts.{mart}").fetchone()
    assert rows > 0
