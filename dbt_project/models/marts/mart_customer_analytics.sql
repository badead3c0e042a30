{#- One row per person: segment, RFM scores and cell, order history, place and the average
    review given. Rules live in dim_customer; this mart only selects and types them, and adds
    what moves with the as-of date for everyone every day (the as-of date and the days since
    the last counted order), which dim_customer does not store.
    A view, not a copy: a million people are a million rows to write and index again on
    every build (7 s at a million orders, on the path to every check after it), and a view of
    dim_customer's own columns reads its indexes (the top spenders are a top-N read of the
    spend index there). -#}
{{ config(materialized='view') }}
select
    customers.customer_unique_id,
    customers.customer_state,
    customers.customer_city,
    customers.segment,
    case
        when customers.counted_orders > 0
            then {{ dbt.datediff('cast(customers.last_counted_order_at as date)', 'as_of.as_of_date', 'day') }}
    end as recency_days,
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
    as_of.as_of_date,
    customers.last_batch_id
from {{ ref('dim_customer') }} as customers
cross join {{ ref('int_reporting_as_of') }} as as_of
