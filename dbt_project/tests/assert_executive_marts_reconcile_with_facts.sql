{#- Reconciliation (macros/reconciliation.sql): the daily executive mart, the cohorts, the
    category sales and the delivery performance against the same totals of fact_orders, and
    the new customers of the days and cohorts against the people of dim_customer. -#}
{{ config(meta={'dagster': {'ref': {'name': 'mart_executive_dashboard'}}}) }}
with

facts as (
    {{ fact_order_totals(['counted_orders', 'gmv', 'items', 'delivered_orders', 'canceled_orders']) }}
),

{#- The people with a counted order, as dim_customer holds them: one row per person, whose
    counted orders and spend assert_customer_marts_reconcile_with_facts ties to fact_orders.
    Counting the distinct people of fact_orders instead hashed every order's person (0.7 s of
    CPU a build at a million orders, against 0.1 s through dim_customer's counted_orders
    index). -#}
buyers as (
    select count(*) as customers_with_counted_order
    from {{ ref('dim_customer') }} as people
    where people.counted_orders > 0
),

executive as (
    select
        sum(daily.orders) as counted_orders,
        sum(daily.gmv) as gmv,
        sum(daily.items) as items,
        sum(daily.delivered_orders) as delivered_orders,
        sum(daily.canceled_orders) as canceled_orders,
        sum(daily.new_customers) as new_customers
    from {{ ref('mart_executive_dashboard') }} as daily
),

cohorts as (
    select sum(retention.cohort_size) as cohort_customers
    from {{ ref('mart_cohort_retention') }} as retention
    where retention.months_since_first_order = 0
),

categories as (
    select
        sum(monthly.gmv) as gmv,
        sum(monthly.items) as items
    from {{ ref('mart_category_sales') }} as monthly
),

delivery as (
    select
        sum(case when monthly.grain = 'customer_state' then monthly.delivered_orders else 0 end)
            as delivered_by_state,
        sum(case when monthly.grain = 'lane' then monthly.delivered_orders else 0 end)
            as delivered_by_lane
    from {{ ref('mart_delivery_performance') }} as monthly
),

{{ totals_that_differ([
    ('executive orders', 'executive.counted_orders', 'facts.counted_orders', 'executive cross join facts'),
    ('executive gmv', 'executive.gmv', 'facts.gmv', 'executive cross join facts'),
    ('executive items', 'executive.items', 'facts.items', 'executive cross join facts'),
    ('executive delivered orders', 'executive.delivered_orders', 'facts.delivered_orders', 'executive cross join facts'),
    ('executive canceled orders', 'executive.canceled_orders', 'facts.canceled_orders', 'executive cross join facts'),
    ('executive new customers', 'executive.new_customers', 'buyers.customers_with_counted_order', 'executive cross join buyers'),
    ('cohort sizes', 'cohorts.cohort_customers', 'buyers.customers_with_counted_order', 'cohorts cross join buyers'),
    ('category gmv', 'categories.gmv', 'facts.gmv', 'categories cross join facts'),
    ('category items', 'categories.items', 'facts.items', 'categories cross join facts'),
    ('delivered orders by state', 'delivery.delivered_by_state', 'facts.delivered_orders', 'delivery cross join facts'),
    ('delivered orders by lane', 'delivery.delivered_by_lane', 'facts.delivered_orders', 'delivery cross join facts'),
]) }}
