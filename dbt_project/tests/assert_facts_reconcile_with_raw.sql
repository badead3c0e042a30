{#- Reconciliation: counted orders, their GMV and their items in fact_orders equal the same
    totals computed straight from the raw extracts (latest version of each key, text cast
    here), bypassing staging and intermediate models. -#}
{{ config(meta={'dagster': {'ref': {'name': 'fact_orders'}}}) }}
{#- On a nightly build (macros/test_scope.sql) the totals are those of the orders of newer
    batches, on both sides: the raw rows of those orders are read before their versions are
    ranked, so the cost follows the delta. -#}
{%- set orders_raw, items_raw = source('olist', 'olist_orders'), source('olist', 'olist_order_items') -%}
{%- set batch_column = tested_batch_column(ref('fact_orders')) -%}
{%- if batch_column -%}
    {%- set in_scope = "order_id in (select scoped.order_id from " ~ ref('fact_orders')
        ~ " as scoped where scoped." ~ batch_column ~ " > "
        ~ (env_var('OLIST_TESTS_SINCE_BATCH') | int) ~ ")" -%}
    {%- set orders_raw = "(select * from " ~ orders_raw ~ " where " ~ in_scope ~ ")" -%}
    {%- set items_raw = "(select * from " ~ items_raw ~ " where " ~ in_scope ~ ")" -%}
{%- endif %}
with

raw_orders as (
    {{ latest_by_key(orders_raw, ['order_id']) }}
),

raw_items as (
    {{ latest_by_key(items_raw, ['order_id', 'order_item_id']) }}
),

counted as (
    select raw_orders.order_id
    from raw_orders
    where raw_orders.order_status not in ('canceled', 'unavailable')
),

raw_totals as (
    select
        (select count(*) from counted) as counted_orders,
        sum(cast(raw_items.price as numeric(14, 2)) + cast(raw_items.freight_value as numeric(14, 2)))
            as gmv,
        count(*) as items
    from raw_items
    inner join counted on raw_items.order_id = counted.order_id
),

facts_in_scope as (
    select * from {{ get_where_subquery(ref('fact_orders')) }}
),

fact_totals as (
    select
        coalesce(sum(case when orders.is_counted then 1 else 0 end), 0) as counted_orders,
        coalesce(sum(case when orders.is_counted then orders.order_value else 0 end), 0) as gmv,
        coalesce(sum(case when orders.is_counted then orders.items else 0 end), 0) as items
    from facts_in_scope as orders
)

select
    raw_totals.counted_orders as raw_counted_orders,
    fact_totals.counted_orders as fact_counted_orders,
    raw_totals.gmv as raw_gmv,
    fact_totals.gmv as fact_gmv,
    raw_totals.items as raw_items,
    fact_totals.items as fact_items
from raw_totals
cross join fact_totals
where
    raw_totals.counted_orders <> fact_totals.counted_orders
    or coalesce(raw_totals.gmv, 0) <> coalesce(fact_totals.gmv, 0)
    or raw_totals.items <> fact_totals.items
