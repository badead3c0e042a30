{#- One row per person: segment, RFM scores and cell, order history, place and the average
    review given. The segment comes from dim_customer; the RFM scores are computed here, each
    person's keys compared with the bucket ends of int_rfm_ends_found (macros/rfm.sql), so a
    night that moves the ends rewrites no person. It adds what moves with the as-of date for
    everyone every day (the as-of date and the days since the last counted order).
    A view, not a copy: a million people are a million rows to write and index again on
    every build (7 s at a million orders, on the path to every check after it), and a view of
    dim_customer's own columns reads its indexes (the top spenders are a top-N read of the
    spend index there). -#}
{{ config(materialized='view') }}
{%- set measures = rfm_measures() %}
with

scored as (
    select
        customers.*,
        {%- for measure, key, _ in measures %}
        {{ rfm_score(measure, key, 'customers', 'ends') }} as {{ measure }}_score,
        {%- endfor %}
        as_of.as_of_date
    from {{ ref('dim_customer') }} as customers
    cross join {{ ref('int_reporting_as_of') }} as as_of
    left join {{ ref('int_rfm_ends_found') }} as ends on true
)

select
    scored.customer_unique_id,
    scored.customer_state,
    scored.customer_city,
    scored.segment,
    case
        when scored.counted_orders > 0
            then {{ dbt.datediff('cast(scored.last_counted_order_at as date)', 'scored.as_of_date', 'day') }}
    end as recency_days,
    {%- for measure, _, _ in measures %}
    cast(scored.{{ measure }}_score as {{ dbt.type_int() }}) as {{ measure }}_score,
    {%- endfor %}
    {{ dbt.concat([
        "cast(scored.recency_score as " ~ dbt.type_string() ~ ")",
        "cast(scored.frequency_score as " ~ dbt.type_string() ~ ")",
        "cast(scored.monetary_score as " ~ dbt.type_string() ~ ")"
    ]) }} as rfm_cell,
    cast(scored.counted_orders as bigint) as counted_orders,
    scored.lifetime_spend,
    scored.first_order_at,
    scored.last_order_at,
    cast({{ dbt.date_trunc('month', 'scored.first_counted_order_at') }} as date) as cohort_month,
    cast(scored.avg_review_score as numeric(4, 2)) as avg_review_score,
    scored.as_of_date,
    scored.last_batch_id
from scored
