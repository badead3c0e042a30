{#- mart_executive_dashboard keeps each day's rate and average with the counts they are made of,
    so that dashboards add days up exactly. The rate must be those counts divided and rounded
    as the column's type rounds (on_time_rate to 4 decimals, avg_review_score to 2), and null
    when there is nothing to divide by; a part never exceeds its whole. One row per day and
    figure that disagrees, with the stored value and the one rebuilt from the counts. -#}
{{ config(meta={'dagster': {'ref': {'name': 'mart_executive_dashboard'}}}) }}
with

daily as (
    select * from {{ ref('mart_executive_dashboard') }}
),

comparisons as (
    select
        daily.order_date,
        'on_time_rate' as figure,
        cast(daily.on_time_rate as numeric(12, 4)) as stored_value,
        round(
            cast(daily.on_time_orders as numeric) / nullif(daily.delivered_orders, 0), 4
        ) as rebuilt_value,
        daily.on_time_orders > daily.delivered_orders as part_exceeds_whole
    from daily

    union all

    select
        daily.order_date,
        'avg_review_score' as figure,
        cast(daily.avg_review_score as numeric(12, 4)) as stored_value,
        round(
            cast(daily.review_score_sum as numeric) / nullif(daily.reviewed_orders, 0), 2
        ) as rebuilt_value,
        daily.reviewed_orders > daily.orders as part_exceeds_whole
    from daily
)

select
    comparisons.order_date,
    comparisons.figure,
    comparisons.stored_value,
    comparisons.rebuilt_value,
    comparisons.part_exceeds_whole
from comparisons
where
    comparisons.stored_value <> comparisons.rebuilt_value
    or (comparisons.stored_value is null) <> (comparisons.rebuilt_value is null)
    or comparisons.part_exceeds_whole
