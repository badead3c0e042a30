{#- One row per person (customer_unique_id) with order history, segment and RFM scores
    (BUSINESS_RULES.md, Customers and segments). The unique index makes PostgreSQL refuse a
    second row for a person, serves lookups by person and halves the cost of the Great
    Expectations uniqueness check (3.7 s to 1.8 s at a million customers). The spend indexes
    serve the customers dashboard's top spenders through mart_customer_analytics (a view of
    this table), overall or in a state: a top-N read of an index, not a sort of every person
    (the rare segments a filter picks, VIP and LOYAL, are the big spenders, found first). -#}
{{ config(indexes=[
    {'columns': ['customer_unique_id'], 'unique': True},
    {'columns': ['lifetime_spend desc nulls last', 'customer_unique_id']},
    {'columns': ['customer_state', 'lifetime_spend desc nulls last', 'customer_unique_id']},
]) }}
with

people as (
    select * from {{ ref('int_customers_unified') }}
),

as_of as (
    {{ as_of_date_query() }}
),

history as (
    select
        summarised.*,
        cast(summarised.review_score_sum as numeric(18, 2))
        / nullif(summarised.reviewed_orders, 0)
            as avg_review_score
    from {{ ref('int_customer_orders_summarised') }} as summarised
),

customers as (
    select
        people.customer_unique_id,
        people.customer_zip_code_prefix,
        people.customer_city,
        people.customer_state,
        coalesce(history.counted_orders, 0) as counted_orders,
        coalesce(history.attempted_orders, 0) as attempted_orders,
        {{ money('coalesce(history.lifetime_spend, 0)') }} as lifetime_spend,
        coalesce(history.first_counted_order_at, history.first_attempt_at) as first_order_at,
        coalesce(history.last_counted_order_at, history.last_attempt_at) as last_order_at,
        history.first_counted_order_at,
        history.last_counted_order_at,
        history.avg_review_score,
        as_of.as_of_date,
        greatest(people.last_batch_id, coalesce(history.last_batch_id, people.last_batch_id))
            as last_batch_id
    from people
    left join history on people.customer_unique_id = history.customer_unique_id
    cross join as_of
),

segmented as (
    select
        customers.*,
        {#- BUSINESS_RULES.md, Segment: the first rule that matches wins. -#}
        case
            when {{ dbt.datediff('cast(customers.last_order_at as date)', 'customers.as_of_date', 'day') }}
                > {{ var('churn_days') }} then 'CHURNED'
            when customers.counted_orders >= {{ var('vip_min_orders') }}
                and customers.lifetime_spend >= {{ var('vip_min_spend') }} then 'VIP'
            when customers.counted_orders >= {{ var('loyal_min_orders') }} then 'LOYAL'
            when customers.counted_orders >= {{ var('regular_min_orders') }} then 'REGULAR'
            when {{ dbt.datediff('cast(customers.first_order_at as date)', 'customers.as_of_date', 'day') }}
                <= {{ var('new_days') }} then 'NEW'
            else 'ONE_TIME'
        end as segment,
        case
            when customers.counted_orders > 0
                then {{ dbt.datediff('cast(customers.last_counted_order_at as date)', 'customers.as_of_date', 'day') }}
        end as recency_days
    from customers
),

{#- RFM: each of recency, frequency and monetary scored 1-5 with ntile(5), 5 best, among the
    customers with a counted order. Ties are broken by customer_unique_id so that scores are
    reproducible (ntile alone splits equal values arbitrarily). -#}
scored as (
    select
        segmented.customer_unique_id,
        ntile(5) over (
            order by segmented.recency_days desc, segmented.customer_unique_id
        ) as recency_score,
        ntile(5) over (
            order by segmented.counted_orders, segmented.customer_unique_id
        ) as frequency_score,
        ntile(5) over (
            order by segmented.lifetime_spend, segmented.customer_unique_id
        ) as monetary_score
    from segmented
    where segmented.counted_orders > 0
)

select
    segmented.customer_unique_id,
    segmented.customer_zip_code_prefix,
    segmented.customer_city,
    segmented.customer_state,
    segmented.counted_orders,
    segmented.attempted_orders,
    segmented.lifetime_spend,
    segmented.first_order_at,
    segmented.last_order_at,
    segmented.first_counted_order_at,
    segmented.last_counted_order_at,
    segmented.avg_review_score,
    segmented.as_of_date,
    segmented.last_batch_id,
    segmented.segment,
    segmented.recency_days,
    cast(scored.recency_score as {{ dbt.type_int() }}) as recency_score,
    cast(scored.frequency_score as {{ dbt.type_int() }}) as frequency_score,
    cast(scored.monetary_score as {{ dbt.type_int() }}) as monetary_score,
    {{ dbt.concat([
        "cast(scored.recency_score as " ~ dbt.type_string() ~ ")",
        "cast(scored.frequency_score as " ~ dbt.type_string() ~ ")",
        "cast(scored.monetary_score as " ~ dbt.type_string() ~ ")"
    ]) }} as rfm_cell
from segmented
left join scored on segmented.customer_unique_id = scored.customer_unique_id
