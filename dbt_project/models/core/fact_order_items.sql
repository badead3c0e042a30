{#- One row per order item (int_order_items_enriched). Incremental on batches: see
    macros/incremental.sql. The product index serves a night's lookup of the items of the
    products whose row changed (category_months_changed, read twice by mart_category_sales:
    a parallel scan of every item, 0.12-0.14 s each at a million orders, for 186 products). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key=['order_id', 'order_item_id'],
    on_schema_change='fail',
    indexes=[
        {'columns': ['order_id', 'order_item_id'], 'unique': True},
        {'columns': ['last_batch_id']},
        {'columns': ['product_id']}
    ]
) }}
-- depends_on: {{ ref('int_orders_enriched') }}
with

items as (
    select * from {{ ref('int_order_items_enriched') }}
)

select
    items.order_id,
    items.order_item_id,
    items.product_id,
    items.seller_id,
    items.customer_unique_id,
    items.order_date,
    items.is_counted,
    items.shipping_limit_at,
    items.delivered_carrier_at,
    items.price,
    items.freight_value,
    items.item_value,
    items.seller_revenue,
    items.is_late_shipment,
    items.batch_id,
    items.last_batch_id
from items
{% if is_incremental() %}
where items.order_id in ({{ enriched_orders_changed() }})
{% endif %}
