{#- One row per order with items: the order value (GMV) is price + freight of its items.
    Incremental: orders with an item in a newer batch are summed again (macros/incremental.sql). -#}
{{ config(
    unique_key='order_id',
    indexes=[
        {'columns': ['order_id'], 'unique': True},
        {'columns': ['last_batch_id']}
    ]
) }}
select
    order_id,
    count(*) as items,
    count(distinct seller_id) as sellers,
    {{ money('sum(price)') }} as items_value,
    {{ money('sum(freight_value)') }} as freight_value,
    {{ money('sum(price + freight_value)') }} as order_value,
    max(batch_id) as last_batch_id
from {{ ref('stg_olist__order_items') }}
{% if is_incremental() -%}
where order_id in (
    select changed.order_id
    from {{ ref('stg_olist__order_items') }} as changed
    where changed.batch_id > {{ processed_batch_watermark() }}
)
{% endif -%}
group by order_id
