{#- One point per zip code prefix: the median latitude and longitude of the prefix's points
    inside Brazil's bounding box (BUSINESS_RULES.md, Products, sellers, reviews, places).
    Points outside the box are outliers and left out; a prefix with no point inside it has
    no row. City and state are the most frequent among the points kept. -#}
{%- set lat_min, lat_max = -33.75, 5.27 -%}
{%- set lng_min, lng_max = -73.99, -34.79 -%}
with

points as (
    select * from {{ ref('stg_olist__geolocation') }}
),

inside_brazil as (
    select
        points.zip_code_prefix,
        points.latitude,
        points.longitude,
        points.city,
        points.state
    from points
    where
        points.latitude between {{ lat_min }} and {{ lat_max }}
        and points.longitude between {{ lng_min }} and {{ lng_max }}
),

medians as (
    select
        inside_brazil.zip_code_prefix,
        cast({{ median('inside_brazil.latitude') }} as numeric(9, 6)) as latitude,
        cast({{ median('inside_brazil.longitude') }} as numeric(9, 6)) as longitude,
        count(*) as points_used
    from inside_brazil
    group by inside_brazil.zip_code_prefix
),

outliers as (
    select
        points.zip_code_prefix,
        sum(
            case
                when points.latitude between {{ lat_min }} and {{ lat_max }}
                    and points.longitude between {{ lng_min }} and {{ lng_max }}
                    then 0
                else 1
            end
        ) as points_left_out
    from points
    group by points.zip_code_prefix
),

places as (
    select
        inside_brazil.zip_code_prefix,
        inside_brazil.city,
        inside_brazil.state,
        row_number() over (
            partition by inside_brazil.zip_code_prefix
            order by count(*) desc, inside_brazil.state, inside_brazil.city
        ) as place_rank
    from inside_brazil
    group by inside_brazil.zip_code_prefix, inside_brazil.city, inside_brazil.state
)

select
    medians.zip_code_prefix,
    medians.latitude,
    medians.longitude,
    places.city,
    places.state,
    cast(medians.points_used as {{ dbt.type_int() }}) as points_used,
    cast(outliers.points_left_out as {{ dbt.type_int() }}) as points_left_out
from medians
inner join places
    on medians.zip_code_prefix = places.zip_code_prefix and places.place_rank = 1
inner join outliers on medians.zip_code_prefix = outliers.zip_code_prefix
