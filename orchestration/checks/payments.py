"""The payments reconciliation's query, free of Dagster: the Great Expectations worker
(``gx_process.py``) can run it ahead of its check, beside the dbt build."""

from __future__ import annotations

import psycopg


def payments_mismatches(conninfo: str, examples: int) -> tuple[int, int, list[str]]:
    """Counted orders with items, those whose payments and order value differ by more than
    R$ 1.00, and the first ``examples`` of those (by order id)."""
    with psycopg.connect(conninfo) as conn:
        total, failing, found = conn.execute(
            "select count(*), count(*) filter (where mismatch), "
            "(array_agg(order_id || ': paid ' || payment_value || ', value ' || order_value "
            "order by order_id) filter (where mismatch))[1:%s] "
            "from (select order_id, payment_value, order_value, "
            "abs(payment_value - order_value) > 1.00 as mismatch "
            "from core.fact_orders where is_counted and items > 0) as orders",
            (examples,),
        ).fetchone()
    return total, failing, list(found or [])
