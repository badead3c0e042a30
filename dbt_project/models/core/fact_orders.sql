{#- One row per order with the order-level business rules applied (int_orders_enriched).
    Incremental on batches: see macros/incremental.sql. The index on customer_unique_id
    serves the nightly lookups of a reached person's other orders (executive_days_changed);
    the one on order_date, the nightly reads of the recent months (cohort retention). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='order_id',
    on_schema_change='fail',
    indexes=[
        {'columns': ['order_id'], 'unique': True},
        {'columns': ['last_batch_id']},
        {'columns': ['customer_unique_id']},
        {'columns': ['order_date']}
    ]
) }}
with

orders as (
    select * from {{ ref('int_orders_enriched') }}
)

select
    orders.order_id,
    orders.customer_unique_id,
    orders.customer_id,
    orders.customer_state,
    orders.order_status,
    orders.is_counted,
    orders.purchased_at,
    orders.order_date,
    orders.approved_at,
    orders.delivered_carrier_at,
    orders.delivered_customer_at,
    orders.estimated_delivery_date,
    orders.is_delivered,
    orders.delivery_days,
    orders.is_on_time,
    orders.days_late,
    orders.days_to_ship,
    orders.items,
    orders.items_value,
    orders.freight_value,
    orders.order_value,
    orders.payments,
    orders.payment_value,
    orders.review_score,
    orders.batch_id,
    orders.last_batch_id
from orders
{% if is_incremental() %}
where orders.order_id in ({{ enriched_orders_changed() }})
{% endif %}
