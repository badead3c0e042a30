{#- A customer is a customer_unique_id; its place is that of its most recent customer_id. -#}
with ranked as (
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
        ) as recency_rank
    from {{ ref('stg_olist__customers') }} as customers
    left join {{ ref('stg_olist__orders') }} as orders
        on customers.customer_id = orders.customer_id
)

select
    customer_unique_id,
    customer_zip_code_prefix,
    customer_city,
    customer_state
from ranked
where recency_rank <= 1  -- same as = 1; better row estimate (macros/olist.sql, latest_by_key)
