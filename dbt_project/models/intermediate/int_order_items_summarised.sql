{#- One row per order with items: the order value (GMV) is price + freight of its items. -#}
select
    order_id,
    count(*) as items,
    count(distinct seller_id) as sellers,
    {{ money('sum(price)') }} as items_value,
    {{ money('sum(freight_value)') }} as freight_value,
    {{ money('sum(price + freight_value)') }} as order_value,
    max(batch_id) as last_batch_id
from {{ ref('stg_olist__order_items') }}
group by order_id
