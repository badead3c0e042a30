{#- One row per person (customer_unique_id) with order history and segment (BUSINESS_RULES.md,
    Customers and segments). What moves with the as-of date for everyone each day (recency
    in days, the date itself) and the RFM scores, which move with every new buyer, are not
    stored: mart_customer_analytics adds them, scoring each person against the bucket ends
    of int_rfm_ends_found (macros/rfm.sql).

    Incremental (macros/incremental.sql): the people whose customer rows or orders changed
    since the newest batch here are computed again from their sources, and the other people
    whose segment the new as-of date moves are read through the segment index: those it
    carried across the churn line or out of the new-customer window. Only the rows whose
    segment moved are merged with the changed ones.

    int_rfm_ends_found reads this table as the last build left it, to find the new bucket
    ends from the old ones: it runs first (the depends_on line).

    The unique index makes PostgreSQL refuse a second row for a person, serves lookups by
    person and halves the cost of the Great Expectations uniqueness check. The spend indexes
    serve the customers dashboard's top spenders through mart_customer_analytics (a view of
    this table), overall or in a state: a top-N read of an index, not a sort of every person
    (the rare segments a filter picks, VIP and LOYAL, are the big spenders, found first). The
    key indexes (RFM key, id in byte order) serve the night's walk to the new bucket ends,
    and the segment index (segment, last and first order) the night's segment movers. -#}
-- depends_on: {{ ref('int_rfm_ends_found') }}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='customer_unique_id',
    on_schema_change='sync_all_columns',
    indexes=[
        {'columns': ['customer_unique_id'], 'unique': True},
        {'columns': ['lifetime_spend desc nulls last', 'customer_unique_id']},
        {'columns': ['customer_state', 'lifetime_spend desc nulls last', 'customer_unique_id']},
        {'columns': ['last_batch_id']},
        {'columns': ['(cast(last_counted_order_at as date))', 'customer_unique_id collate "C"']},
        {'columns': ['counted_orders', 'customer_unique_id collate "C"']},
        {'columns': ['lifetime_spend', 'customer_unique_id collate "C"']},
        {'columns': ['segment', 'last_order_at', 'first_order_at']},
    ]
) }}
{%- set stable_columns = [
    'customer_unique_id', 'customer_zip_code_prefix', 'customer_city', 'customer_state',
    'counted_orders', 'attempted_orders', 'lifetime_spend', 'first_order_at', 'last_order_at',
    'first_counted_order_at', 'last_counted_order_at', 'avg_review_score', 'last_batch_id',
] %}
{%- set computed_people -%}

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
    from {{ ref('int_customers_unified') }} as people
    left join {{ ref('int_customer_orders_summarised') }} as history
        on people.customer_unique_id = history.customer_unique_id
{%- endset %}
{%- if is_incremental() %}
    {%- set watermark = processed_batch_watermark() %}
{%- endif %}
with

as_of as (
    select as_of_date from {{ ref('int_reporting_as_of') }}
),

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

{#- Their rows computed again from their sources. -#}
fresh as (
    select
        computed.*,
        true as is_changed,
        cast(null as {{ dbt.type_string() }}) as stored_segment
    from (
        {{ computed_people }}
        where people.customer_unique_id in (select changed.customer_unique_id from changed)
    ) as computed
),

{#- Who else may have moved: those the new as-of date carried across the churn line or out
    of the new-customer window (or back, when the as-of date moves back). A stored segment
    is right for the old as-of date, so these range reads of the segment index find every
    other person whose segment can change. They are taken as stored: their rows did not
    change. The segment thresholds on orders and spend (vip_min_orders and the like) are
    not read again: after changing one of them, run a full refresh. -#}
{%- set stored_columns -%}
    {%- for column in stable_columns %}
        stored.{{ column }},
    {%- endfor %}
        false as is_changed,
        stored.segment as stored_segment
{%- endset %}
movers as (
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
customers as (
    {{ computed_people }}
),
{%- endif %}

segmented as (
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
        end as segment
    from customers
    cross join as_of
)

select
    {%- for column in stable_columns %}
    segmented.{{ column }},
    {%- endfor %}
    segmented.segment
from segmented
{%- if is_incremental() %}
where segmented.is_changed or segmented.segment is distinct from segmented.stored_segment
{%- endif %}
