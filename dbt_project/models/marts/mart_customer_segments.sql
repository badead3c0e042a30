{#- The customers dashboard's counts, rolled up once per build: one row per state, segment and
    RFM scores with the people, the buying people, their counted orders and spend. The page
    sums a few thousand rows for any state and segment it is asked about instead of scanning
    one row per person (BUSINESS_RULES.md, Customers and segments; segments in dim_customer,
    RFM scores in mart_customer_analytics). -#}
select
    customers.customer_state,
    customers.segment,
    customers.recency_score,
    customers.frequency_score,
    customers.monetary_score,
    cast(count(*) as bigint) as customers,
    cast(sum(case when customers.counted_orders > 0 then 1 else 0 end) as bigint)
        as buying_customers,
    cast(sum(customers.counted_orders) as bigint) as counted_orders,
    {{ money('sum(customers.lifetime_spend)') }} as spend,
    max(customers.as_of_date) as as_of_date
from {{ ref('mart_customer_analytics') }} as customers
group by
    customers.customer_state,
    customers.segment,
    customers.recency_score,
    customers.frequency_score,
    customers.monetary_score
