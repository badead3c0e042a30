{#- mart_seller_performance keeps each rate with the counts it is made of, so that dashboards
    roll months up exactly. The rate must be those counts divided and rounded as the column's
    type rounds (on_time_rate to 4 decimals, avg_review_score to 2), and null when there is
    nothing to divide by; a part never exceeds its whole. One row per seller-month and figure
    that disagrees, with the stored value and the one rebuilt from the counts. -#}
{{ config(meta={'dagster': {'ref': {'name': 'mart_seller_performance'}}}) }}
with

monthly as (
    select * from {{ ref('mart_seller_performance') }}
),

comparisons as (
    select
        monthly.seller_id,
        monthly.order_month,
        'on_time_rate' as figure,
        cast(monthly.on_time_rate as numeric(12, 4)) as stored_value,
        round(
            cast(monthly.on_time_orders as numeric) / nullif(monthly.delivered_orders, 0), 4
        ) as rebuilt_value,
        monthly.on_time_orders > monthly.delivered_orders as part_exceeds_whole
    from monthly

    union all

    select
        monthly.seller_id,
        monthly.order_month,
        'avg_review_score' as figure,
        cast(monthly.avg_review_score as numeric(12, 4)) as stored_value,
        round(
            cast(monthly.review_score_sum as numeric) / nullif(monthly.reviewed_orders, 0), 2
        ) as rebuilt_value,
        monthly.reviewed_orders > monthly.orders as part_exceeds_whole
    from monthly
)

select
    comparisons.seller_id,
    comparisons.order_month,
    comparisons.figure,
    comparisons.stored_value,
    comparisons.rebuilt_value,
    comparisons.part_exceeds_whole
from comparisons
where
    comparisons.stored_value <> comparisons.rebuilt_value
    or (comparisons.stored_value is null) <> (comparisons.rebuilt_value is null)
    or comparisons.part_exceeds_whole
