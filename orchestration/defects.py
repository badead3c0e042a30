"""Plant known defects into generated files, so tests can prove each is caught by its check.

Every defect is small, deterministic and recorded: ``plant`` returns what it planted (keys,
counts), and ``EXPECTED_CHECKS`` says which check must catch it. Defects are planted so that one
does not hide another (new rows rather than edits where an edit would cascade).
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

# defect -> (asset key of the check, check name, severity)
EXPECTED_CHECKS: dict[str, tuple[str, str, str]] = {
    "null_key": ("raw/olist_orders", "rows_valid", "WARN"),
    "unknown_status": ("raw/olist_orders", "rows_valid", "WARN"),
    "review_score_7": ("raw/olist_order_reviews", "rows_valid", "WARN"),
    "duplicate_key": ("raw/olist_orders", "unique_key_in_batch", "ERROR"),
    "orphan_item": ("staging/stg_olist__order_items", "items_have_orders", "ERROR"),
    "negative_price": ("core/fact_order_items", "ge_fact_order_items_error", "ERROR"),
    "delivery_before_purchase": ("core/fact_orders", "ge_fact_orders_warn", "WARN"),
    "payment_mismatch": ("core/fact_orders", "payments_reconcile", "WARN"),
}
DEFECTS = tuple(EXPECTED_CHECKS)

ORDERS = "olist_orders_dataset.csv"
ITEMS = "olist_order_items_dataset.csv"
PAYMENTS = "olist_order_payments_dataset.csv"
REVIEWS = "olist_order_reviews_dataset.csv"


def _read(path: Path) -> tuple[str, list[list[str]]]:
    text = path.read_text(encoding="utf-8")
    header, _, body = text.partition("\n")
    return header, list(csv.reader(io.StringIO(body)))


def _write(path: Path, header: str, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    path.write_text(header + "\n" + buffer.getvalue(), encoding="utf-8")


def plant(folder: Path, defects: tuple[str, ...] = DEFECTS, seed: int = 7) -> dict[str, list]:
    """Plant the named defects into the files in ``folder``; returns the keys affected."""
    unknown = set(defects) - set(DEFECTS)
    if unknown:
        raise ValueError(f"unknown defect(s) {sorted(unknown)}; known: {', '.join(DEFECTS)}")
    rng = random.Random(seed)
    planted: dict[str, list] = {}
    header, orders = _read(folder / ORDERS)
    items_header, items = _read(folder / ITEMS)
    payments_header, payments = _read(folder / PAYMENTS)
    reviews_header, reviews = _read(folder / REVIEWS)
    items_by_order = {row[0] for row in items}
    template = next(row for row in orders if row[2] == "delivered")

    def new_order(order_id: str, status: str) -> list[str]:
        return [order_id, template[1], status, *template[3:]]

    if "null_key" in defects:
        orders.append(new_order("", "delivered"))
        planted["null_key"] = [""]
    if "unknown_status" in defects:
        orders.append(new_order("f" * 31 + "1", "lost_in_transit"))
        planted["unknown_status"] = ["f" * 31 + "1"]
    if "duplicate_key" in defects:
        row = rng.choice(orders)
        orders.append(list(row))
        planted["duplicate_key"] = [row[0]]
    if "delivery_before_purchase" in defects:
        row = next(r for r in orders if r[2] == "delivered" and r[6] and r[0] in items_by_order)
        row[6] = "2016-01-01 00:00:00"  # delivered before anything was bought
        planted["delivery_before_purchase"] = [row[0]]
    if "orphan_item" in defects:
        orphan = "e" * 31 + "1"
        items.append(
            [orphan, "1", items[0][2], items[0][3], "2018-01-05 10:00:00", "10.00", "5.00"]
        )
        planted["orphan_item"] = [orphan]
    if "negative_price" in defects:
        # an item whose order keeps a value of at least zero (price + freight of its items),
        # so that the order-level checks do not fail with it
        totals: dict[str, float] = {}
        for item in items:
            totals[item[0]] = totals.get(item[0], 0.0) + float(item[5]) + float(item[6])
        row = rng.choice([r for r in items if totals[r[0]] - float(r[5]) - 15 >= 0])
        row[5] = "-15.00"
        planted["negative_price"] = [f"{row[0]}/{row[1]}"]
    if "payment_mismatch" in defects:
        # 2% of orders with one payment: enough to break the 99% reconciliation rule
        single = {}
        for row in payments:
            single[row[0]] = None if row[0] in single else row
        candidates = sorted(k for k, v in single.items() if v is not None and k in items_by_order)
        chosen = rng.sample(candidates, max(1, len(orders) // 50))
        for order_id in chosen:
            row = single[order_id]
            row[4] = f"{float(row[4]) + 50:.2f}"
        planted["payment_mismatch"] = sorted(chosen)
    if "review_score_7" in defects:
        row = list(reviews[0])
        row[0], row[2] = "d" * 31 + "7", "7"
        reviews.append(row)
        planted["review_score_7"] = [row[0]]

    _write(folder / ORDERS, header, orders)
    _write(folder / ITEMS, items_header, items)
    _write(folder / PAYMENTS, payments_header, payments)
    _write(folder / REVIEWS, reviews_header, reviews)
    return planted
