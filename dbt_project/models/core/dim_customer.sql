{#- One row per person (customer_unique_id) with order history, segment and RFM scores
    (BUSINESS_RULES.md, Customers and segments). The rules relative to the as-of date that
    every row would change each day (recency in days, the date itself) are not stored: the
    mart_customer_analytics view adds them.

    RFM without re-sorting the table: each score is ntile(5) over the people with a counted
    order, ordered by the measure and then customer_unique_id (ties broken so that scores are
    reproducible; in byte order, collate "C": the hex ids sort the same, and a sort on most
    ties that compares bytes takes half the time of one with the locale's rules). ntile(5)
    over n rows makes buckets of n / 5 rows, the first n mod 5 of them one row larger, so the
    bucket of a person is fixed by the four bucket ends (the sort keys at those ranks): the
    `*_bounds` CTEs find them, sorting only the people who share a key value and an id
    prefix with a bucket end, and each score compares a person's key with them.

    Incremental (macros/incremental.sql): the people whose customer rows or orders changed
    since the newest batch here are computed again from their sources; everyone else is
    scored again from the stored row against the new bucket ends and the new as-of date, and
    only the rows whose segment or scores moved are merged. A night's delta moves a few
    bucket ends by a fraction of a bucket and a day's worth of people across the churn and
    new-customer lines, so a night writes a few per cent of the table instead of all of it
    (14.5 s to a few at a million people).

    The unique index makes PostgreSQL refuse a second row for a person, serves lookups by
    person and halves the cost of the Great Expectations uniqueness check. The spend indexes
    serve the customers dashboard's top spenders through mart_customer_analytics (a view of
    this table), overall or in a state: a top-N read of an index, not a sort of every person
    (the rare segments a filter picks, VIP and LOYAL, are the big spenders, found first). -#}
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

{#- The rank of the last person of each of the first four buckets of ntile(5) over n. -#}
bucket_ends as (
    select
        buckets.bucket,
        case
            when buckets.bucket <= population.people % 5
                then buckets.bucket * (population.people / 5 + 1)
            else (population.people % 5) * (population.people / 5 + 1)
                + (buckets.bucket - population.people % 5) * (population.people / 5)
        end as end_rank
    from (select count(*) as people from buyers) as population
    cross join (values (1), (2), (3), (4)) as buckets (bucket)
),

{#- The bucket ends, per measure, without sorting every buyer: the people per key value (a hash
    aggregate) and their running total tell which key value holds each bucket end and the
    end's rank among the people with that value; only those people are sorted by id.
    Recency ranks the oldest last counted order first (the most days since it, score 1). -#}
{%- for measure, key in measures %}

{{ measure }}_keys as (
    select
        counts.sort_key,
        counts.people,
        sum(counts.people) over (order by counts.sort_key rows unbounded preceding)
            - counts.people as people_before
    from (
        select {{ key }} as sort_key, count(*) as people
        from buyers as ranked
        group by {{ key }}
    ) as counts
),

{{ measure }}_ends as (
    select
        bucket_ends.bucket,
        keys.sort_key,
        bucket_ends.end_rank - keys.people_before as rank_in_key
    from {{ measure }}_keys as keys
    inner join bucket_ends
        on bucket_ends.end_rank > keys.people_before
        and bucket_ends.end_rank <= keys.people_before + keys.people
),

{#- Within the key value that holds an end, the end's rank among the people per id prefix:
    counting people per (key, first three characters of the id) is a hash aggregate, and a
    prefix sorts before another exactly when its ids do (byte order), so only the people of
    one prefix are sorted by id. The frequency ends lie among the people with one order
    (935,000 of a million buyers), whose sort took 2 s of the build. -#}
{{ measure }}_prefixes as (
    select
        counts.sort_key,
        counts.prefix,
        counts.people,
        sum(counts.people) over (
            partition by counts.sort_key order by counts.prefix collate "C"
            rows unbounded preceding
        ) - counts.people as people_before
    from (
        select
            {{ key }} as sort_key,
            left(ranked.customer_unique_id, 3) as prefix,
            count(*) as people
        from buyers as ranked
        where {{ key }} in (select ends.sort_key from {{ measure }}_ends as ends)
        group by {{ key }}, left(ranked.customer_unique_id, 3)
    ) as counts
),

{{ measure }}_prefix_ends as (
    select
        ends.bucket,
        ends.sort_key,
        prefixes.prefix,
        ends.rank_in_key - prefixes.people_before as rank_in_prefix
    from {{ measure }}_ends as ends
    inner join {{ measure }}_prefixes as prefixes
        on ends.sort_key = prefixes.sort_key
        and ends.rank_in_key > prefixes.people_before
        and ends.rank_in_key <= prefixes.people_before + prefixes.people
),

{{ measure }}_bounds as (
    select
        {%- for bucket in range(1, 5) %}
        max(case when ends.bucket = {{ bucket }} then ranked.sort_key end) as key_{{ bucket }},
        max(case when ends.bucket = {{ bucket }} then ranked.customer_unique_id end)
            as id_{{ bucket }}{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        select
            ranked.customer_unique_id,
            {{ key }} as sort_key,
            left(ranked.customer_unique_id, 3) as prefix,
            row_number() over (
                partition by {{ key }}, left(ranked.customer_unique_id, 3)
                order by ranked.customer_unique_id collate "C"
            ) as rank_in_prefix
        from buyers as ranked
        where ({{ key }}, left(ranked.customer_unique_id, 3)) in (
            select ends.sort_key, ends.prefix from {{ measure }}_prefix_ends as ends
        )
    ) as ranked
    inner join {{ measure }}_prefix_ends as ends
        on ranked.sort_key = ends.sort_key
        and ranked.prefix = ends.prefix
        and ranked.rank_in_prefix = ends.rank_in_prefix
),
{%- endfor %}


{% if is_incremental() -%}
changed as (
    select changed_people.customer_unique_id
    from {{ ref('int_customers_unified') }} as changed_people
    where changed_people.last_batch_id > {{ watermark }}
    union
    select changed_history.customer_unique_id
    from {{ ref('int_customer_orders_summarised') }} as changed_history
    where changed_history.last_batch_id > {{ watermark }}
),
{%- endif %}

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
    {%- if is_incremental() %}
    where people.customer_unique_id in (select changed.customer_unique_id from changed)

    {#- everyone else as stored: their rows did not change, only the rules relative to the
        as-of date and to the whole population can move them -#}
    union all

    select
        {%- for column in stable_columns %}
        stored.{{ column }},
        {%- endfor %}
        false as is_changed,
        stored.segment as stored_segment,
        stored.rfm_cell as stored_rfm_cell
    from {{ this }} as stored
    where stored.customer_unique_id not in (select changed.customer_unique_id from changed)
    {%- endif %}
),

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
        {%- set person_key = key | replace('ranked.', 'customers.') %}
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
