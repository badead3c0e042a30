{#- One row per person (customer_unique_id) with order history and segment. -#}
with

people as (
    select * from {{ ref('int_customers_unified') }}
),

orders as (
    select * from {{ ref('int_orders_enriched') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

history as (
    select
        customer_unique_id,
        sum(case when is_counted then 1 else 0 end) as counted_orders,
        count(*) as attempted_orders,
        {{ money('sum(case when is_counted then order_value else 0 end)') }} as lifetime_spend,
        min(case when is_counted then purchased_at end) as first_counted_order_at,
        max(case when is_counted then purchased_at end) as last_counted_order_at,
        min(purchased_at) as first_attempt_at,
        max(purchased_at) as last_attempt_at,
        avg(cast(review_score as numeric(6, 2))) as avg_review_score
    from orders
    group by customer_unique_id
),

customers as (
    select
        people.customer_unique_id,
        people.customer_zip_code_prefix,
        people.customer_city,
        people.customer_state,
        coalesce(history.counted_orders, 0) as counted_orders,
        coalesce(history.attempted_orders, 0) as attempted_orders,
        {{ money('coalesce(history.lifetime_spend, 0)') }} as lifetime_spend,
        coalesce(history.first_counted_order_at, history.first_attempt_at) as first_order_at,
        coalesce(history.last_counted_order_at, history.last_attempt_at) as last_order_at,
        history.first_counted_order_at,
        history.avg_review_score,
        as_of.as_of_date
    from people
    left join history on people.customer_unique_id = history.customer_unique_id
    cross join as_of
)

select
    *,
    {#- BUSINESS_RULES.md, Segment: the first rule that matches wins. -#}
    case
        when {{ dbt.datediff('cast(last_order_at as date)', 'as_of_date', 'day') }}
            > {{ var('churn_days') }} then 'CHURNED'
        when counted_orders >= {{ var('vip_min_orders') }}
            and lifetime_spend >= {{ var('vip_min_spend') }} then 'VIP'
        when counted_orders >= {{ var('loyal_min_orders') }} then 'LOYAL'
        when counted_orders >= {{ var('regular_min_orders') }} then 'REGULAR'
        when {{ dbt.datediff('cast(first_order_at as date)', 'as_of_date', 'day') }}
            <= {{ var('new_days') }} then 'NEW'
        else 'ONE_TIME'
    end as segment
from customers
