{#- The RFM bucket ends (macros/rfm.sql): one row with the last (key, id) of each of the first
    four ntile(5) buckets of each measure, the number of buyers they rank and the newest batch
    behind them. mart_customer_analytics scores every person against them.

    A full build finds them from the whole population. A nightly build walks from the stored
    ends along dim_customer's key indexes, dim_customer as the last build left it (it runs
    after this model: its depends_on line), past as many people as the night changed. The
    walk needs the stored ends and dim_customer to describe the same people: when their
    newest batches differ (one of them was built without the other) or the stored row is not
    there, the ends are found from the whole population again. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='replace',
    on_schema_change='sync_all_columns',
) }}
{%- set measures = rfm_measures() %}
{%- set walk = namespace(watermark=none, people=none) %}
{%- if is_incremental() %}
    {%- set walk.people = built_relation('dim_customer') %}
    {%- set walk.watermark = rfm_stored_watermark(walk.people, measures) %}
{%- endif %}
with

{% if walk.watermark is not none -%}
stored_ends as (
    select * from {{ this }}
),

{#- The people whose order history changed: their sort keys come from it alone (a person's
    customer rows alone move no key; dim_customer takes the keys of its buyers unchanged
    from the history, and everyone else there has no counted order), as they are now and as
    dim_customer stores them from the last build. -#}
fresh as (
    select
        history.customer_unique_id,
        history.counted_orders,
        history.last_counted_order_at,
        history.lifetime_spend
    from {{ ref('int_customer_orders_summarised') }} as history
    where history.last_batch_id > {{ walk.watermark }}
),

replaced as (
    select
        stored.customer_unique_id,
        stored.counted_orders,
        stored.last_counted_order_at,
        stored.lifetime_spend
    from {{ walk.people }} as stored
    where stored.customer_unique_id in (select fresh.customer_unique_id from fresh)
),

population as (
    select
        stored_ends.buyers as old_people,
        stored_ends.buyers
        - (select count(*) from replaced where replaced.counted_orders > 0)
        + (select count(*) from fresh where fresh.counted_orders > 0) as new_people,
        {{ rfm_newest_batch() }} as last_batch_id
    from stored_ends
),

{{ rfm_ends_from_stored(measures, walk.people) }}
{%- else -%}
{#- The buyers, with their sort keys. Every person of the order history is a person of
    int_customers_unified (both come from the same customer rows), so the history alone
    gives them. -#}
buyers as (
    select
        history.customer_unique_id,
        history.last_counted_order_at,
        history.counted_orders,
        history.lifetime_spend
    from {{ ref('int_customer_orders_summarised') }} as history
    where history.counted_orders > 0 and history.customer_unique_id is not null
),

population as (
    select
        (select count(*) from buyers) as new_people,
        {{ rfm_newest_batch() }} as last_batch_id
),

{{ rfm_ends_from_population(measures) }}
{%- endif %}

select
    cast(population.new_people as {{ dbt.type_bigint() }}) as buyers,
    cast(population.last_batch_id as {{ dbt.type_bigint() }}) as last_batch_id,
    {%- for measure, _, _ in measures %}
    {%- set outer_loop = loop %}
    {%- for bucket in range(1, 5) %}
    {{ measure }}_ends_pivoted.{{ measure }}_key_{{ bucket }},
    {{ measure }}_ends_pivoted.{{ measure }}_id_{{ bucket }}
    {{- ',' if not (outer_loop.last and loop.last) }}
    {%- endfor %}
    {%- endfor %}
from population
{%- for measure, _, _ in measures %}
cross join {{ measure }}_ends_pivoted
{%- endfor %}
