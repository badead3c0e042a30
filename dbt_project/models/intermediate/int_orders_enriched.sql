{#- The order-level business rules of BUSINESS_RULES.md, written once: counted order, order
    value (GMV), delivered, delivery days, on time, days late, days to ship, the review that
    counts. last_batch_id is the newest batch that contributed to the order (its own row,
    customer, items, payments or reviews): the incremental models downstream key on it.
    Incremental: the orders touched by a newer batch are enriched again and merged
    (macros/incremental.sql). -#}
{{ config(
    unique_key='order_id',
    indexes=[
        {'columns': ['order_id'], 'unique': True},
        {'columns': ['last_batch_id']},
        {'columns': ['customer_unique_id']}
    ]
) }}
-- depends_on: {{ ref('stg_olist__order_items') }}
-- depends_on: {{ ref('stg_olist__order_payments') }}
-- depends_on: {{ ref('stg_olist__order_reviews') }}
with

orders as (
    select * from {{ ref('stg_olist__orders') }}
    {% if is_incremental() -%}
    where order_id in ({{ orders_changed_since_watermark() }})
    {%- endif %}
),

customers as (
    select
        customer_id,
        customer_unique_id,
        customer_state,
        batch_id
    from {{ ref('stg_olist__customers') }}
),

items as (
    select * from {{ ref('int_order_items_summarised') }}
),

payments as (
    select * from {{ ref('int_order_payments_summarised') }}
),

reviews as (
    select * from {{ ref('int_order_reviews_latest') }}
),

joined as (
    select
        orders.order_id,
        customers.customer_unique_id,
        orders.customer_id,
        customers.customer_state,
        orders.order_status,
        orders.order_status not in ('canceled', 'unavailable') as is_counted,
        orders.order_purchase_timestamp as purchased_at,
        cast(orders.order_purchase_timestamp as date) as order_date,
        orders.order_approved_at as approved_at,
        orders.order_delivered_carrier_at as delivered_carrier_at,
        orders.order_delivered_customer_at as delivered_customer_at,
        orders.order_estimated_delivery_date as estimated_delivery_date,
        orders.order_status = 'delivered'
            and orders.order_delivered_customer_at is not null as is_delivered,
        coalesce(items.items, 0) as items,
        {{ money('coalesce(items.items_value, 0)') }} as items_value,
        {{ money('coalesce(items.freight_value, 0)') }} as freight_value,
        {{ money('coalesce(items.order_value, 0)') }} as order_value,
        coalesce(payments.payments, 0) as payments,
        {{ money('coalesce(payments.payment_value, 0)') }} as payment_value,
        reviews.review_score,
        orders.batch_id,
        greatest(
            orders.batch_id,
            coalesce(customers.batch_id, orders.batch_id),
            coalesce(items.last_batch_id, orders.batch_id),
            coalesce(payments.last_batch_id, orders.batch_id),
            coalesce(reviews.last_batch_id, orders.batch_id)
        ) as last_batch_id
    from orders
    left join customers on orders.customer_id = customers.customer_id
    left join items on orders.order_id = items.order_id
    left join payments on orders.order_id = payments.order_id
    left join reviews on orders.order_id = reviews.order_id
)

select
    *,
    case
        when is_delivered then {{ fractional_days('purchased_at', 'delivered_customer_at') }}
    end as delivery_days,
    case
        when is_delivered then cast(delivered_customer_at as date) <= estimated_delivery_date
    end as is_on_time,
    case
        when is_delivered
            then greatest(
                0,
                {{ dbt.datediff('estimated_delivery_date', 'cast(delivered_customer_at as date)', 'day') }}
            )
    end as days_late,
    case
        when delivered_carrier_at is not null
            then {{ fractional_days('purchased_at', 'delivered_carrier_at') }}
    end as days_to_ship
from joined
