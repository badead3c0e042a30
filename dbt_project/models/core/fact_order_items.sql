with

items as (
    select * from {{ ref('stg_olist__order_items') }}
),

orders as (
    select order_id, order_date, is_counted, delivered_carrier_at
    from {{ ref('int_orders_enriched') }}
)

select
    items.order_id,
    items.order_item_id,
    items.product_id,
    items.seller_id,
    orders.order_date,
    orders.is_counted,
    items.shipping_limit_at,
    items.price,
    items.freight_value,
    {{ money('items.price + items.freight_value', 12) }} as item_value,
    orders.delivered_carrier_at > items.shipping_limit_at as is_late_shipment,
    items.batch_id
from items
inner join orders on items.order_id = orders.order_id
