{#- One row per person (customer_unique_id) with order history, segment and RFM scores
    (BUSINESS_RULES.md, Customers and segments). The rules relative to the as-of date that
    every row would change each day (recency in days, the date itself) are not stored: the
    mart_customer_analytics view adds them.

    RFM without re-sorting the table: each score is ntile(5) over the people with a counted
    order, ordered by the measure and then customer_unique_id (ties broken so that scores are
    reproducible; in byte order, collate "C": the hex ids sort the same, and a sort on most
    ties that compares bytes takes half the time of one with the locale's rules). A person's
    bucket is fixed by the four bucket ends (macros/rfm.sql), and each score compares the
    person's key with them.

    Incremental (macros/incremental.sql): the people whose customer rows or orders changed
    since the newest batch here are computed again from their sources. The new bucket ends
    are found from the stored ones and the changed people (rfm_bounds_from_stored), and the
    other people whose row can move are read through the score and segment indexes: those a
    bucket end passed and those the new as-of date carried across the churn line or out of
    the new-customer window. Only the rows whose segment or scores moved are merged. A night
    reads and writes a few per cent of the table instead of all of it: the select took 12 s
    at a million people when it scored everyone again, and the bucket ends of the whole
    population took 8 s of that.

    The unique index makes PostgreSQL refuse a second row for a person, serves lookups by
    person and halves the cost of the Great Expectations uniqueness check. The spend indexes
    serve the customers dashboard's top spenders through mart_customer_analytics (a view of
    this table), overall or in a state: a top-N read of an index, not a sort of every person
    (the rare segments a filter picks, VIP and LOYAL, are the big spenders, found first). The
    score indexes (score, key, id) and the segment index (segment, last and first order)
    serve a night's reads of the bucket ends and the movers. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='customer_unique_id',
    on_schema_change='fail',
    indexes=[
        {'columns': ['customer_unique_id'], 'unique': True},
        {'columns': ['lifetime_spend desc nulls last', 'customer_unique_id']},
        {'columns': ['customer_state', 'lifetime_spend desc nulls last', 'customer_unique_id']},
        {'columns': ['last_batch_id']},
        {'columns': ['recency_score', '(cast(last_counted_order_at as date))', 'customer_unique_id collate "C"']},
        {'columns': ['frequency_score', 'counted_orders', 'customer_unique_id collate "C"']},
        {'columns': ['monetary_score', 'lifetime_spend', 'customer_unique_id collate "C"']},
        {'columns': ['segment', 'last_order_at', 'first_order_at']},
    ]
) }}
{%- set stable_columns = [
    'customer_unique_id', 'customer_zip_code_prefix', 'customer_city', 'customer_state',
    'counted_orders', 'attempted_orders', 'lifetime_spend', 'first_order_at', 'last_order_at',
    'first_counted_order_at', 'last_counted_order_at', 'avg_review_score', 'last_batch_id',
] %}
{%- set measures = [
    ('recency', 'cast(ranked.last_counted_order_at as date)'),
    ('frequency', 'ranked.counted_orders'),
    ('monetary', 'ranked.lifetime_spend'),
] %}
{%- if is_incremental() %}
    {%- set watermark = processed_batch_watermark() %}
{%- endif %}
with

as_of as (
    select as_of_date from {{ ref('int_reporting_as_of') }}
),

{% set computed_people -%}
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
        cast(history.review_score_sum as numeric(18, 2))
        / nullif(history.reviewed_orders, 0) as avg_review_score,
        greatest(people.last_batch_id, coalesce(history.last_batch_id, people.last_batch_id))
            as last_batch_id
        {%- if is_incremental() %},
        true as is_changed,
        cast(null as {{ dbt.type_string() }}) as stored_segment,
        cast(null as {{ dbt.type_string() }}) as stored_rfm_cell
        {%- endif %}
    from {{ ref('int_customers_unified') }} as people
    left join {{ ref('int_customer_orders_summarised') }} as history
        on people.customer_unique_id = history.customer_unique_id
{%- endset %}

