{#- Sales of counted orders per category shown to users (English, else Portuguese, else
    'unknown': dim_product) and purchase month: GMV (price + freight), items, orders and the
    average item price. Incremental: the months a changed order or product reaches are
    deleted, computed again and written back (macros/incremental.sql). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "{% if is_incremental() %}
        delete from {{ this }}
        where order_month in ({{ values_when_incremental(category_months_changed(), 'date') }})
        {% endif %}"
    ]
) }}
with

items as (
    select * from {{ ref('fact_order_items') }} as items
    {% if is_incremental() -%}
    where {{ within_months('items.order_date', incremental_values(category_months_changed())) }}
    {%- endif %}
),

products as (
    select * from {{ ref('dim_product') }}
),

categorised as (
    select
        coalesce(products.category, 'unknown') as category,
        cast({{ dbt.date_trunc('month', 'items.order_date') }} as date) as order_month,
        items.order_id,
        items.price,
        items.freight_value,
        items.item_value,
        greatest(items.last_batch_id, coalesce(products.batch_id, items.last_batch_id))
            as last_batch_id
    from items
    left join products on items.product_id = products.product_id
    where items.is_counted
)

select
    categorised.category,
    categorised.order_month,
    {{ money('sum(categorised.item_value)') }} as gmv,
    {{ money('sum(categorised.price)') }} as items_value,
    {{ money('sum(categorised.freight_value)') }} as freight_value,
    cast(count(*) as bigint) as items,
    cast(count(distinct categorised.order_id) as bigint) as orders,
    {{ money('avg(categorised.price)', 12) }} as avg_price,
    cast(max(categorised.last_batch_id) as bigint) as last_batch_id
from categorised
group by categorised.category, categorised.order_month
