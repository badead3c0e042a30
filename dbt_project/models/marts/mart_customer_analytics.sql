{#- One row per person: segment, RFM scores and cell, order history, place and the average
    review given. Rules live in dim_customer; this mart only selects and types them.
    A view, not a copy: a million people are a million rows to write and index again on
    every build (7 s at a million orders, on the path to every check after it), and a view of
    dim_customer's own columns reads its indexes (the top spenders are a top-N read of the
    spend index there). One table and no CTE, so PostgreSQL can also update through it. -#}
{{ config(materialized='view') }}
select
    customers.customer_unique_id,
    customers.customer_state,
    customers.customer_city,
    customers.segment,
    customers.recency_days,
    customers.recency_score,
    customers.frequency_score,
    customers.monetary_score,
    customers.rfm_cell,
    cast(customers.counted_orders as bigint) as counted_orders,
    customers.lifetime_spend,
    customers.first_order_at,
    customers.last_order_at,
    cast({{ dbt.date_trunc('month', 'customers.first_counted_order_at') }} as date) as cohort_month,
    cast(customers.avg_review_score as numeric(4, 2)) as avg_review_score,
    customers.as_of_date,
    customers.last_batch_id
from {{ ref('dim_customer') }} as customers
