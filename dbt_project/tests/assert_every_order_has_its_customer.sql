{#- Every order in fact_orders belongs to a person in dim_customer (a customer_id with no
    customer row would leave customer_unique_id empty). Scoped like the generic tests to the
    orders of newer batches when the orchestrator says so (macros/test_scope.sql). -#}
{{ config(meta={'dagster': {'ref': {'name': 'fact_orders'}}}) }}
with

orders as (
    select * from {{ get_where_subquery(ref('fact_orders')) }}
)

select
    orders.order_id,
    orders.customer_id,
    orders.customer_unique_id
from orders
left join {{ ref('dim_customer') }} as customers
    on orders.customer_unique_id = customers.customer_unique_id
where customers.customer_unique_id is null
