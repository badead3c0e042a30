{#- Every date of the whole years that the facts use (purchase, estimated and actual
    delivery, shipping limits, review answers): the spine of dim_date. Built from a digits
    cross join rather than generate_series, which is PostgreSQL-only. -#}
{{ config(materialized='table') }}
with

digits as (
    select 0 as digit union all select 1 union all select 2 union all select 3
    union all select 4 union all select 5 union all select 6 union all select 7
    union all select 8 union all select 9
),

numbers as (
    select
        ones.digit + 10 * tens.digit + 100 * hundreds.digit + 1000 * thousands.digit
        + 10000 * tenthousands.digit as n
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
    cross join digits as tenthousands
),

{#- Each source read once, its first and last date per column taken in the same pass (the
    staging views dedupe on every read: reading orders once per column tripled that cost). -#}
order_dates as (
    select
        min(cast(orders.order_purchase_timestamp as date)) as first_purchase,
        max(cast(orders.order_purchase_timestamp as date)) as last_purchase,
        min(orders.order_estimated_delivery_date) as first_estimate,
        max(orders.order_estimated_delivery_date) as last_estimate,
        min(cast(orders.order_delivered_customer_at as date)) as first_delivery,
        max(cast(orders.order_delivered_customer_at as date)) as last_delivery
    from {{ ref('stg_olist__orders') }} as orders
),

item_dates as (
    select
        min(cast(items.shipping_limit_at as date)) as first_limit,
        max(cast(items.shipping_limit_at as date)) as last_limit
    from {{ ref('stg_olist__order_items') }} as items
),

review_dates as (
    select
        min(cast(reviews.review_answered_at as date)) as first_answer,
        max(cast(reviews.review_answered_at as date)) as last_answer
    from {{ ref('stg_olist__order_reviews') }} as reviews
),

used_dates as (
    select order_dates.first_purchase as date_day from order_dates
    union all select order_dates.last_purchase from order_dates
    union all select order_dates.first_estimate from order_dates
    union all select order_dates.last_estimate from order_dates
    union all select order_dates.first_delivery from order_dates
    union all select order_dates.last_delivery from order_dates
    union all select item_dates.first_limit from item_dates
    union all select item_dates.last_limit from item_dates
    union all select review_dates.first_answer from review_dates
    union all select review_dates.last_answer from review_dates
),

bounds as (
    select
        make_date(cast(min(extract(year from used_dates.date_day)) as {{ dbt.type_int() }}), 1, 1)
            as first_day,
        make_date(cast(max(extract(year from used_dates.date_day)) as {{ dbt.type_int() }}), 12, 31)
            as last_day
    from used_dates
)

select cast({{ dbt.dateadd('day', 'numbers.n', 'bounds.first_day') }} as date) as date_day
from numbers
cross join bounds
where numbers.n <= {{ dbt.datediff('bounds.first_day', 'bounds.last_day', 'day') }}
