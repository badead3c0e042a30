{#- Every date of the whole years that the facts use (purchase, estimated and actual
    delivery, shipping limits, review answers): the spine of dim_date. Built from a digits
    cross join rather than generate_series, which is PostgreSQL-only.

    Incremental: the span only grows, so a nightly build takes the first and last dates of
    the staging rows of newer batches (through their batch index) with the span stored, and
    merges the spine again (its 1,461 rows at a million orders), where a rebuild scanned
    every order, item and review each night (0.66 s at a million orders). last_batch_id is
    the newest staging batch of the three seen. A span that should shrink (rows replaced by
    earlier dates) keeps its dates until a full refresh; the calendar only has more days. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='date_day',
    on_schema_change='append_new_columns'
) }}
{%- if is_incremental() %}
    {#- a spine built before it had a batch column is read whole once, and gets the column -#}
    {%- set stored_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list %}
    {%- set watermark = processed_batch_watermark() if 'last_batch_id' in stored_columns else -1 %}
{%- endif %}
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
        max(cast(orders.order_delivered_customer_at as date)) as last_delivery,
        max(orders.batch_id) as last_batch_id
    from {{ ref('stg_olist__orders') }} as orders
    {%- if is_incremental() %}
    where orders.batch_id > {{ watermark }}
    {%- endif %}
),

item_dates as (
    select
        min(cast(items.shipping_limit_at as date)) as first_limit,
        max(cast(items.shipping_limit_at as date)) as last_limit,
        max(items.batch_id) as last_batch_id
    from {{ ref('stg_olist__order_items') }} as items
    {%- if is_incremental() %}
    where items.batch_id > {{ watermark }}
    {%- endif %}
),

review_dates as (
    select
        min(cast(reviews.review_answered_at as date)) as first_answer,
        max(cast(reviews.review_answered_at as date)) as last_answer,
        max(reviews.batch_id) as last_batch_id
    from {{ ref('stg_olist__order_reviews') }} as reviews
    {%- if is_incremental() %}
    where reviews.batch_id > {{ watermark }}
    {%- endif %}
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
    {%- if is_incremental() %}
    union all select min(stored.date_day) from {{ this }} as stored
    union all select max(stored.date_day) from {{ this }} as stored
    {%- endif %}
),

bounds as (
    select
        make_date(cast(min(extract(year from used_dates.date_day)) as {{ dbt.type_int() }}), 1, 1)
            as first_day,
        make_date(cast(max(extract(year from used_dates.date_day)) as {{ dbt.type_int() }}), 12, 31)
            as last_day,
        greatest(
            order_dates.last_batch_id, item_dates.last_batch_id, review_dates.last_batch_id
            {%- if is_incremental() %}, {{ watermark }}{% endif %}
        ) as last_batch_id
    from used_dates
    cross join order_dates
    cross join item_dates
    cross join review_dates
    group by order_dates.last_batch_id, item_dates.last_batch_id, review_dates.last_batch_id
)

select
    cast({{ dbt.dateadd('day', 'numbers.n', 'bounds.first_day') }} as date) as date_day,
    cast(bounds.last_batch_id as bigint) as last_batch_id
from numbers
cross join bounds
where numbers.n <= {{ dbt.datediff('bounds.first_day', 'bounds.last_day', 'day') }}
