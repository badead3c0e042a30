{#- Reconciliation (macros/reconciliation.sql): the people of mart_customer_analytics (a view
    of dim_customer) hold every counted order of fact_orders and its GMV. -#}
{{ config(meta={'dagster': {'ref': {'name': 'mart_customer_analytics'}}}) }}
with

facts as (
    {{ fact_order_totals(['counted_orders', 'gmv']) }}
),

customers as (
    select
        sum(people.counted_orders) as counted_orders,
        sum(people.lifetime_spend) as gmv
    from {{ ref('mart_customer_analytics') }} as people
),

{{ totals_that_differ([
    ('customer counted orders', 'customers.counted_orders', 'facts.counted_orders', 'customers cross join facts'),
    ('customer spend', 'customers.gmv', 'facts.gmv', 'customers cross join facts'),
]) }}
