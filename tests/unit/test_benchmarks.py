"""The benchmark commands' own arithmetic and discovery (their figures go into issue notes)."""

from __future__ import annotations

import pytest

from orchestration.apps import dashboard_apps
from orchestration.benchmarks.dashboards import QueryTiming, percentile, render


def test_percentiles_interpolate_between_ranks():
    values = [10.0, 20.0, 30.0, 40.0, 50.0]
    assert percentile(values, 0.5) == 30.0
    assert percentile(values, 0.95) == pytest.approx(48.0)
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([5.0, 1.0], 0.5) == 3.0  # unsorted input


def test_every_dashboard_app_is_served_and_benchmarked_and_no_helper_is():
    names = [path.stem for path in dashboard_apps()]
    assert names == ["customers", "delivery", "executive", "quality", "sellers"]


def test_report_marks_queries_over_the_target():
    timings = [
        QueryTiming("executive", "q1 marts.mart_executive_dashboard", 10, 5.0, 8.0, 20),
        QueryTiming("customers", "q2 marts.mart_customer_analytics", 6, 150.0, 250.0, 20),
    ]
    table = render(timings, target_ms=200)
    assert "| 8.0 |" in table and "250.0 (over target)" in table
    assert "slowest p95: 250.0 ms (customers q2" in table
