{#- Every date of the whole years that the facts use (purchase, estimated and actual
    delivery, shipping limits, review answers): the spine of dim_date. Built from a digits
    cross join rather than generate_series, which is PostgreSQL-only. -#}
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

used_dates as (
    select cast(orders.order_purchase_timestamp as date) as date_day
    from {{ ref('stg_olist__orders') }} as orders
    union all
    select orders.order_estimated_delivery_date from {{ ref('stg_olist__orders') }} as orders
    union all
    select cast(orders.order_delivered_customer_at as date)
    from {{ ref('stg_olist__orders') }} as orders
    union all
    select cast(items.shipping_limit_at as date) from {{ ref('stg_olist__order_items') }} as items
    union all
    select cast(reviews.review_answered_at as date)
    from {{ ref('stg_olist__order_reviews') }} as reviews
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
