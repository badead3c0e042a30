{#- A customer is a customer_unique_id; its place is that of its most recent customer_id.
    Incremental: a person with a customer or order row in a newer batch is placed again and
    merged (macros/incremental.sql). -#}
{{ config(
    unique_key='customer_unique_id',
    indexes=[
        {'columns': ['customer_unique_id'], 'unique': True},
        {'columns': ['last_batch_id']}
    ]
) }}
with

customers as (
    select * from {{ ref('stg_olist__customers') }}
    {% if is_incremental() -%}
    where customer_unique_id in (
        select changed_customers.customer_unique_id
        from {{ ref('stg_olist__customers') }} as changed_customers
        where changed_customers.batch_id > {{ processed_batch_watermark() }}
        union
        select ordering_customers.customer_unique_id
        from {{ ref('stg_olist__orders') }} as changed_orders
        inner join {{ ref('stg_olist__customers') }} as ordering_customers
            on changed_orders.customer_id = ordering_customers.customer_id
        where changed_orders.batch_id > {{ processed_batch_watermark() }}
    )
    {%- endif %}
),

ranked as (
    select
        customers.customer_unique_id,
        customers.customer_zip_code_prefix,
        customers.customer_city,
        customers.customer_state,
        row_number() over (
            partition by customers.customer_unique_id
            order by
                orders.order_purchase_timestamp desc,
                customers.batch_id desc,
                customers.customer_id desc
        ) as recency_rank,
        max(greatest(customers.batch_id, coalesce(orders.batch_id, customers.batch_id))) over (
            partition by customers.customer_unique_id
        ) as last_batch_id
    from customers
    left join {{ ref('stg_olist__orders') }} as orders
        on customers.customer_id = orders.customer_id
)

select
    customer_unique_id,
    customer_zip_code_prefix,
    customer_city,
    customer_state,
    last_batch_id
from ranked
where recency_rank <= 1  -- same as = 1; better row estimate (macros/olist.sql, latest_by_key)
