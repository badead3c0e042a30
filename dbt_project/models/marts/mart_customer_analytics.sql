{#- One row per person: segment, RFM scores and cell, order history, place and the average
    review given. The segment comes from dim_customer; the RFM scores are computed here, each
    person's keys compared with the bucket ends of int_rfm_ends_found (macros/rfm.sql), so a
    night that moves the ends rewrites no person. It adds what moves with the as-of date for
    everyone every day (the as-of date and the days since the last counted order).
    A view, not a copy: a million people are a million rows to write and index again on
    every build (7 s at a million orders, on the path to every check after it), and a view of
    dim_customer's own columns reads its indexes (the top spenders are a top-N read of the
    spend index there). One select, no CTE: with the scores in a CTE, PostgreSQL sorted every
    person for the top spenders (0.45 s at a million) instead of reading the index. -#}
{{ config(materialized='view') }}
{%- set measures = rfm_measures() %}
{%- set scores = {} %}
{%- for measure, key, _ in measures %}
    {%- do scores.update({measure: rfm_score(measure, key, 'customers', 'ends')}) %}
{%- endfor %}
select
    customers.customer_unique_id,
    customers.customer_state,
    customers.customer_city,
    customers.segment,
    case
        when customers.counted_orders > 0
            then {{ dbt.datediff('cast(customers.last_counted_order_at as date)', 'as_of.as_of_date', 'day') }}
    end as recency_days,
    {%- for measure, _, _ in measures %}
    cast({{ scores[measure] }} as {{ dbt.type_int() }}) as {{ measure }}_score,
    {%- endfor %}
    {{ dbt.concat([
        "cast(" ~ scores['recency'] ~ " as " ~ dbt.type_string() ~ ")",
        "cast(" ~ scores['frequency'] ~ " as " ~ dbt.type_string() ~ ")",
        "cast(" ~ scores['monetary'] ~ " as " ~ dbt.type_string() ~ ")"
    ]) }} as rfm_cell,
    cast(customers.counted_orders as bigint) as counted_orders,
    customers.lifetime_spend,
    customers.first_order_at,
    customers.last_order_at,
    cast({{ dbt.date_trunc('month', 'customers.first_counted_order_at') }} as date) as cohort_month,
    cast(customers.avg_review_score as numeric(4, 2)) as avg_review_score,
    as_of.as_of_date,
    customers.last_batch_id
from {{ ref('dim_customer') }} as customers
cross join {{ ref('int_reporting_as_of') }} as as_of
left join {{ ref('int_rfm_ends_found') }} as ends on true  -- one row; none in some unit tests
