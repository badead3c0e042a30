"""Great Expectations suites, as data: which table, which expectations, how severe.

Each suite becomes one Dagster asset check on the asset of its table. ERROR suites block what
is downstream of their asset; WARN suites annotate and let the run go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orchestration.contracts import ORDER_STATUSES, PAYMENT_TYPES

ERROR, WARN = "ERROR", "WARN"
SEGMENTS = ["CHURNED", "VIP", "LOYAL", "REGULAR", "NEW", "ONE_TIME"]


@dataclass(frozen=True)
class Expectation:
    """One Great Expectations expectation: its class name in ``gx.expectations`` and kwargs."""

    type: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column") or self.kwargs.get("column_A")


@dataclass(frozen=True)
class Suite:
    """``batch_column`` holds the batch of each row (raw ``_batch_id``, staging ``batch_id``,
    facts ``last_batch_id``): with it, row-level expectations see only rows of batches the
    suite has not passed yet (``orchestration/checks/watermarks.py``); without it, the suite
    sees the whole table. ``sources`` are the raw sources of a table that keeps the latest
    version of each key (staging): a re-delivery of one of them can bring back an older,
    unchecked version, so after one the suite sees the whole table again."""

    schema: str
    table: str
    key_columns: tuple[str, ...]
    expectations: tuple[Expectation, ...]
    severity: str = ERROR
    description: str = ""
    batch_column: str | None = None
    sources: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"ge_{self.table}_{self.severity.lower()}"


def _e(type_: str, **kwargs: Any) -> Expectation:
    return Expectation(type_, kwargs)


NOT_NULL = "ExpectColumnValuesToNotBeNull"
UNIQUE = "ExpectColumnValuesToBeUnique"
IN_SET = "ExpectColumnValuesToBeInSet"
BETWEEN = "ExpectColumnValuesToBeBetween"
A_AFTER_B = "ExpectColumnPairValuesAToBeGreaterThanB"
ROWS_BETWEEN = "ExpectTableRowCountToBeBetween"
NOT_MATCH = "ExpectColumnValuesToNotMatchRegex"

# How far an expectation's verdict reaches, which decides what a suite with a batch column
# validates: a row alone (only rows of new batches), a value across rows (new rows and every row
# that shares a value with one), or the table (always the whole table, e.g. a row count).
# Any other expectation type counts as table-level.
ROW_LEVEL = frozenset({NOT_NULL, IN_SET, BETWEEN, A_AFTER_B, NOT_MATCH})
ACROSS_ROWS = frozenset({UNIQUE})

SUITES: tuple[Suite, ...] = (
    Suite(
        "raw",
        "olist_orders",
        ("order_id",),
        (
            _e(NOT_NULL, column="order_id"),
            _e(IN_SET, column="order_status", value_set=list(ORDER_STATUSES)),
            _e(ROWS_BETWEEN, min_value=1),
        ),
        description="Landed orders have a key and a known status.",
        batch_column="_batch_id",
    ),
    Suite(
        "raw",
        "olist_order_payments",
        ("order_id", "payment_sequential"),
        (_e(IN_SET, column="payment_type", value_set=list(PAYMENT_TYPES)),),
        description="Landed payments have a known payment type.",
        batch_column="_batch_id",
    ),
    Suite(
        "staging",
        "stg_olist__order_reviews",
        ("review_id", "order_id"),
        (
            _e(BETWEEN, column="review_score", min_value=1, max_value=5),
            _e(
                NOT_MATCH,
                column="review_comment_message",
                regex=r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
            ),
            _e(
                NOT_MATCH,
                column="review_comment_title",
                regex=r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
            ),
        ),
        description="Scores are 1..5 and no e-mail address survives masking (LGPD).",
        batch_column="batch_id",
        sources=("olist_order_reviews",),
    ),
    Suite(
        "core",
        "fact_orders",
        ("order_id",),
        (
            _e(NOT_NULL, column="order_id"),
            _e(UNIQUE, column="order_id"),
            _e(NOT_NULL, column="customer_unique_id"),
            _e(BETWEEN, column="order_value", min_value=0),
            _e(BETWEEN, column="items", min_value=0),
        ),
        description="Orders are unique, belong to a person and have a non-negative value.",
        batch_column="last_batch_id",
    ),
    Suite(
        "core",
        "fact_orders",
        ("order_id",),
        (
            _e(
                A_AFTER_B,
                column_A="approved_at",
                column_B="purchased_at",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
            _e(
                A_AFTER_B,
                column_A="delivered_customer_at",
                column_B="purchased_at",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
            _e(
                A_AFTER_B,
                column_A="delivered_customer_at",
                column_B="delivered_carrier_at",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
        ),
        severity=WARN,
        description="Lifecycle timestamps in order (the real data has a few exceptions).",
        batch_column="last_batch_id",
    ),
    Suite(
        "core",
        "fact_order_items",
        ("order_id", "order_item_id"),
        (
            _e(BETWEEN, column="price", min_value=0),
            _e(BETWEEN, column="freight_value", min_value=0),
        ),
        description="Prices and freight are not negative.",
        batch_column="last_batch_id",
    ),
    Suite(
        "core",
        "dim_customer",
        ("customer_unique_id",),
        (
            _e(UNIQUE, column="customer_unique_id"),
            _e(IN_SET, column="segment", value_set=SEGMENTS),
        ),
        description="One row per person, each in one of the six segments.",
        # rebuilt in full each run, but last_batch_id is the newest batch behind the person:
        # a night checks the people its delta reached (its dbt tests do the same), and the
        # table's unique index refuses a second row for anyone at build time
        batch_column="last_batch_id",
    ),
    Suite(
        "marts",
        "mart_executive_dashboard",
        ("order_date",),
        (
            _e(ROWS_BETWEEN, min_value=1),
            _e(BETWEEN, column="gmv", min_value=0),
            _e(BETWEEN, column="on_time_rate", min_value=0, max_value=1),
            _e(BETWEEN, column="avg_review_score", min_value=1, max_value=5),
        ),
        description="The executive mart is filled and its rates are in range.",
    ),
)
