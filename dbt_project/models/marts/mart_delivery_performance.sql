{#- Delivery performance of delivered orders by purchase month, at two grains told apart by
    the grain column: 'customer_state' (one row per customer state and month, seller_state
    'ALL') and 'lane' (one row per seller state, customer state and month). Averages are
    given with the counts they are made of, so rows can be rolled up exactly. Incremental:
    the months a changed order or lane reaches are deleted, computed again and written back
    (macros/incremental.sql). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "{% if is_incremental() %}
        delete from {{ this }}
        where order_month in ({{ values_when_incremental(delivery_months_changed(), 'date') }})
        {% endif %}"
    ]
) }}
-- depends_on: {{ ref('fact_orders') }}
with

deliveries as (
    select * from {{ ref('fact_deliveries') }} as deliveries
    {% if is_incremental() -%}
    where deliveries.order_month in (
        {{ values_when_incremental(delivery_months_changed(), 'date') }}
    )
    {%- endif %}
),

lanes as (
    select
        'lane' as grain,
        deliveries.order_month,
        deliveries.customer_state,
        deliveries.seller_state,
        count(*) as delivered_orders,
        sum(case when deliveries.is_on_time then 1 else 0 end) as on_time_orders,
        sum(deliveries.delivery_days) as total_delivery_days,
        sum(deliveries.days_late) as total_days_late,
        max(deliveries.last_batch_id) as last_batch_id
    from deliveries
    group by deliveries.order_month, deliveries.customer_state, deliveries.seller_state
),

states as (
    select
        'customer_state' as grain,
        deliveries.order_month,
        deliveries.customer_state,
        'ALL' as seller_state,
        count(*) as delivered_orders,
        sum(case when deliveries.is_on_time then 1 else 0 end) as on_time_orders,
        sum(deliveries.delivery_days) as total_delivery_days,
        sum(deliveries.days_late) as total_days_late,
        max(deliveries.last_batch_id) as last_batch_id
    from deliveries
    group by deliveries.order_month, deliveries.customer_state
),

both_grains as (
    select * from states
    union all
    select * from lanes
)

select
    cast(both_grains.grain as {{ dbt.type_string() }}) as grain,
    both_grains.order_month,
    cast(both_grains.customer_state as {{ dbt.type_string() }}) as customer_state,
    cast(both_grains.seller_state as {{ dbt.type_string() }}) as seller_state,
    cast(both_grains.delivered_orders as bigint) as delivered_orders,
    cast(both_grains.on_time_orders as bigint) as on_time_orders,
    cast(both_grains.delivered_orders - both_grains.on_time_orders as bigint) as late_orders,
    cast(
        cast(both_grains.on_time_orders as numeric(18, 6)) / both_grains.delivered_orders
        as numeric(6, 4)
    ) as on_time_rate,
    cast(both_grains.total_delivery_days as numeric(14, 4)) as total_delivery_days,
    cast(both_grains.total_delivery_days / both_grains.delivered_orders as numeric(8, 2))
        as avg_delivery_days,
    cast(both_grains.total_days_late as bigint) as total_days_late,
    cast(
        cast(both_grains.total_days_late as numeric(18, 6)) / both_grains.delivered_orders
        as numeric(8, 2)
    ) as avg_days_late,
    cast(both_grains.last_batch_id as bigint) as last_batch_id
from both_grains
