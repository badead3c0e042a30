{#- One row per payment of an order, with the order's date, person and counted flag.
    Incremental on batches: see macros/incremental.sql. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key=['order_id', 'payment_sequential'],
    on_schema_change='fail',
    indexes=[
        {'columns': ['order_id', 'payment_sequential'], 'unique': True},
        {'columns': ['last_batch_id']}
    ]
) }}
with

payments as (
    select * from {{ ref('stg_olist__order_payments') }}
),

orders as (
    select * from {{ ref('int_orders_enriched') }}
)

select
    payments.order_id,
    payments.payment_sequential,
    orders.customer_unique_id,
    orders.order_date,
    orders.is_counted,
    payments.payment_type,
    payments.payment_installments,
    payments.payment_value,
    payments.batch_id,
    orders.last_batch_id
from payments
inner join orders on payments.order_id = orders.order_id
{% if is_incremental() %}
where payments.order_id in ({{ enriched_orders_changed() }})
{% endif %}
