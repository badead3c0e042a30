{#- Reconciliation (macros/reconciliation.sql): the seller marts (monthly performance, the
    leaderboard's periods, the period totals) against the counted items of fact_order_items:
    revenue, items and sellers. (The executive test compares the category sales, also built
    from the items, with fact_orders: items that leave the two facts apart are caught there.) -#}
{{ config(meta={'dagster': {'ref': {'name': 'mart_seller_performance'}}}) }}
with

{# Distinct sellers as the groups of a hash aggregate (count(distinct) would sort). #}
fact_items as (
    select
        sum(per_seller.seller_revenue) as seller_revenue,
        sum(per_seller.items) as items,
        count(per_seller.seller_id) as sellers
    from (
        select
            items.seller_id,
            sum(items.seller_revenue) as seller_revenue,
            count(*) as items
        from {{ ref('fact_order_items') }} as items
        where items.is_counted
        group by items.seller_id
    ) as per_seller
),

sellers as (
    select
        sum(monthly.seller_revenue) as seller_revenue,
        sum(monthly.items) as items
    from {{ ref('mart_seller_performance') }} as monthly
),

leaderboard as (
    -- each kind of period (all, years, quarters) splits the whole history once
    select
        sum(case when board.period_kind = 'all' then board.seller_revenue end) as revenue_all,
        sum(case when board.period_kind = 'year' then board.seller_revenue end) as revenue_years,
        sum(case when board.period_kind = 'quarter' then board.seller_revenue end)
            as revenue_quarters,
        sum(case when board.period_kind = 'quarter' then board.items end) as items_quarters,
        sum(case when board.period_kind = 'all' then 1 else 0 end) as sellers_all
    from {{ ref('mart_seller_leaderboard') }} as board
),

period_totals as (
    select
        sum(totals.seller_revenue) as revenue_all,
        sum(totals.sellers) as sellers_all
    from {{ ref('mart_seller_period_totals') }} as totals
    where totals.period = 'all'
),

{{ totals_that_differ([
    ('seller revenue', 'sellers.seller_revenue', 'fact_items.seller_revenue', 'sellers cross join fact_items'),
    ('seller items', 'sellers.items', 'fact_items.items', 'sellers cross join fact_items'),
    ('leaderboard revenue, all time', 'leaderboard.revenue_all', 'fact_items.seller_revenue', 'leaderboard cross join fact_items'),
    ('leaderboard revenue, years', 'leaderboard.revenue_years', 'fact_items.seller_revenue', 'leaderboard cross join fact_items'),
    ('leaderboard revenue, quarters', 'leaderboard.revenue_quarters', 'fact_items.seller_revenue', 'leaderboard cross join fact_items'),
    ('leaderboard items, quarters', 'leaderboard.items_quarters', 'fact_items.items', 'leaderboard cross join fact_items'),
    ('leaderboard sellers, all time', 'leaderboard.sellers_all', 'fact_items.sellers', 'leaderboard cross join fact_items'),
    ('period totals revenue, all time', 'period_totals.revenue_all', 'fact_items.seller_revenue', 'period_totals cross join fact_items'),
    ('period totals sellers, all time', 'period_totals.sellers_all', 'fact_items.sellers', 'period_totals cross join fact_items'),
]) }}
