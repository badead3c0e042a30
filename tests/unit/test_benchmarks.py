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


def test_slowest_dbt_nodes_come_from_the_runs_own_build(tmp_path):
    import json

    from orchestration.benchmarks.pipeline import slowest_dbt_nodes

    def build(folder: str, times: dict[str, float]) -> None:
        (tmp_path / folder).mkdir()
        results = [{"unique_id": key, "execution_time": value} for key, value in times.items()]
        (tmp_path / folder / "run_results.json").write_text(json.dumps({"results": results}))

    build("olist_dbt_models-abcdef1-0000001", {"model.olist.dim_customer": 9.0})
    build(
        "olist_dbt_models-1234567-0000002",
        {
            "model.olist.dim_customer": 2.5,
            "test.olist.unique_fact_orders_order_id.6a1b": 0.5,
            "model.olist.mart_category_sales": 4.0,
        },
    )
    run_id = "1234567f-0000-0000-0000-000000000000"
    assert slowest_dbt_nodes(run_id, tmp_path) == [
        ("mart_category_sales", 4.0),
        ("dim_customer", 2.5),
        ("unique_fact_orders_order_id", 0.5),
    ]
    assert len(slowest_dbt_nodes(run_id, tmp_path, count=1)) == 1
    assert slowest_dbt_nodes("99999999-aaaa", tmp_path) == []


def test_report_without_the_reference_says_so_and_shows_no_ratio_to_it():
    from orchestration.benchmarks.pipeline import Measured, ScaleResult, render

    result = ScaleResult(orders=10_000_000, rows=56_000_000, megabytes=6000.0, reference_run=False)
    result.full = Measured(seconds=3000.0, peak_mb=400.0, ok=True)
    result.nights = [Measured(seconds=300.0, peak_mb=390.0, ok=True)]
    result.loader_seconds = 80.0
    rows = {line.split(" | ")[0]: line for line in render([result], "cmd").splitlines()}
    assert rows["| reference total"] == "| reference total | not run |"
    assert rows["| full pipeline / reference"] == "| full pipeline / reference | - |"
    assert rows["| loader rows/s vs server COPY rows/s"].endswith("| - |")
    assert rows["| nightly (median night) / full run"].endswith("| 0.100 (target <= 0.15) |")


def test_the_nightly_figure_is_the_median_night_and_every_night_is_shown():
    from orchestration.benchmarks.pipeline import Measured, ScaleResult, render

    result = ScaleResult(orders=1_000_000, rows=5_600_000, megabytes=600.0, reference_run=False)
    result.full = Measured(seconds=150.0, peak_mb=230.0, ok=True)
    result.nights = [
        Measured(seconds=24.0, peak_mb=231.0, ok=True, run_id="a", run_seconds=19.0),
        Measured(seconds=18.0, peak_mb=236.0, ok=True, run_id="b", run_seconds=14.0),
        Measured(seconds=21.0, peak_mb=229.0, ok=True, run_id="c", run_seconds=17.0),
    ]
    result.delta_orders = [10_700, 19_200, 23_000]
    assert result.nightly is result.nights[2]
    rows = {line.split(" | ")[0]: line for line in render([result], "cmd").splitlines()}
    assert rows["| nightly run, delta of 1 % new orders (median night)"].endswith("| 21.0 s |")
    assert rows["|   every night, in order"].endswith("| 24.0 / 18.0 / 21.0 s |")
    # the nightly's "of which the Dagster run" row (after the full run's) is the median's run
    assert rows["|   of which the Dagster run (start to end)"].endswith("| 17.0 s |")
    assert rows["|   order rows of each night's delta (new and changed orders)"].endswith(
        "| 10,700 / 19,200 / 23,000 |"
    )
    assert rows["| nightly (median night) / full run"].endswith("| 0.140 (target <= 0.15) |")
    assert rows["| peak RSS, largest Python process (full / nightly)"].endswith("| 230 / 236 MB |")
    # an even count takes the lower middle night; a failed night marks the figure
    result.nights.append(Measured(seconds=19.0, peak_mb=230.0, ok=False))
    assert result.nightly is result.nights[3]
    rows = {line.split(" | ")[0]: line for line in render([result], "cmd").splitlines()}
    assert rows["| nightly run, delta of 1 % new orders (median night)"].endswith("FAILED |")


def test_a_failed_full_run_leaves_the_night_rows_empty_not_blank():
    from orchestration.benchmarks.pipeline import Measured, ScaleResult, render

    result = ScaleResult(orders=100_000, rows=1_500_000, megabytes=120.0, reference_run=False)
    result.full = Measured(seconds=20.0, peak_mb=230.0, ok=False)
    rows = {line.split(" | ")[0]: line for line in render([result], "cmd").splitlines()}
    assert rows["|   every night, in order"] == "|   every night, in order | - |"
    assert rows["|   order rows of each night's delta (new and changed orders)"].endswith("| - |")
    assert rows["| nightly run, delta of 1 % new orders (median night)"].endswith("| - |")
