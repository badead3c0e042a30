"""The marts on the sample: every segment occurs, the reporter can read every mart, and the
privacy and reconciliation tests of the marts fail on a planted defect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from psycopg import sql

from orchestration.database import connect

pytestmark = pytest.mark.integration

MARTS = (
    "mart_executive_dashboard",
    "mart_customer_analytics",
    "mart_cohort_retention",
    "mart_seller_performance",
    "mart_seller_leaderboard",
    "mart_seller_period_totals",
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


@pytest.mark.parametrize("state", [None, "SP"])
def test_top_spenders_are_read_from_the_spend_index_not_sorted(warehouse, state):
    """The customers dashboard's top spenders (overall or in a state) are a top-N read of
    dim_customer's spend indexes through the mart_customer_analytics view. A view PostgreSQL
    cannot flatten (its scores in a CTE did that) sorts every person instead: 0.45 s at a
    million. With sorts priced out, the plan still sorts only if no index can serve it."""
    where = "where customer_state = %(state)s" if state else ""
    query = (
        f"select customer_unique_id, segment, rfm_cell from marts.mart_customer_analytics {where} "
        "order by lifetime_spend desc nulls last, customer_unique_id limit 20"
    )
    with connect("reporter", warehouse) as conn:
        conn.execute("set enable_sort = off")
        plan = "\n".join(row[0] for row in conn.execute("explain " + query, {"state": state}))
    assert "Sort" not in plan and "Index Scan" in plan, plan


@pytest.mark.parametrize("mart", MARTS)
def test_every_mart_is_filled_and_readable_by_the_reporter(warehouse, mart):
    with connect("reporter", warehouse) as conn:
        (rows,) = conn.execute(f"select count(*) from marts.{mart}").fetchone()
    assert rows > 0


@pytest.mark.parametrize(
    ("table", "column", "planted"),
    [
        ("core.dim_customer", "customer_city", "maria.silva@example.com.br"),
        ("core.dim_seller", "seller_city", "ligue (11) 98765-4321"),
    ],
)
def test_privacy_test_catches_unmasked_contact_data(
    warehouse, admin, tmp_path, table, column, planted
):
    """The dbt test that guards core and marts against personal data fails, naming the column,
    when an e-mail address or a phone number is planted there (and passes once it is gone)."""
    relation = sql.Identifier(*table.split("."))
    target = sql.Identifier(column)
    (before,) = admin.execute(
        sql.SQL("select {} from {} order by 1 limit 1").format(target, relation)
    ).fetchone()
    admin.execute(
        sql.SQL("update {} set {} = %s where {} = %s").format(relation, target, target),
        (planted, before),
    )
    test_name = "assert_no_personal_data_in_core_or_marts"
    try:
        caught, failures = _run_dbt_test(admin, tmp_path, test_name)
    finally:
        admin.execute(
            sql.SQL("update {} set {} = %s where {} = %s").format(relation, target, target),
            (before, planted),
        )
    assert caught.returncode == 1, caught.stdout[-3000:]
    results = json.loads((tmp_path / "run_results.json").read_text())["results"]
    assert [r["status"] for r in results] == ["fail"]
    assert [(name, col) for name, col, _ in failures] == [(table, column)]
    clean, _ = _run_dbt_test(admin, tmp_path, test_name)
    assert clean.returncode == 0, clean.stdout[-3000:]


@pytest.mark.parametrize(
    ("test_name", "table", "column", "row_filter", "differs"),
    [
        (
            "assert_executive_marts_reconcile_with_facts",
            "marts.mart_category_sales",
            "gmv",
            "true",
            ["category gmv"],
        ),
        (
            "assert_executive_marts_reconcile_with_facts",
            "marts.mart_executive_dashboard",
            "new_customers",
            "new_customers > 0",
            ["executive new customers"],
        ),
        (
            "assert_customer_marts_reconcile_with_facts",
            "core.dim_customer",
            "lifetime_spend",
            "counted_orders > 0",
            ["customer spend"],
        ),
        (
            "assert_seller_marts_reconcile_with_facts",
            "marts.mart_seller_leaderboard",
            "seller_revenue",
            "period = 'all'",
            ["leaderboard revenue, all time"],
        ),
    ],
)
def test_a_marts_reconciliation_names_the_total_that_left_the_facts(
    warehouse, admin, tmp_path, test_name, table, column, row_filter, differs
):
    """Each family's reconciliation test fails, naming the total, when one row of one of its
    marts is off by a real (and passes on the pipeline's own build, which test_pipeline runs)."""
    relation = sql.Identifier(*table.split("."))
    target = sql.Identifier(column)
    (moved,) = admin.execute(
        sql.SQL(
            "update {} set {} = {} + 1 where ctid = "
            "(select ctid from {} where {} limit 1) returning ctid"
        ).format(relation, target, target, relation, sql.SQL(row_filter)),
    ).fetchone()
    try:
        caught, failures = _run_dbt_test(admin, tmp_path, test_name)
    finally:
        admin.execute(
            sql.SQL("update {} set {} = {} - 1 where ctid = %s").format(relation, target, target),
            (moved,),
        )
    assert caught.returncode == 1, caught.stdout[-3000:]
    results = json.loads((tmp_path / "run_results.json").read_text())["results"]
    assert [r["status"] for r in results] == ["fail"]
    assert [name for name, _, _ in failures] == differs
    assert all(mart - fact == 1 for _, mart, fact in failures)


def _run_dbt_test(admin, target: Path, test_name: str):
    """``python -m orchestration dbt test`` of one test, with its build folder in ``target``:
    the finished process and the rows the test's compiled query returns now."""
    env = {**os.environ, "DBT_TARGET_PATH": str(target)}
    command = [sys.executable, "-m", "orchestration", "dbt", "test", "--select", test_name]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    compiled = next((target / "compiled").rglob(f"{test_name}.sql")).read_text()
    return done, admin.execute(compiled).fetchall()
