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
    import json
    import os
    import subprocess
    import sys

    from psycopg import sql

    relation = sql.Identifier(*table.split("."))
    target = sql.Identifier(column)
    (before,) = admin.execute(
        sql.SQL("select {} from {} order by 1 limit 1").format(target, relation)
    ).fetchone()
    admin.execute(
        sql.SQL("update {} set {} = %s where {} = %s").format(relation, target, target),
        (planted, before),
    )
    env = {**os.environ, "DBT_TARGET_PATH": str(tmp_path)}
    test_name = "assert_no_personal_data_in_core_or_marts"
    command = [sys.executable, "-m", "orchestration", "dbt", "test", "--select", test_name]
    try:
        caught = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        compiled = next((tmp_path / "compiled").rglob(f"{test_name}.sql")).read_text()
        failures = admin.execute(compiled).fetchall()
    finally:
        admin.execute(
            sql.SQL("update {} set {} = %s where {} = %s").format(relation, target, target),
            (before, planted),
        )
    assert caught.returncode == 1, caught.stdout[-3000:]
    results = json.loads((tmp_path / "run_results.json").read_text())["results"]
    assert [r["status"] for r in results] == ["fail"]
    assert [(name, col) for name, col, _ in failures] == [(table, column)]
    clean = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert clean.returncode == 0, clean.stdout[-3000:]
