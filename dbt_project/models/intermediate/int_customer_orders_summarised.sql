{#- One row per person with orders: the order history dim_customer segments on (counted and
    attempted orders, lifetime spend, first and last order, average review score).
    Incremental: a person with an order enriched again is summed again and merged
    (macros/incremental.sql), so dim_customer reads one row per person instead of every order. -#}
{{ config(
    unique_key='customer_unique_id',
    indexes=[
        {'columns': ['customer_unique_id'], 'unique': True},
        {'columns': ['last_batch_id']}
    ]
) }}
with

orders as (
    select * from {{ ref('int_orders_enriched') }}
    {% if is_incremental() -%}
    where customer_unique_id in (
        select changed.customer_unique_id
        from {{ ref('int_orders_enriched') }} as changed
        where changed.last_batch_id > {{ processed_batch_watermark() }}
    )
    {%- endif %}
)

select
    customer_unique_id,
    sum(case when is_counted then 1 else 0 end) as counted_orders,
    count(*) as attempted_orders,
    {{ money('sum(case when is_counted then order_value else 0 end)') }} as lifetime_spend,
    min(case when is_counted then purchased_at end) as first_counted_order_at,
    max(case when is_counted then purchased_at end) as last_counted_order_at,
    min(purchased_at) as first_attempt_at,
    max(purchased_at) as last_attempt_at,
    -- the average review score is kept as its sum and count: averages do not merge
    sum(review_score) as review_score_sum,
    count(review_score) as reviewed_orders,
    max(last_batch_id) as last_batch_id
from orders
group by customer_unique_id
