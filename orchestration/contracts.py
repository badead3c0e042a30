"""Source contracts: the nine Olist files described as data.

The loader is generic over these contracts; adding a source is adding an entry here. A contract
names the file, its exact header (the real, misspelled names included), each column's type and
the primary key. Raw tables keep every value as text; the types say which values the loader
quarantines, and staging casts with the same types.
"""

from __future__ import annotations

from dataclasses import dataclass

TYPES = ("text", "timestamp", "numeric", "integer")


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "text"
    allowed: tuple[str, ...] | None = None
    nullable: bool = True

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"column {self.name}: unknown type {self.type!r}, expected {TYPES}")


@dataclass(frozen=True)
class SourceContract:
    table: str
    file_name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    description: str

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def rejected_table(self) -> str:
        return f"{self.table}__rejected"


def _cols(*specs: str | Column) -> tuple[Column, ...]:
    return tuple(spec if isinstance(spec, Column) else Column(spec) for spec in specs)


TS, NUM, INT = "timestamp", "numeric", "integer"
ORDER_STATUSES = (
    "delivered",
    "shipped",
    "canceled",
    "unavailable",
    "invoiced",
    "processing",
    "created",
    "approved",
)
PAYMENT_TYPES = ("credit_card", "boleto", "voucher", "debit_card", "not_defined")

CONTRACTS: tuple[SourceContract, ...] = (
    SourceContract(
        table="olist_orders",
        file_name="olist_orders_dataset.csv",
        columns=_cols(
            Column("order_id", nullable=False),
            Column("customer_id", nullable=False),
            Column("order_status", allowed=ORDER_STATUSES, nullable=False),
            Column("order_purchase_timestamp", TS, nullable=False),
            Column("order_approved_at", TS),
            Column("order_delivered_carrier_date", TS),
            Column("order_delivered_customer_date", TS),
            Column("order_estimated_delivery_date", TS),
        ),
        primary_key=("order_id",),
        description="One row per order and version: status and lifecycle timestamps.",
    ),
    SourceContract(
        table="olist_order_items",
        file_name="olist_order_items_dataset.csv",
        columns=_cols(
            Column("order_id", nullable=False),
            Column("order_item_id", INT, nullable=False),
            "product_id",
            "seller_id",
            Column("shipping_limit_date", TS),
            Column("price", NUM),
            Column("freight_value", NUM),
        ),
        primary_key=("order_id", "order_item_id"),
        description="Items of each order with price and freight (BRL).",
    ),
    SourceContract(
        table="olist_order_payments",
        file_name="olist_order_payments_dataset.csv",
        columns=_cols(
            Column("order_id", nullable=False),
            Column("payment_sequential", INT, nullable=False),
            Column("payment_type", allowed=PAYMENT_TYPES),
            Column("payment_installments", INT),
            Column("payment_value", NUM),
        ),
        primary_key=("order_id", "payment_sequential"),
        description="Payments of each order; an order can be paid in several parts.",
    ),
    SourceContract(
        table="olist_order_reviews",
        file_name="olist_order_reviews_dataset.csv",
        columns=_cols(
            Column("review_id", nullable=False),
            Column("order_id", nullable=False),
            Column("review_score", INT, allowed=("1", "2", "3", "4", "5")),
            "review_comment_title",
            "review_comment_message",
            Column("review_creation_date", TS),
            Column("review_answer_timestamp", TS),
        ),
        primary_key=("review_id", "order_id"),
        description="Customer reviews; review_id alone is not unique. Text holds personal data.",
    ),
    SourceContract(
        table="olist_customers",
        file_name="olist_customers_dataset.csv",
        columns=_cols(
            Column("customer_id", nullable=False),
            Column("customer_unique_id", nullable=False),
            "customer_zip_code_prefix",
            "customer_city",
            "customer_state",
        ),
        primary_key=("customer_id",),
        description="Customer of one order; customer_unique_id identifies the person.",
    ),
    SourceContract(
        table="olist_products",
        file_name="olist_products_dataset.csv",
        columns=_cols(
            Column("product_id", nullable=False),
            "product_category_name",
            Column("product_name_lenght", INT),
            Column("product_description_lenght", INT),
            Column("product_photos_qty", INT),
            Column("product_weight_g", INT),
            Column("product_length_cm", INT),
            Column("product_height_cm", INT),
            Column("product_width_cm", INT),
        ),
        primary_key=("product_id",),
        description="Product catalogue with Portuguese category names.",
    ),
    SourceContract(
        table="olist_sellers",
        file_name="olist_sellers_dataset.csv",
        columns=_cols(
            Column("seller_id", nullable=False),
            "seller_zip_code_prefix",
            "seller_city",
            "seller_state",
        ),
        primary_key=("seller_id",),
        description="Sellers of the marketplace and where they ship from.",
    ),
    SourceContract(
        table="olist_geolocation",
        file_name="olist_geolocation_dataset.csv",
        columns=_cols(
            Column("geolocation_zip_code_prefix", nullable=False),
            Column("geolocation_lat", NUM),
            Column("geolocation_lng", NUM),
            "geolocation_city",
            "geolocation_state",
        ),
        primary_key=(),
        description="Points per zip code prefix; many per prefix, duplicates included.",
    ),
    SourceContract(
        table="product_category_name_translation",
        file_name="product_category_name_translation.csv",
        columns=_cols(
            Column("product_category_name", nullable=False), "product_category_name_english"
        ),
        primary_key=("product_category_name",),
        description="English names of product categories (two real categories are missing).",
    ),
)

CONTRACTS_BY_TABLE = {contract.table: contract for contract in CONTRACTS}
CONTRACTS_BY_FILE = {contract.file_name: contract for contract in CONTRACTS}
