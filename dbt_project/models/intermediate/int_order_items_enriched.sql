{#- Every order item with the item-level rules of BUSINESS_RULES.md applied once: item value
    (price + freight), seller revenue (price) and late shipment (carrier pick-up after the
    item's shipping limit). Order attributes come from int_orders_enriched. Incremental: the
    items of orders enriched again are merged (macros/incremental.sql). -#}
{{ config(
    unique_key=['order_id', 'order_item_id'],
    indexes=[
        {'columns': ['order_id', 'order_item_id'], 'unique': True},
        {'columns': ['last_batch_id']}
    ]
) }}
with

items as (
    select * from {{ ref('stg_olist__order_items') }}
),

orders as (
    select * from {{ ref('int_orders_enriched') }}
    {% if is_incremental() -%}
    where last_batch_id > {{ processed_batch_watermark() }}
    {%- endif %}
)

select
    items.order_id,
    items.order_item_id,
    items.product_id,
    items.seller_id,
    orders.customer_unique_id,
    orders.order_date,
    orders.is_counted,
    items.shipping_limit_at,
    orders.delivered_carrier_at,
    items.price,
    items.freight_value,
    {{ money('items.price + items.freight_value', 12) }} as item_value,
    {{ money('items.price', 12) }} as seller_revenue,
    case
        when orders.delivered_carrier_at is not null and items.shipping_limit_at is not null
            then orders.delivered_carrier_at > items.shipping_limit_at
    end as is_late_shipment,
    items.batch_id,
    orders.last_batch_id
from items
inner join orders on items.order_id = orders.order_id
