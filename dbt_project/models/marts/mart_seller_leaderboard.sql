{#- The seller leaderboard, rolled up once per build: one row per seller and period (each
    calendar quarter, each calendar year and the whole history) with the seller's sums of
    mart_seller_performance's monthly counts. A page asking for the top sellers of a period
    then reads the first rows of an index instead of summing every seller-month, which is what
    keeps it fast at millions of orders. Rates are not stored: they are the counts divided
    (BUSINESS_RULES.md, Sellers), done by the reader.
    Incremental: the periods a changed seller-month falls in (its quarter, its year and the
    whole history; the seller-months a changed order or seller reaches, macros/incremental.sql)
    are deleted by the pre-hook, then computed again from the seller's monthly rows, so a
    period that no longer qualifies disappears. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "{% if is_incremental() %}
        delete from {{ this }}
        where (seller_id, period) in ({{ leaderboard_periods_changed() }})
        {% endif %}"
    ]
) }}
-- depends_on: {{ ref('fact_orders') }}
-- depends_on: {{ ref('fact_order_items') }}
-- depends_on: {{ ref('stg_olist__sellers') }}
with

seller_months as (
    select
        monthly.*,
        cast({{ dbt.date_trunc('quarter', 'monthly.order_month') }} as date) as quarter_start,
        cast({{ dbt.date_trunc('year', 'monthly.order_month') }} as date) as year_start
    from {{ ref('mart_seller_performance') }} as monthly
    {% if is_incremental() -%}
    where monthly.seller_id in (
        select changed.seller_id from ({{ seller_months_changed() }}) as changed
    )
    {%- endif %}
),

rolled_up as (
    -- one pass over the months: a group per seller and quarter, per seller and year, and
    -- per seller over everything (grouping() tells which set a row belongs to)
    select
        seller_months.seller_id,
        seller_months.seller_state,
        seller_months.seller_city,
        case
            when grouping(seller_months.quarter_start) = 0 then 'quarter'
            when grouping(seller_months.year_start) = 0 then 'year'
            else 'all'
        end as period_kind,
        coalesce(seller_months.quarter_start, seller_months.year_start) as period_start,
        min(seller_months.order_month) as first_month,
        max(seller_months.order_month) as last_month,
        count(*) as active_months,
        sum(seller_months.seller_revenue) as seller_revenue,
        sum(seller_months.freight_value) as freight_value,
        sum(seller_months.items) as items,
        sum(seller_months.orders) as orders,
        sum(seller_months.reviewed_orders) as reviewed_orders,
        sum(seller_months.review_score_sum) as review_score_sum,
        sum(seller_months.delivered_orders) as delivered_orders,
        sum(seller_months.on_time_orders) as on_time_orders,
        sum(seller_months.late_shipments) as late_shipments,
        max(seller_months.last_batch_id) as last_batch_id
    from seller_months
    group by
        seller_months.seller_id,
        seller_months.seller_state,
        seller_months.seller_city,
        grouping sets ((seller_months.quarter_start), (seller_months.year_start), ())
),

leaderboard as (
    select
        case rolled_up.period_kind
            when 'quarter' then to_char(rolled_up.period_start, 'YYYY-"Q"Q')
            when 'year' then to_char(rolled_up.period_start, 'YYYY')
            else 'all'
        end as period,
        rolled_up.period_kind,
        rolled_up.seller_id,
        rolled_up.seller_state,
        rolled_up.seller_city,
        rolled_up.first_month,
        rolled_up.last_month,
        cast(rolled_up.active_months as integer) as active_months,
        {{ money('rolled_up.seller_revenue') }} as seller_revenue,
        {{ money('rolled_up.freight_value') }} as freight_value,
        cast(rolled_up.items as bigint) as items,
        cast(rolled_up.orders as bigint) as orders,
        cast(rolled_up.reviewed_orders as bigint) as reviewed_orders,
        cast(rolled_up.review_score_sum as bigint) as review_score_sum,
        cast(rolled_up.delivered_orders as bigint) as delivered_orders,
        cast(rolled_up.on_time_orders as bigint) as on_time_orders,
        cast(rolled_up.late_shipments as bigint) as late_shipments,
        cast(rolled_up.last_batch_id as bigint) as last_batch_id
    from rolled_up
)

select * from leaderboard
{% if is_incremental() -%}
where (leaderboard.seller_id, leaderboard.period) in (
    select changed.seller_id, changed.period from ({{ leaderboard_periods_changed() }}) as changed
)
{%- endif %}
