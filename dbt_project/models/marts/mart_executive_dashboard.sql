{#- One row per purchase day: the executive KPIs of BUSINESS_RULES.md. The on-time rate and the
    average review score come with the counts they are made of (orders on time among the
    delivered, reviewed orders and their score sum), so that days roll up exactly: a sum of
    counts, divided. Incremental: the days a changed order reaches are deleted, computed
    again and written back (macros/incremental.sql). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "{% if is_incremental() %}
        delete from {{ this }}
        where order_date in ({{ values_when_incremental(executive_days_changed(), 'date') }})
        {% endif %}"
    ]
) }}
{%- if is_incremental() %}
{%- set changed_days = values_when_incremental(executive_days_changed(), 'date') %}
{%- endif %}
with

orders as (
    select * from {{ ref('fact_orders') }} as orders
    {% if is_incremental() -%}
    where orders.order_date in ({{ changed_days }})
    {%- endif %}
),

{#- from the people's order history (the column dim_customer passes on): the mart does not
    wait for dim_customer -#}
first_orders as (
    select cast(first_counted_order_at as date) as order_date, count(*) as new_customers
    from {{ ref('int_customer_orders_summarised') }}
    where
        customer_unique_id is not null
        and first_counted_order_at is not null
        {% if is_incremental() -%}
        and cast(first_counted_order_at as date) in ({{ changed_days }})
        {%- endif %}
    group by cast(first_counted_order_at as date)
),

{#- People with a counted order per day, apart: a count(distinct) beside the other sums would
    make the planner sort every order by day (seconds at a million orders) where two hash
    aggregates need no sort. -#}
daily_customers as (
    select buyers.order_date, count(*) as customers
    from (
        select distinct order_date, customer_unique_id
        from orders
        where is_counted
    ) as buyers
    group by buyers.order_date
),

daily as (
    select
        order_date,
        sum(case when is_counted then 1 else 0 end) as orders,
        sum(case when is_counted then order_value else 0 end) as gmv,
        sum(case when is_counted then items else 0 end) as items,
        sum(case when is_counted then freight_value else 0 end) as freight_value,
        sum(case when order_status = 'canceled' then 1 else 0 end) as canceled_orders,
        avg(case when is_counted then review_score end) as avg_review_score,
        -- the orders and scores the average is taken over (avg skips orders without a review)
        count(case when is_counted then review_score end) as reviewed_orders,
        coalesce(sum(case when is_counted then review_score end), 0) as review_score_sum,
        sum(case when is_delivered then 1 else 0 end) as delivered_orders,
        -- a delivered order without an on-time verdict counts as late, as in on_time_rate
        sum(case when is_delivered and is_on_time then 1 else 0 end) as on_time_orders,
        avg(case when is_delivered then case when is_on_time then 1.0 else 0.0 end end)
            as on_time_rate,
        avg(case when is_delivered then delivery_days end) as avg_delivery_days,
        max(last_batch_id) as last_batch_id
    from orders
    group by order_date
)

select
    daily.order_date,
    cast(daily.orders as bigint) as orders,
    cast(coalesce(daily_customers.customers, 0) as bigint) as customers,
    cast(coalesce(first_orders.new_customers, 0) as bigint) as new_customers,
    {{ money('daily.gmv') }} as gmv,
    {{ money('daily.gmv / nullif(daily.orders, 0)', 12) }} as aov,
    cast(daily.items as bigint) as items,
    {{ money('daily.freight_value') }} as freight_value,
    cast(daily.freight_value / nullif(daily.gmv, 0) as numeric(6, 4)) as freight_share,
    cast(daily.canceled_orders as bigint) as canceled_orders,
    cast(daily.avg_review_score as numeric(4, 2)) as avg_review_score,
    cast(daily.reviewed_orders as bigint) as reviewed_orders,
    cast(daily.review_score_sum as bigint) as review_score_sum,
    cast(daily.delivered_orders as bigint) as delivered_orders,
    cast(daily.on_time_orders as bigint) as on_time_orders,
    cast(daily.on_time_rate as numeric(6, 4)) as on_time_rate,
    cast(daily.avg_delivery_days as numeric(8, 2)) as avg_delivery_days,
    cast(daily.last_batch_id as bigint) as last_batch_id
from daily
left join daily_customers on daily.order_date = daily_customers.order_date
left join first_orders on daily.order_date = first_orders.order_date
