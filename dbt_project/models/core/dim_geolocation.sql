{#- One point per zip code prefix: the median latitude and longitude of the prefix's points
    inside Brazil's bounding box (BUSINESS_RULES.md, Products, sellers, reviews, places).
    Points outside the box are outliers and left out; a prefix with no point inside it has
    no row. City and state are the most frequent among the points kept. Incremental: the
    prefixes with a point in a newer batch are computed again and replace their rows
    (macros/incremental.sql). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='zip_code_prefix',
    on_schema_change='fail',
    indexes=[{'columns': ['zip_code_prefix'], 'unique': True}]
) }}
{%- set lat_min, lat_max = -33.75, 5.27 -%}
{%- set lng_min, lng_max = -73.99, -34.79 -%}
with

points as (
    select
        zip_code_prefix,
        latitude,
        longitude,
        city,
        state,
        batch_id,
        coalesce(
            latitude between {{ lat_min }} and {{ lat_max }}
            and longitude between {{ lng_min }} and {{ lng_max }},
            false
        ) as is_inside_brazil
    from {{ ref('stg_olist__geolocation') }}
    {% if is_incremental() -%}
    where zip_code_prefix in (
        select changed.zip_code_prefix
        from {{ ref('stg_olist__geolocation') }} as changed
        where changed.batch_id > {{ processed_batch_watermark() }}
    )
    {%- endif %}
),

{#- One pass per prefix, the outliers counted beside the medians (FILTER rather than WHERE:
    a filtered subquery is estimated at a row or two, and the planner then joins the two
    sides in a nested loop that grows with the square of the prefixes). -#}
medians as (
    select
        zip_code_prefix,
        cast(
            {{ median('latitude') }} filter (where is_inside_brazil) as numeric(9, 6)
        ) as latitude,
        cast(
            {{ median('longitude') }} filter (where is_inside_brazil) as numeric(9, 6)
        ) as longitude,
        count(*) filter (where is_inside_brazil) as points_used,
        count(*) filter (where not is_inside_brazil) as points_left_out,
        max(batch_id) as last_batch_id
    from points
    group by zip_code_prefix
),

{#- The most frequent city and state of the points kept (ties: first by state, then city). -#}
places as (
    select distinct on (zip_code_prefix)
        zip_code_prefix,
        city,
        state
    from points
    group by zip_code_prefix, city, state, is_inside_brazil
    order by zip_code_prefix asc, is_inside_brazil desc, count(*) desc, state asc, city asc
)

select
    medians.zip_code_prefix,
    medians.latitude,
    medians.longitude,
    places.city,
    places.state,
    cast(medians.points_used as {{ dbt.type_int() }}) as points_used,
    cast(medians.points_left_out as {{ dbt.type_int() }}) as points_left_out,
    medians.last_batch_id
from medians
inner join places on medians.zip_code_prefix = places.zip_code_prefix
where medians.points_used > 0