{% if is_incremental() -%}
{#- The people whose customer rows or orders changed since the newest batch here. -#}
changed as (
    select changed_people.customer_unique_id
    from {{ ref('int_customers_unified') }} as changed_people
    where changed_people.last_batch_id > {{ watermark }}
    union
    select changed_history.customer_unique_id
    from {{ ref('int_customer_orders_summarised') }} as changed_history
    where changed_history.last_batch_id > {{ watermark }}
),

{#- Their rows computed again from their sources, and their stored versions. -#}
fresh as (
    {{ computed_people }}
    where people.customer_unique_id in (select changed.customer_unique_id from changed)
),

replaced as (
    select
        stored.customer_unique_id,
        stored.counted_orders,
        stored.recency_score,
        stored.frequency_score,
        stored.monetary_score
    from {{ this }} as stored
    where stored.customer_unique_id in (select changed.customer_unique_id from changed)
),

{#- The people with a counted order (the population the scores rank) before and after. -#}
population as (
    select
        stored.people as old_people,
        stored.people
        - (select count(*) from replaced where replaced.counted_orders > 0)
        + (select count(*) from fresh where fresh.counted_orders > 0) as new_people
    from (
        select count(*) as people from {{ this }} as stored where stored.counted_orders > 0
    ) as stored
),

{{ rfm_bounds_from_stored(measures) }},

{#- Who else may have moved: the people a new bucket end passed, and those the new as-of
    date carried across the churn line or out of the new-customer window (or back, when the
    as-of date moves back). A stored segment or score is right for the old as-of date and
    ends, so these range reads of the score and segment indexes find every other person
    whose row can change. They are taken as stored: their rows did not change, only the
    rules relative to the as-of date and to the whole population move them. The segment
    thresholds on orders and spend (vip_min_orders and the like) are not read again: after
    changing one of them, run a full refresh. -#}
{%- set stored_columns -%}
    {%- for column in stable_columns %}
        stored.{{ column }},
    {%- endfor %}
        false as is_changed,
        stored.segment as stored_segment,
        stored.rfm_cell as stored_rfm_cell
{%- endset %}
movers as (
    {{ rfm_movers(measures, stored_columns) }}
    {#- (stored segments, the date column, its side of the line, the line's days). The last
        reads `last_order_at` as well: a first order is never after the last, so the range
        is implied and the index reads only that range. -#}
    {%- set crossings = [
        ("'VIP', 'LOYAL', 'REGULAR', 'NEW', 'ONE_TIME'", 'last_order_at', '<', 'churn_days'),
        ("'CHURNED'", 'last_order_at', '>=', 'churn_days'),
        ("'NEW'", 'first_order_at', '<', 'new_days'),
        ("'ONE_TIME'", 'first_order_at', '>=', 'new_days'),
    ] %}
    {%- for segments, column, side, days in crossings %}
    {%- set line = dbt.dateadd('day', -var(days), 'as_of.as_of_date') %}
    select {{ stored_columns }}
    from {{ this }} as stored
    cross join as_of
    where stored.segment in ({{ segments }})
        and stored.{{ column }} {{ side }} {{ line }}
        {%- if column == 'first_order_at' and side == '>=' %}
        and stored.last_order_at >= {{ line }}
        {%- endif %}
    {{- '\n    union' if not loop.last }}
    {%- endfor %}
),

customers as (
    select * from fresh
    union all
    select * from movers
    where movers.customer_unique_id not in (select changed.customer_unique_id from changed)
),
{%- else %}
{#- The population the scores rank: people with a counted order, with their sort keys. Every
    person of the order history is a person of int_customers_unified (both come from the same
    customer rows), so the history alone gives them. -#}
buyers as (
    select
        history.customer_unique_id,
        history.last_counted_order_at,
        history.counted_orders,
        history.lifetime_spend
    from {{ ref('int_customer_orders_summarised') }} as history
    where history.counted_orders > 0 and history.customer_unique_id is not null
),

{{ rfm_bounds_from_population(measures) }},

customers as (
    {{ computed_people }}
),
{%- endif %}

scored as (
    select
        customers.*,
        {#- BUSINESS_RULES.md, Segment: the first rule that matches wins. -#}
        case
            when {{ dbt.datediff('cast(customers.last_order_at as date)', 'as_of.as_of_date', 'day') }}
                > {{ var('churn_days') }} then 'CHURNED'
            when customers.counted_orders >= {{ var('vip_min_orders') }}
                and customers.lifetime_spend >= {{ var('vip_min_spend') }} then 'VIP'
            when customers.counted_orders >= {{ var('loyal_min_orders') }} then 'LOYAL'
            when customers.counted_orders >= {{ var('regular_min_orders') }} then 'REGULAR'
            when {{ dbt.datediff('cast(customers.first_order_at as date)', 'as_of.as_of_date', 'day') }}
                <= {{ var('new_days') }} then 'NEW'
            else 'ONE_TIME'
        end as segment,
        {%- for measure, key in measures %}
        {%- set person_key = rfm_key(key, 'customers') %}
        case when customers.counted_orders > 0 then
            case
                {%- for bucket in range(1, 5) %}
                when ({{ person_key }}, customers.customer_unique_id collate "C")
                    <= ({{ measure }}_bounds.key_{{ bucket }}, {{ measure }}_bounds.id_{{ bucket }} collate "C")
                    then {{ bucket }}
                {%- endfor %}
                else 5
            end
        end as {{ measure }}_score{{ ',' if not loop.last }}
        {%- endfor %}
    from customers
    cross join as_of
    {%- for measure, _ in measures %}
    cross join {{ measure }}_bounds
    {%- endfor %}
),

celled as (
    select
        scored.*,
        {{ dbt.concat([
            "cast(scored.recency_score as " ~ dbt.type_string() ~ ")",
            "cast(scored.frequency_score as " ~ dbt.type_string() ~ ")",
            "cast(scored.monetary_score as " ~ dbt.type_string() ~ ")"
        ]) }} as rfm_cell
    from scored
)

select
    {%- for column in stable_columns %}
    celled.{{ column }},
    {%- endfor %}
    celled.segment,
    cast(celled.recency_score as {{ dbt.type_int() }}) as recency_score,
    cast(celled.frequency_score as {{ dbt.type_int() }}) as frequency_score,
    cast(celled.monetary_score as {{ dbt.type_int() }}) as monetary_score,
    celled.rfm_cell
from celled
{%- if is_incremental() %}
where
    celled.is_changed
    or celled.segment is distinct from celled.stored_segment
    or celled.rfm_cell is distinct from celled.stored_rfm_cell
{%- endif %}
